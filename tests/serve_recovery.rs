//! Nothing accepted is lost: `kill -9` with queued and running jobs, then a restart, accounts
//! for every job; SIGTERM drains (no new jobs, in-flight ones finish) and exits 0.

#[path = "serve_support/mod.rs"]
mod support;

use std::time::Duration;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_with_queued_and_running_jobs_then_a_restart_finishes_every_one() {
    let data = tempfile::tempdir().unwrap();
    let a = TestTenant::new("a", "[tenants.service]\nmax_running_jobs = 1");
    let b = TestTenant::new("b", "[tenants.service]\nmax_running_jobs = 1");
    let conf = config("workers = 1\nmax_job_attempts = 2", &[&a, &b]);
    let mut server = Server::start(&conf, data.path());

    // One worker: A's first job runs, the other three wait.
    let mut jobs = Vec::new();
    for (tenant, marker) in [(&a, "k1"), (&a, "k2"), (&b, "k3"), (&b, "k4")] {
        let (status, _, job) = post(
            &server,
            Some(&tenant.key),
            "/v1/check",
            &python_sleeping(4.0, marker),
        )
        .await;
        assert_eq!(status, 202, "{job}");
        jobs.push((tenant, job["id"].as_str().unwrap().to_string()));
    }
    let running = wait_job(&server, &a.key, &jobs[0].1, |j| j["state"] == "running").await;
    assert_eq!(running["attempts"], 1);
    for (tenant, id) in &jobs[1..] {
        let (_, _, job) = get(&server, Some(&tenant.key), &format!("/v1/jobs/{id}")).await;
        assert_eq!(job["state"], "queued", "{job}");
    }
    server.kill9();

    let server = Server::start_with(&server.config_path.clone(), data.path());
    assert!(
        server
            .stderr_text()
            .contains("resumed 4 unfinished job(s); marked 0 failed"),
        "{}",
        server.stderr_text()
    );
    for (i, (tenant, id)) in jobs.iter().enumerate() {
        let job = wait_job(&server, &tenant.key, id, finished).await;
        assert_eq!(job["state"], "succeeded", "{job}");
        assert_eq!(job["result"]["passed"], true, "{job}");
        // The running one was started twice; the queued ones once.
        assert_eq!(job["attempts"], if i == 0 { 2 } else { 1 }, "{job}");
    }
    // The first job's events tell the story: running, the restart, running again, done.
    let events = selfheal::serve::jobs::JobStore::open(data.path())
        .unwrap()
        .events(&jobs[0].1);
    let story: Vec<String> = events
        .iter()
        .map(|e| match e.data.get("state").and_then(|s| s.as_str()) {
            Some(state) => state.to_string(),
            None => e.event.clone(),
        })
        .collect();
    assert_eq!(
        story,
        [
            "queued",
            "running",
            "notice",
            "queued",
            "running",
            "succeeded"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_started_max_job_attempts_times_is_marked_failed_with_the_reason() {
    let data = tempfile::tempdir().unwrap();
    let a = TestTenant::new("a", "");
    let conf = config("max_job_attempts = 1", &[&a]);
    let mut server = Server::start(&conf, data.path());
    let (_, _, job) = post(
        &server,
        Some(&a.key),
        "/v1/check",
        &python_sleeping(20.0, "f1"),
    )
    .await;
    let id = job["id"].as_str().unwrap().to_string();
    wait_job(&server, &a.key, &id, |j| j["state"] == "running").await;
    server.kill9();
    let server = Server::start_with(&server.config_path.clone(), data.path());
    assert!(
        server
            .stderr_text()
            .contains("resumed 0 unfinished job(s); marked 1 failed"),
        "{}",
        server.stderr_text()
    );
    let (status, _, job) = get(&server, Some(&a.key), &format!("/v1/jobs/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(job["error"]["code"], "interrupted");
    let message = job["error"]["message"].as_str().unwrap();
    assert!(message.contains("max_job_attempts = 1"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_finishes_in_flight_jobs_refuses_new_ones_and_exits_0() {
    let data = tempfile::tempdir().unwrap();
    let a = TestTenant::new("a", "");
    let conf = config("drain_timeout_secs = 120", &[&a]);
    let mut server = Server::start(&conf, data.path());
    let (status, _, job) = post(
        &server,
        Some(&a.key),
        "/v1/check",
        &python_sleeping(2.0, "d1"),
    )
    .await;
    assert_eq!(status, 202);
    let id = job["id"].as_str().unwrap().to_string();
    wait_job(&server, &a.key, &id, |j| j["state"] == "running").await;

    server.signal(libc::SIGTERM);
    // Draining: new work is refused with 503, reads still work, readiness says draining.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let refused = loop {
        let (status, headers, body) = post(&server, Some(&a.key), "/v1/check", &python_ok()).await;
        if status == 503 {
            break (headers, body);
        }
        assert_eq!(status, 200, "{body}");
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(refused.1["error"]["code"], "draining");
    assert!(refused.0.contains_key("retry-after"));
    let (status, _, ready) = get(&server, None, "/readyz").await;
    assert_eq!((status, ready["status"].as_str()), (503, Some("draining")));
    let (status, _, job) = get(&server, Some(&a.key), &format!("/v1/jobs/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        job["state"] == "running" || job["state"] == "succeeded",
        "{job}"
    );

    let status = server.wait(Duration::from_secs(150));
    assert_eq!(status.code(), Some(0), "{}", server.stderr_text());
    // The in-flight job finished before the exit, and its result is on disk.
    let record = selfheal::serve::jobs::JobStore::open(data.path())
        .unwrap()
        .load(&id)
        .unwrap();
    assert_eq!(record.state, selfheal::serve::jobs::JobState::Succeeded);
    assert_eq!(record.result.unwrap()["passed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_deadline_leaves_the_unfinished_jobs_for_the_next_start() {
    let data = tempfile::tempdir().unwrap();
    let a = TestTenant::new("a", "[tenants.service]\nmax_running_jobs = 1");
    let conf = config("drain_timeout_secs = 0.5\nworkers = 1", &[&a]);
    let mut server = Server::start(&conf, data.path());
    let (_, _, long) = post(
        &server,
        Some(&a.key),
        "/v1/check",
        &python_sleeping(20.0, "dl1"),
    )
    .await;
    let (_, _, waiting) = post(
        &server,
        Some(&a.key),
        "/v1/check",
        &python_sleeping(0.1, "dl2"),
    )
    .await;
    let long_id = long["id"].as_str().unwrap().to_string();
    let waiting_id = waiting["id"].as_str().unwrap().to_string();
    wait_job(&server, &a.key, &long_id, |j| j["state"] == "running").await;
    server.signal(libc::SIGTERM);
    let status = server.wait(Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "{}", server.stderr_text());
    assert!(
        server
            .stderr_text()
            .contains("2 job(s) unfinished at the deadline"),
        "{}",
        server.stderr_text()
    );

    // Nothing was lost: the next start runs both.
    let server = Server::start_with(&server.config_path.clone(), data.path());
    for id in [&long_id, &waiting_id] {
        let job = wait_job(&server, &a.key, id, finished).await;
        assert_eq!(job["state"], "succeeded", "{job}");
    }
}
