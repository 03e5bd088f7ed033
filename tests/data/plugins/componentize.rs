//! Turns the WAT plugins of this directory into components (shared by the plugin tests and
//! benches/plugin.rs through `#[path]`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Minimal WASI 0.2.0 packages: just what the output-flood plugin imports.
const WASI_IO: &str = r#"
package wasi:io@0.2.0;
interface error {
    resource error;
}
interface streams {
    use error.{error};
    variant stream-error {
        last-operation-failed(error),
        closed,
    }
    resource output-stream {
        blocking-write-and-flush: func(contents: list<u8>) -> result<_, stream-error>;
    }
}
"#;

const WASI_CLI: &str = r#"
package wasi:cli@0.2.0;
interface stdout {
    use wasi:io/streams@0.2.0.{output-stream};
    get-stdout: func() -> output-stream;
}
"#;

const ACME: &str = r#"
package acme:secrets@1.0.0;
interface vault {
    get-secret: func() -> u32;
}
"#;

/// Test worlds: the fix-strategy world plus one extra import.
const TEST_WORLDS: &str = r#"
package test:plugins;
world flood {
    include selfheal:plugin/fix-strategy@0.1.0;
    import wasi:cli/stdout@0.2.0;
}
world vault {
    include selfheal:plugin/fix-strategy@0.1.0;
    import acme:secrets/vault@1.0.0;
}
"#;

/// The component of `tests/data/plugins/<name>.wat` for `world` of `wit/` (or of the test
/// worlds above when `world` is `test:plugins/...`).
pub fn component(name: &str, world: &str) -> Vec<u8> {
    component_with_wit(name, world, None)
}

/// Like [`component`], with `wit/plugin.wit`'s text transformed by `edit_wit` first (to build
/// a plugin against another interface version).
pub fn component_with_wit(
    name: &str,
    world: &str,
    edit_wit: Option<&dyn Fn(&str) -> String>,
) -> Vec<u8> {
    let wat_path = root()
        .join("tests/data/plugins")
        .join(format!("{name}.wat"));
    let mut module = wat::parse_file(&wat_path).expect("the WAT plugin parses");
    let mut resolve = wit_parser::Resolve::default();
    let wit_text = std::fs::read_to_string(root().join("wit/plugin.wit")).expect("wit/plugin.wit");
    let wit_text = match edit_wit {
        Some(edit) => edit(&wit_text),
        None => wit_text,
    };
    let plugin_pkg = resolve
        .push_str("plugin.wit", &wit_text)
        .expect("wit/plugin.wit resolves");
    let world_id = if let Some(test_world) = world.strip_prefix("test:plugins/") {
        resolve.push_str("wasi-io.wit", WASI_IO).expect("wasi:io");
        resolve
            .push_str("wasi-cli.wit", WASI_CLI)
            .expect("wasi:cli");
        resolve.push_str("acme.wit", ACME).expect("acme");
        let test_pkg = resolve
            .push_str("test.wit", TEST_WORLDS)
            .expect("test worlds");
        resolve
            .select_world(&[test_pkg], Some(test_world))
            .expect("test world")
    } else {
        resolve
            .select_world(&[plugin_pkg], Some(world))
            .expect("plugin world")
    };
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world_id,
        wit_component::StringEncoding::UTF8,
    )
    .expect("metadata embeds");
    wit_component::ComponentEncoder::default()
        .module(&module)
        .expect("module accepted")
        .validate(true)
        .encode()
        .expect("componentizes")
}

/// A fix strategy plugin of this directory.
pub fn strategy(name: &str) -> Vec<u8> {
    component(name, "fix-strategy")
}

/// The policy validator plugin.
pub fn validator() -> Vec<u8> {
    component("policy", "validator")
}
