//! Tenant isolation over HTTP on loopback: tenant B is never answered from A's cache entries
//! and does exactly the same work for a program A validated as for one nobody validated (so
//! no timing tells them apart), and B does not get A's plugins.
//!
//! A shared lookup is caught by content, not by the clock: the program's test fails with a
//! fresh random nonce each time it really runs, so a result that repeats another validation's
//! nonce was answered from that validation's cache entry. The sandbox count of each tenant
//! (`/metrics`) says how many validations really ran. Tenants the operator put in one shared
//! cache scope are the positive control: there the same test sees the sharing.

#[path = "serve_support/mod.rs"]
mod support;

#[cfg(feature = "plugins")]
#[path = "data/plugins/componentize.rs"]
mod componentize;

use serde_json::json;
use support::*;

/// A program whose test fails with a message holding a random nonce drawn when it runs.
fn nonce_program(marker: &str) -> serde_json::Value {
    json!({
        "language": "python",
        "files": {
            "main.py": format!("# {marker}\ndef add(a, b):\n    return a + b\n"),
            "test_main.py": "import os\nfrom main import add\n\ndef test_add():\n    nonce = os.urandom(8).hex()\n    assert add(2, 2) == 5, 'nonce-' + nonce + '-end'\n",
        },
        "expect": "test"
    })
}

