//! The `selfheal` binary exports spans and metrics over OTLP/HTTP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` points at a receiver, and nothing when it does not.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// (path, body) of every POST received.
type Requests = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A minimal OTLP/HTTP receiver: records each POST's path and body, answers 200 with an
/// empty (valid) protobuf response.
#[derive(Clone, Default)]
struct Receiver {
    requests: Requests,
}

impl Receiver {
    fn start() -> (Receiver, u16) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let receiver = Receiver::default();
        let r = receiver.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let r = r.clone();
                std::thread::spawn(move || r.serve(stream));
            }
        });
        (receiver, port)
    }

    /// Serves one keep-alive connection until the client closes it.
    fn serve(&self, stream: TcpStream) {
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        loop {
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                return;
            }
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 {
                    return;
                }
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let mut parts = request_line.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            if method == "POST" {
                self.requests.lock().unwrap().push((path.to_string(), body));
            }
            let reply = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
            if writer.write_all(reply.as_bytes()).is_err() {
                return;
            }
        }
    }

    fn bodies(&self, path: &str) -> Vec<Vec<u8>> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, b)| b.clone())
            .collect()
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn broken_python(dir: &std::path::Path) -> std::path::PathBuf {
    let file = dir.join("main.py");
    std::fs::write(
        &file,
        "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n\nprint(total([1, 2]))\n",
    )
    .unwrap();
    file
}

fn selfheal(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_selfheal"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OTEL_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("OTEL_METRIC_EXPORT_INTERVAL", "200")
        .arg("heal")
        .arg(broken_python(dir))
        .arg("--data-dir")
        .arg(dir.join("data"));
    cmd
}

#[test]
fn spans_and_metrics_arrive_at_the_otlp_endpoint() {
    let (receiver, port) = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let output = selfheal(dir.path())
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        )
        .env("OTEL_SERVICE_NAME", "selfheal-under-test")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("cannot"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let traces = receiver.bodies("/v1/traces");
    assert!(!traces.is_empty(), "no POST /v1/traces");
    let all: Vec<u8> = traces.concat();
    for needle in [
        "selfheal-under-test",
        "heal",
        "attempt",
        "validate",
        "sandbox.run",
        "parse",
        "selfheal.language",
        "selfheal.strategy",
        "process.exit.code",
        "error.type",
        "undefined_variable",
    ] {
        assert!(contains(&all, needle), "the exported spans lack `{needle}`");
    }

    let metrics = receiver.bodies("/v1/metrics");
    assert!(!metrics.is_empty(), "no POST /v1/metrics");
    let all: Vec<u8> = metrics.concat();
    for needle in [
        "selfheal.heals",
        "selfheal.healed",
        "selfheal.fixes.proposed",
        "selfheal.heal.duration",
        "selfheal.validation.duration",
        "selfheal.sandbox.overhead",
        "selfheal.time_to_heal",
    ] {
        assert!(
            contains(&all, needle),
            "the exported metrics lack `{needle}`"
        );
    }
}

#[test]
fn trace_stdout_prints_spans_and_nothing_is_sent_without_an_endpoint() {
    let (receiver, _port) = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let output = selfheal(dir.path()).arg("--trace-stdout").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Name         : heal"), "{stdout}");
    assert!(stdout.contains("Name         : sandbox.run"), "{stdout}");
    assert!(receiver.requests.lock().unwrap().is_empty());

    let quiet = selfheal(dir.path()).output().unwrap();
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains("Name         :"));
}
