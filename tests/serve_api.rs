//! `selfheal serve` over HTTP on loopback: authentication, limits at the door, tenant isolation,
//! jobs (sync, 202, events, cancel), key rotation on SIGHUP, health, metrics, the OpenAPI
//! document.

#[path = "serve_support/mod.rs"]
mod support;

use std::time::Duration;

use serde_json::json;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_failures_are_401_or_403_with_a_clear_body_and_never_logged_with_the_key() {
    let data = tempfile::tempdir().unwrap();
    let a = TestTenant::new("acme", "");
    let limited = TestTenant::new("checks-only", "routes = [\"check\"]");
    let server = Server::start(&config("", &[&a, &limited]), data.path());

    let (status, headers, body) = post(&server, None, "/v1/check", &python_ok()).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert_eq!(headers["www-authenticate"], "Bearer realm=\"selfheal\"");

    let wrong_scheme = client()
        .post(server.url("/v1/check"))
        .header("Authorization", format!("Basic {}", a.key))
        .json(&python_ok())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_scheme.status().as_u16(), 401);
    let body: serde_json::Value = wrong_scheme.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");

    let forged = selfheal::serve::auth::generate_key();
    let (status, _, body) = post(&server, Some(&forged), "/v1/check", &python_ok()).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "invalid_key");
    // The hash itself is not a key.
    let hash = selfheal::serve::auth::hash_key(&a.key).to_string();
    let (status, _, _) = post(&server, Some(&hash), "/v1/check", &python_ok()).await;
    assert_eq!(status, 401);

    let heal = json!({"language": "python", "files": {"main.py": "x = 1\n"}});
    let (status, _, body) = post(&server, Some(&limited.key), "/v1/heal", &heal).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("/v1/heal") && message.contains("its routes: check"),
        "{message}"
    );

    let (status, _, _) = get(
        &server,
        None,
        "/v1/jobs/job_00000000000000000000000000000000",
    )
    .await;
    assert_eq!(status, 401);

    // An accepted request, then the audit log: one line per request, never a key or code.
    let (status, _, job) = post(&server, Some(&a.key), "/v1/check", &python_ok()).await;
    assert_eq!(status, 200, "{job}");
    let audit = std::fs::read_to_string(data.path().join("serve/audit.log")).unwrap();
    let lines: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7, "{audit}");
    assert_eq!(lines[0]["outcome"], "unauthenticated");
    assert_eq!(lines[0]["route"], "/v1/check");
    assert_eq!(lines[0]["status"], 401);
    assert_eq!(lines[4]["tenant"], "checks-only");
    assert_eq!(lines[4]["outcome"], "forbidden");
    assert_eq!(lines[5]["route"], "/v1/jobs/{id}");
    assert_eq!(lines[6]["tenant"], "acme");
    assert_eq!(lines[6]["outcome"], "ok");
    assert_eq!(lines[6]["job"], job["id"]);
    assert!(lines[6]["duration_ms"].as_f64().unwrap() >= 0.0);
    for secret in [
        a.key.as_str(),
        &limited.key,
        &forged,
        "def add",
        "return a + b",
    ] {
        assert!(!audit.contains(secret), "the audit log holds {secret:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_are_429_with_retry_after_and_every_refusal_names_its_limit() {
    let data = tempfile::tempdir().unwrap();
    let rate = TestTenant::new("rate", "[tenants.service]\nrequests_per_minute = 2");
    let queue = TestTenant::new(
        "queue",
        "[tenants.limits]\nmax_queued_jobs = 1\nmax_program_bytes = 400",
    );
    let cpu = TestTenant::new("cpu", "[tenants.limits]\ncpu_seconds_per_minute = 0.01");
    let server = Server::start(
        &config("max_body_bytes = 2000", &[&rate, &queue, &cpu]),
        data.path(),
    );

    for _ in 0..2 {
        let (status, _, body) = post(&server, Some(&rate.key), "/v1/check", &python_ok()).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, headers, body) = post(&server, Some(&rate.key), "/v1/check", &python_ok()).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(
        body["error"]["limit"],
        json!({"name": "requests_per_minute", "value": 2})
    );
    // Two a minute: the next one is allowed 30 s after the bucket emptied.
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((29..=30).contains(&retry), "Retry-After {retry}");
    assert_eq!(body["error"]["retry_after_secs"], retry);

    // max_queued_jobs = 1: a second job while the first is unfinished.
    let (status, _, first) = post(
        &server,
        Some(&queue.key),
        "/v1/check",
        &python_sleeping(2.0, "queue-1"),
    )
    .await;
    assert_eq!(status, 202, "{first}");
    let (status, headers, body) = post(&server, Some(&queue.key), "/v1/check", &python_ok()).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "too_many_jobs");
    assert_eq!(
        body["error"]["limit"],
        json!({"name": "max_queued_jobs", "value": 1})
    );
    // No job of this tenant has finished: nothing to estimate from, the 1 s floor.
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry, 1);
    assert_eq!(body["error"]["retry_after_secs"], 1);
    let id = first["id"].as_str().unwrap();
    let done = wait_job(&server, &queue.key, id, finished).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["result"]["passed"], true, "{done}");
    // One job finished: the wait is estimated from its time in the service (admitted to
    // released, a few ms around created_ms..finished_ms), rounded up.
    let took = (done["finished_ms"].as_u64().unwrap() - done["created_ms"].as_u64().unwrap())
        as f64
        / 1000.0;
    let (status, _, second) = post(
        &server,
        Some(&queue.key),
        "/v1/check",
        &python_sleeping(2.0, "queue-2"),
    )
    .await;
    assert_eq!(status, 202, "{second}");
    let (status, headers, body) = post(&server, Some(&queue.key), "/v1/check", &python_ok()).await;
    assert_eq!(status, 429, "{body}");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    let expected = took.ceil() as u64;
    assert!(
        retry == expected || retry == expected + 1,
        "Retry-After {retry} for a tenant whose one finished job took {took} s"
    );
    wait_job(
        &server,
        &queue.key,
        second["id"].as_str().unwrap(),
        finished,
    )
    .await;
    let (status, _, _) = post(&server, Some(&queue.key), "/v1/check", &python_ok()).await;
    assert_eq!(status, 200);

    // The body limit (413 naming max_body_bytes) and the program limit (max_program_bytes).
    let big = json!({"language": "python", "files": {"main.py": "#".repeat(3000)}});
    let (status, _, body) = post(&server, Some(&queue.key), "/v1/check", &big).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "body_too_large");
    assert_eq!(
        body["error"]["limit"],
        json!({"name": "max_body_bytes", "value": 2000})
    );
    let program = json!({"language": "python", "files": {"main.py": format!("x = 1\n{}\n", "#".repeat(500))}});
    let (status, _, body) = post(&server, Some(&queue.key), "/v1/check", &program).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "program_too_large");
    assert_eq!(
        body["error"]["limit"],
        json!({"name": "max_program_bytes", "value": 400})
    );
    let slow =
        json!({"language": "python", "files": {"main.py": "x = 1\n"}, "timeout_secs": 10000});
    let (status, _, body) = post(&server, Some(&queue.key), "/v1/heal", &slow).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["limit"]["name"], "max_job_seconds");
    let (status, _, body) =
        post(&server, Some(&queue.key), "/v1/check", &json!({"files": 3})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_request");
    let raw = client()
        .post(server.url("/v1/check"))
        .bearer_auth(&queue.key)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);

    // cpu_seconds_per_minute = 0.01: one Python check spends it; the next job is refused
    // until the minute frees it: the charge ages out 60 s after it was made, and it was made
    // between `sent` and the refusal.
    let sent = std::time::Instant::now();
    let (status, _, first) = post(&server, Some(&cpu.key), "/v1/check", &python_ok()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["state"], "succeeded", "{first}");
    let (status, headers, body) = post(&server, Some(&cpu.key), "/v1/check", &python_ok()).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "cpu_quota_spent");
    assert_eq!(
        body["error"]["limit"],
        json!({"name": "cpu_seconds_per_minute", "value": 0.01})
    );
    let since = sent.elapsed().as_secs_f64();
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        retry <= 60 && retry as f64 >= (60.0 - since).floor(),
        "Retry-After {retry}, {since} s after the request that spent the minute"
    );

    let metrics = client()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("selfheal_refusals_total{tenant=\"rate\",code=\"rate_limited\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("selfheal_refusals_total{tenant=\"queue\",code=\"too_many_jobs\"} 2\n"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_cannot_see_each_others_jobs_or_cache_entries() {
    let data = tempfile::tempdir().unwrap();
    let a = TestTenant::new("a", "");
    let b = TestTenant::new("b", "");
    let server = Server::start(&config("", &[&a, &b]), data.path());
    let program = json!({
        "language": "python",
        "files": {"main.py": "def mul(a, b):\n    return a * b\n# isolation\n"},
        "expect": "check"
    });

    let (status, _, first) = post(&server, Some(&a.key), "/v1/check", &program).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["result"]["passed"], true);
    assert_eq!(first["result"]["cached"], false);
    let (_, _, again) = post(&server, Some(&a.key), "/v1/check", &program).await;
    assert_eq!(again["result"]["cached"], true, "A's own entry answers A");
    // B sends the same program: a shared cache would answer it.
    let (_, _, for_b) = post(&server, Some(&b.key), "/v1/check", &program).await;
    assert_eq!(for_b["result"]["passed"], true);
    assert_eq!(
        for_b["result"]["cached"], false,
        "B was answered from A's cache entry"
    );
    let (_, _, b_again) = post(&server, Some(&b.key), "/v1/check", &program).await;
    assert_eq!(b_again["result"]["cached"], true);

    // A's job is not B's: B gets exactly what it gets for a job that never existed.
    let id = first["id"].as_str().unwrap();
    let nobody = "job_0123456789abcdef0123456789abcdef";
    for path in ["/v1/jobs/{}", "/v1/jobs/{}/events"] {
        let (status, _, theirs) = get(&server, Some(&b.key), &path.replace("{}", id)).await;
        let (status_none, _, none) = get(&server, Some(&b.key), &path.replace("{}", nobody)).await;
        assert_eq!((status, status_none), (404, 404));
        assert_eq!(theirs["error"]["code"], "job_not_found");
        assert_eq!(
            theirs["error"]["message"]
                .as_str()
                .unwrap()
                .replace(id, "ID"),
            none["error"]["message"]
                .as_str()
                .unwrap()
                .replace(nobody, "ID")
        );
    }
    let (status, _, _) = delete(&server, Some(&b.key), &format!("/v1/jobs/{id}")).await;
    assert_eq!(status, 404);
    let (status, _, mine) = get(&server, Some(&a.key), &format!("/v1/jobs/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(mine["state"], "succeeded");
    assert!(
        mine.get("tenant").is_none() && mine.get("request").is_none(),
        "{mine}"
    );
}

/// The SSE events of a job, read until the stream ends.
async fn events(server: &Server, key: &str, id: &str) -> Vec<(String, serde_json::Value)> {
    let mut response = client()
        .get(server.url(&format!("/v1/jobs/{id}/events")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut text = String::new();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(240), response.chunk())
        .await
        .expect("the event stream stalled")
        .unwrap()
    {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text.split("\n\n")
        .filter_map(|block| {
            let mut event = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = Some(e.to_string());
                }
                if let Some(d) = line.strip_prefix("data: ") {
                    data = serde_json::from_str::<serde_json::Value>(d).ok();
                }
            }
            Some((event?, data?["data"].clone()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_jobs_are_202_with_progress_events_and_can_be_cancelled() {
    let data = tempfile::tempdir().unwrap();
    let a = TestTenant::new("a", "");
    let server = Server::start(&config("workers = 1", &[&a]), data.path());

    // A heal: 202 at once (wait_ms 0), then its events to the end, then its record.
    let heal = json!({
        "language": "python",
        "files": {"main.py": "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n"},
        "expect": "check",
        "wait_ms": 0
    });
    let (status, headers, job) = post(&server, Some(&a.key), "/v1/heal", &heal).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    assert_eq!(headers["location"], format!("/v1/jobs/{id}").as_str());
    let seen = events(&server, &a.key, &id).await;
    let states: Vec<&str> = seen
        .iter()
        .filter(|(e, _)| e == "state")
        .map(|(_, d)| d["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["queued", "running", "succeeded"], "{seen:?}");
    let validations: Vec<bool> = seen
        .iter()
        .filter(|(e, _)| e == "progress")
        .map(|(_, d)| d["passed"].as_bool().unwrap())
        .collect();
    assert!(validations.len() >= 2, "{seen:?}");
    assert_eq!(validations.first(), Some(&false));
    assert_eq!(validations.last(), Some(&true));
    let done = wait_job(&server, &a.key, &id, finished).await;
    assert_eq!(done["result"]["healed"], true, "{done}");
    assert!(done["result"]["diff"]
        .as_str()
        .unwrap()
        .contains("+    return result"));
    // Replayed from disk once finished.
    assert_eq!(events(&server, &a.key, &id).await, seen);

    // Cancel a running job and a queued one (one worker: the second waits).
    let (_, _, running) = post(
        &server,
        Some(&a.key),
        "/v1/check",
        &python_sleeping(60.0, "cancel-1"),
    )
    .await;
    let (_, _, queued) = post(
        &server,
        Some(&a.key),
        "/v1/check",
        &python_sleeping(60.0, "cancel-2"),
    )
    .await;
    let running_id = running["id"].as_str().unwrap();
    let queued_id = queued["id"].as_str().unwrap();
    wait_job(&server, &a.key, running_id, |j| j["state"] == "running").await;
    let (_, _, q) = get(&server, Some(&a.key), &format!("/v1/jobs/{queued_id}")).await;
    assert_eq!(q["state"], "queued");
    for id in [queued_id, running_id] {
        let (status, _, cancelled) = delete(&server, Some(&a.key), &format!("/v1/jobs/{id}")).await;
        assert_eq!(status, 200, "{cancelled}");
        assert_eq!(cancelled["state"], "cancelled");
        assert_eq!(cancelled["error"]["code"], "cancelled");
        let seen = events(&server, &a.key, id).await;
        assert_eq!(seen.last().unwrap().1["state"], "cancelled", "{seen:?}");
        let (status, _, body) = delete(&server, Some(&a.key), &format!("/v1/jobs/{id}")).await;
        assert_eq!(status, 409);
        assert_eq!(body["error"]["code"], "job_finished");
    }
    // The slot is free again: a quick job runs.
    let (status, _, ok) = post(&server, Some(&a.key), "/v1/check", &python_ok()).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["state"], "succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_rotates_keys_without_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let old = TestTenant::new("acme", "");
    let server = Server::start(&config("", &[&old]), data.path());
    let (status, _, _) = post(&server, Some(&old.key), "/v1/check", &python_ok()).await;
    assert_eq!(status, 200);

    let new = TestTenant::new("acme", "");
    std::fs::write(&server.config_path, config("", &[&new])).unwrap();
    server.signal(libc::SIGHUP);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _, _) = post(&server, Some(&new.key), "/v1/check", &python_ok()).await;
        if status == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new key never worked"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, _, body) = post(&server, Some(&old.key), "/v1/check", &python_ok()).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "invalid_key");

    // A broken file on SIGHUP keeps the running configuration.
    std::fs::write(&server.config_path, "[[tenants]]\nid = \"BAD\"\n").unwrap();
    server.signal(libc::SIGHUP);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !server
        .stderr_text()
        .contains("kept the running configuration")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            server.stderr_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, _, _) = post(&server, Some(&new.key), "/v1/check", &python_ok()).await;
    assert_eq!(status, 200);
    assert!(server.child.id() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_metrics_and_the_openapi_document() {
    let data = tempfile::tempdir().unwrap();
    let a = TestTenant::new("a", "");
    let server = Server::start(&config("", &[&a]), data.path());
    let (status, _, body) = get(&server, None, "/healthz").await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    let (status, _, body) = get(&server, None, "/readyz").await;
    assert_eq!((status, body), (200, json!({"status": "ready"})));
    let (status, _, body) = get(&server, None, "/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "no_route");

    let (status, _, served) = get(&server, None, "/v1/openapi.json").await;
    assert_eq!(status, 200);
    let checked_in: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/openapi/selfheal.v1.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        served, checked_in,
        "run `selfheal serve openapi > openapi/selfheal.v1.json`"
    );
    // Every documented operation answers (none falls through to `no_route`).
    for (path, ops) in served["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let url = server.url(&path.replace("{id}", "job_0123456789abcdef0123456789abcdef"));
            let request = match method.as_str() {
                "get" => client().get(url),
                "post" => client().post(url).json(&json!({})),
                "delete" => client().delete(url),
                other => panic!("undocumented method {other}"),
            };
            let response = request.bearer_auth(&a.key).send().await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            let code = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["error"]["code"].as_str().map(String::from));
            assert_ne!(
                code.as_deref(),
                Some("no_route"),
                "{method} {path}: {status} {text}"
            );
            assert_ne!(status, 405, "{method} {path}");
        }
    }

    post(&server, Some(&a.key), "/v1/check", &python_ok()).await;
    let metrics = client().get(server.url("/metrics")).send().await.unwrap();
    assert!(metrics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains("selfheal_http_requests_total{route=\"/v1/check\",status=\"200\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("selfheal_jobs_finished_total{kind=\"check\",state=\"succeeded\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("selfheal_tenant_jobs{tenant=\"a\",state=\"queued\"} 0\n"),
        "{text}"
    );
}
