//! Model prompts carry the telemetry contract (docs/telemetry.md): `selfheal generate --model`
//! (first and repair prompts, from a spec's `[telemetry]`) and `selfheal heal --model` (from the
//! program's `telemetry.toml`), so that a model knows what the validation checks besides the
//! tests.

use std::path::PathBuf;

use selfheal::generate::prompt::{first_prompt, heal_prompt};
use selfheal::generate::Spec;
use selfheal::heal::RepairRequest;
use selfheal::{Program, TargetLanguage};

const CONTRACT_LINES: &[&str] = &[
    "## Telemetry contract\n",
    "- span `checkout`: kind internal; a root span; required attributes `order.id` (string)\n",
    "- span `charge`: a child of span `checkout`; required attributes `order.total` (double)\n",
    "- metric `orders.processed`: a counter, unit `{order}`, every data point with `order.kind` (string: one of web, store)\n",
];

fn spec_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/specs")
        .join(name)
}

#[test]
fn generation_prompt_quotes_the_specs_contract() {
    let spec = Spec::load(&spec_path("python_telemetry.toml")).unwrap();
    let prompt = first_prompt(&spec, &[]);
    for line in CONTRACT_LINES {
        assert!(prompt.user.contains(line), "{line}\n---\n{}", prompt.user);
    }
}

#[test]
fn generation_prompt_without_a_contract_has_no_section() {
    let spec = Spec::load(&spec_path("python_stats.toml")).unwrap();
    let prompt = first_prompt(&spec, &[]);
    assert!(!prompt.user.contains("Telemetry"), "{}", prompt.user);
}

#[test]
fn heal_prompt_quotes_the_programs_contract() {
    let registry = std::fs::read(spec_path("telemetry_registry/shop.yaml")).unwrap();
    let contract = "registry = \"semconv\"\n\n[[spans]]\nname = \"checkout\"\nkind = \"internal\"\nparent = \"\"\nrequired = [\"order.id\"]\n\n[[spans]]\nname = \"charge\"\nparent = \"checkout\"\nrequired = [\"order.total\"]\n\n[[metrics]]\nname = \"orders.processed\"\ninstrument = \"counter\"\nunit = \"{order}\"\nattributes = [\"order.kind\"]\n";
    let program = Program::new(
        TargetLanguage::Python,
        [(
            "shop.py".to_string(),
            "def checkout():\n    pass\n".to_string(),
        )],
    )
    .unwrap()
    .with_data_file("telemetry.toml", contract.as_bytes())
    .unwrap()
    .with_data_file("semconv/shop.yaml", registry)
    .unwrap();
    let request = RepairRequest {
        program: &program,
        errors: &[],
        tests: &[],
        tried: &[],
    };
    let prompt = heal_prompt(&request);
    for line in CONTRACT_LINES {
        assert!(prompt.user.contains(line), "{line}\n---\n{}", prompt.user);
    }
    // Without the contract file: no section.
    let bare = Program::new(
        TargetLanguage::Python,
        [(
            "shop.py".to_string(),
            "def checkout():\n    pass\n".to_string(),
        )],
    )
    .unwrap();
    let prompt = heal_prompt(&RepairRequest {
        program: &bare,
        ..request
    });
    assert!(!prompt.user.contains("Telemetry"), "{}", prompt.user);
}
