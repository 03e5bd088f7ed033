//! `selfheal generate` on a spec with `[telemetry]` (tests/data/specs/*_telemetry.toml): the
//! template generator's program emits what the contract asks for, passes on its first
//! validation, and carries the contract and the registry subset it names.

mod common;

use std::path::PathBuf;

fn spec_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/specs")
        .join(name)
}

fn generates_a_compliant_program(spec: &str, source: &str) {
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("shop");
    let out = common::selfheal(&[
        "generate",
        spec_path(spec).to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json = common::stdout_json(&out);
    common::assert_exit(&out, 0);
    assert_eq!(json["passed"], true, "{json:#}");
    assert_eq!(json["generations"].as_array().unwrap().len(), 1);
    assert_eq!(json["generations"][0]["generator"], "template");
    // Compliant as rendered: no repair was needed.
    assert_eq!(
        json["generations"][0]["heal"]["initially_passing"], true,
        "{json:#}"
    );
    let contract = std::fs::read_to_string(target.join("telemetry.toml")).unwrap();
    assert!(
        contract.starts_with("registry = \"semconv\"\n"),
        "{contract}"
    );
    assert!(contract.contains("name = \"checkout\""), "{contract}");
    let registry = std::fs::read_to_string(target.join("semconv/registry.yaml")).unwrap();
    for id in ["order.id", "order.total", "order.kind"] {
        assert!(registry.contains(&format!("- id: {id}\n")), "{registry}");
    }
    let code = std::fs::read_to_string(target.join(source)).unwrap();
    assert!(code.contains("checkout"), "{code}");

    // The written directory checks again, with its telemetry, as a user would run it.
    let check = common::selfheal(&[
        "check",
        "--no-cache",
        "--format",
        "json",
        target.to_str().unwrap(),
    ]);
    let result = common::stdout_json(&check);
    common::assert_exit(&check, 0);
    assert_eq!(result["passed"], true, "{result:#}");

    // Misnaming the span in the written program is caught there.
    std::fs::write(
        target.join(source),
        code.replacen("checkout'", "check_out'", 1)
            .replacen("checkout\"", "check_out\"", 1),
    )
    .unwrap();
    let check = common::selfheal(&[
        "check",
        "--no-cache",
        "--format",
        "json",
        target.to_str().unwrap(),
    ]);
    let result = common::stdout_json(&check);
    common::assert_exit(&check, 1);
    let codes: Vec<&str> = result["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(codes, ["telemetry.span_misnamed"], "{result:#}");
}

#[test]
fn python_spec_with_telemetry() {
    generates_a_compliant_program("python_telemetry.toml", "main.py");
}

#[test]
fn javascript_spec_with_telemetry() {
    generates_a_compliant_program("javascript_telemetry.toml", "main.js");
}

#[test]
fn rust_spec_with_telemetry() {
    generates_a_compliant_program("rust_telemetry.toml", "lib.rs");
}

#[test]
fn unknown_attribute_in_a_spec_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(spec_path("python_telemetry.toml"))
        .unwrap()
        .replace(
            "required = [\"order.total\"]",
            "required = [\"order.totl\"]",
        );
    let path = dir.path().join("shop.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::create_dir(dir.path().join("telemetry_registry")).unwrap();
    std::fs::copy(
        spec_path("telemetry_registry/shop.yaml"),
        dir.path().join("telemetry_registry/shop.yaml"),
    )
    .unwrap();
    let out = common::selfheal(&["generate", path.to_str().unwrap()]);
    common::assert_exit(&out, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: line 56: [telemetry]: attribute `order.totl` is not defined by the registry \
             (telemetry_registry: 3 attributes); define it there or correct the name",
            path.display()
        )),
        "{stderr}"
    );
}