/// The nonce a result carries (the one its validation drew): its failing test's message.
fn nonce(job: &serde_json::Value) -> String {
    let message = job["result"]["tests"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no test message in the result: {job}"));
    let nonce = message
        .strip_prefix("nonce-")
        .and_then(|m| m.strip_suffix("-end"))
        .unwrap_or_else(|| panic!("no nonce in {message:?}"));
    assert!(
        nonce.len() == 16 && nonce.bytes().all(|b| b.is_ascii_hexdigit()),
        "{message}"
    );
    nonce.to_string()
}

/// `selfheal_tenant_sandbox_runs_total` of `tenant`.
async fn sandbox_runs(server: &Server, tenant: &str) -> u64 {
    let text = client()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("selfheal_tenant_sandbox_runs_total{{tenant=\"{tenant}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
        .parse()
        .unwrap()
}

/// Checks `program` as the tenant with `key`: (its result's `cached`, its nonce, the sandboxes
/// the tenant `id` used for it).
async fn check(
    server: &Server,
    id: &str,
    key: &str,
    program: &serde_json::Value,
) -> (bool, String, u64) {
    let before = sandbox_runs(server, id).await;
    let (status, _, job) = post(server, Some(key), "/v1/check", program).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"]["passed"], false, "{job}");
    let used = sandbox_runs(server, id).await - before;
    (
        job["result"]["cached"].as_bool().unwrap(),
        nonce(&job),
        used,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_is_never_answered_from_as_cache_and_does_the_same_work_as_for_an_unseen_program() {
    let data = tempfile::tempdir().unwrap();
    let a = TestTenant::new("a", "");
    let b = TestTenant::new("b", "");
    let c = TestTenant::new("c", "cache = { shared = \"team\" }");
    let d = TestTenant::new("d", "cache = { shared = \"team\" }");
    let server = Server::start(&config("", &[&a, &b, &c, &d]), data.path());
    let seen_by_a = nonce_program("validated by a");
    let unseen = nonce_program("validated by nobody");

    // A validates it; A's second request is its own cache entry (same nonce, no sandbox).
    let (cached, first, used) = check(&server, "a", &a.key, &seen_by_a).await;
    assert_eq!((cached, used), (false, 1));
    let (cached, again, used) = check(&server, "a", &a.key, &seen_by_a).await;
    assert_eq!((cached, used), (true, 0));
    assert_eq!(again, first, "A's own entry answers A");

    // B sends the same program: its own validation runs (a fresh nonce, one sandbox), exactly
    // the work of a program nobody validated. A shared lookup would give A's nonce and no
    // sandbox, and would be faster: this is the difference a timing attack would measure.
    let (cached, for_b, used_seen) = check(&server, "b", &b.key, &seen_by_a).await;
    assert!(!cached, "B was told its answer came from a cache");
    assert_ne!(for_b, first, "B was answered from A's validation");
    let (cached, _, used_unseen) = check(&server, "b", &b.key, &unseen).await;
    assert!(!cached);
    assert_eq!(
        used_seen, used_unseen,
        "B's work for A's program differs from its work for an unseen one"
    );
    assert_eq!(used_seen, 1);
    // B's own entry then answers B, with B's nonce, not A's.
    let (cached, b_again, used) = check(&server, "b", &b.key, &seen_by_a).await;
    assert_eq!((cached, used), (true, 0));
    assert_eq!(b_again, for_b);
    // A is still answered with its own.
    let (_, a_again, _) = check(&server, "a", &a.key, &seen_by_a).await;
    assert_eq!(a_again, first);

    // The positive control: C and D share a scope the operator configured, and the same
    // observations see the sharing (D gets C's nonce). The test would catch it.
    let (cached, for_c, used) = check(&server, "c", &c.key, &seen_by_a).await;
    assert_eq!((cached, used), (false, 1), "C is not in A's scope either");
    assert_ne!(for_c, first);
    assert_ne!(for_c, for_b);
    // (D's sandbox count is not asserted: this is D's first Python request, and a validator's
    // cache probe without a slot needs the toolchain it resolves at its first validation, so
    // D's hit is found after taking a slot. The nonce is what shows the sharing.)
    let (cached, for_d, _) = check(&server, "d", &d.key, &seen_by_a).await;
    assert!(cached, "the shared scope did not share");
    assert_eq!(for_d, for_c);
}

#[cfg(feature = "plugins")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_does_not_get_as_plugins() {
    let data = tempfile::tempdir().unwrap();
    let plugins = data.path().join("a-plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::write(
        plugins.join("fixed-edit.wasm"),
        componentize::strategy("fixed-edit"),
    )
    .unwrap();
    let a = TestTenant::new(
        "a",
        &format!("plugins = [{:?}]", plugins.display().to_string()),
    );
    let b = TestTenant::new("b", "");
    let server = Server::start(&config("", &[&a, &b]), data.path());
    // The plugin closes the call on line 1 (inserts `)` at byte 13).
    let heal = |strategies: serde_json::Value| {
        json!({
            "language": "python",
            "files": {"main.py": "print('hello'\n"},
            "expect": "check",
            "strategies": strategies,
        })
    };
    let run = |key: &str, body: serde_json::Value| {
        let key = key.to_string();
        let server = &server;
        async move {
            let (status, _, job) = post(server, Some(&key), "/v1/heal", &body).await;
            assert!(status == 200 || status == 202, "{job}");
            let id = job["id"].as_str().unwrap().to_string();
            wait_job(server, &key, &id, finished).await
        }
    };

    // A heals with its plugin alone.
    let job = run(&a.key, heal(json!(["plugin.fixed-edit"]))).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"]["healed"], true, "{job}");
    assert_eq!(
        job["result"]["strategies_kept"],
        json!(["plugin.fixed-edit"]),
        "{job}"
    );

    // B asks for it by name: no such strategy for B, and the list B is told of lacks it.
    let job = run(&b.key, heal(json!(["plugin.fixed-edit"]))).await;
    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(job["error"]["code"], "setup", "{job}");
    let message = job["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("unknown strategy `plugin.fixed-edit`"),
        "{message}"
    );
    assert_eq!(message.matches("plugin.fixed-edit").count(), 1, "{message}");

    // B heals the same program with everything it has: built-in rules, never the plugin.
    let job = run(&b.key, heal(json!([]))).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let tried: Vec<&str> = job["result"]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["strategy"].as_str().unwrap())
        .collect();
    assert!(!tried.is_empty(), "{job}");
    assert!(
        tried.iter().all(|s| !s.starts_with("plugin.")),
        "B was offered A's plugin: {tried:?}"
    );
}
