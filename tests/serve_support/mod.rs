//! `selfheal serve` as a subprocess on loopback, with a real HTTP client, for tests/serve_*.rs.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use selfheal::serve::auth::{generate_key, hash_key};

/// A tenant for a test configuration: its id, a fresh key, extra TOML lines.
pub struct TestTenant {
    pub id: String,
    pub key: String,
    pub extra: String,
}

impl TestTenant {
    pub fn new(id: &str, extra: &str) -> TestTenant {
        TestTenant {
            id: id.into(),
            key: generate_key(),
            extra: extra.into(),
        }
    }

    pub fn toml(&self) -> String {
        format!(
            "[[tenants]]\nid = \"{}\"\nkeys = [\"{}\"]\n{}\n",
            self.id,
            hash_key(&self.key),
            self.extra
        )
    }
}

/// A configuration listening on an ephemeral loopback port.
pub fn config(top: &str, tenants: &[&TestTenant]) -> String {
    let mut text = format!("listen = \"127.0.0.1:0\"\n{top}\n");
    for t in tenants {
        text.push_str(&t.toml());
    }
    text
}

/// A running service.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Writes `config` to `<data_dir>/serve.toml`, starts `selfheal serve` on it and waits
    /// until it listens.
    pub fn start(config: &str, data_dir: &Path) -> Server {
        let config_path = data_dir.join("serve.toml");
        std::fs::create_dir_all(data_dir).unwrap();
        std::fs::write(&config_path, config).unwrap();
        Server::start_with(&config_path, data_dir)
    }

    /// Starts `selfheal serve --config <path>` with its data dir.
    pub fn start_with(config_path: &Path, data_dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_selfheal"))
            .args(["serve", "--config"])
            .arg(config_path)
            .arg("--data-dir")
            .arg(data_dir)
            .env("SELFHEAL_DATA_DIR", data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run selfheal serve");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = tx.send(addr);
                }
                sink.lock().unwrap().push(line);
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(180)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "selfheal serve did not start:\n{}",
                    lines.lock().unwrap().join("\n")
                );
            }
        };
        Server {
            child,
            base: format!("http://{addr}"),
            config_path: config_path.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
            stderr: lines,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(
            unsafe { libc::kill(self.child.id() as libc::pid_t, signal) },
            0
        );
    }

    /// Waits (bounded) for the process to exit.
    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "selfheal serve did not exit:\n{}",
                    self.stderr.lock().unwrap().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill9(&mut self) {
        self.signal(libc::SIGKILL);
        self.wait(Duration::from_secs(30));
    }

    pub fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    selfheal::tls::ensure_crypto_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap()
}

/// `POST path` with `key` (if any) and a JSON body: (status, headers, JSON body).
pub async fn post(
    server: &Server,
    key: Option<&str>,
    path: &str,
    body: &serde_json::Value,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut request = client().post(server.url(path)).json(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    answer(request.send().await.unwrap()).await
}

pub async fn get(
    server: &Server,
    key: Option<&str>,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut request = client().get(server.url(path));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    answer(request.send().await.unwrap()).await
}

pub async fn delete(
    server: &Server,
    key: Option<&str>,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut request = client().delete(server.url(path));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    answer(request.send().await.unwrap()).await
}

async fn answer(
    response: reqwest::Response,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, headers, body)
}

/// Polls `GET /v1/jobs/{id}` until `done(job)` (bounded).
pub async fn wait_job(
    server: &Server,
    key: &str,
    id: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let (status, _, job) = get(server, Some(key), &format!("/v1/jobs/{id}")).await;
        assert_eq!(status, 200, "{job}");
        if done(&job) {
            return job;
        }
        assert!(Instant::now() < deadline, "job {id} never got there: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn finished(job: &serde_json::Value) -> bool {
    matches!(
        job["state"].as_str(),
        Some("succeeded" | "failed" | "cancelled")
    )
}

/// A passing Python program.
pub fn python_ok() -> serde_json::Value {
    serde_json::json!({
        "language": "python",
        "files": {"main.py": "def add(a, b):\n    return a + b\n"},
        "expect": "check"
    })
}

/// A Python program whose test sleeps `seconds` and then passes (`marker` makes it unique:
/// no cache answers it).
pub fn python_sleeping(seconds: f64, marker: &str) -> serde_json::Value {
    serde_json::json!({
        "language": "python",
        "files": {
            "main.py": format!("# {marker}\ndef add(a, b):\n    return a + b\n"),
            "test_main.py": format!("import time\nfrom main import add\n\ndef test_add():\n    time.sleep({seconds})\n    assert add(2, 3) == 5\n"),
        },
        "expect": "test",
        "wait_ms": 0
    })
}
