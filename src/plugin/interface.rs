//! What a component is, read from its type before anything is linked: which world it targets,
//! which version of the interface it was built against, and whether the host provides every
//! import it needs.

use wasmtime::component::types::ComponentItem;
use wasmtime::component::Component;
use wasmtime::Engine;

use super::{PluginError, PluginKind, INTERFACE_VERSION};

/// Import namespaces the host links (WASI 0.2 through `wasmtime_wasi::p2`, and the types).
const PROVIDED_PREFIXES: &[&str] = &[
    "wasi:io/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:cli/",
    "wasi:filesystem/",
    "wasi:sockets/",
];

const PACKAGE: &str = "selfheal:plugin/";

/// The world `component` targets, after checking its interface version and imports.
pub fn inspect(engine: &Engine, component: &Component) -> Result<PluginKind, PluginError> {
    let ty = component.component_type();
    for (name, _) in ty.imports(engine) {
        if let Some(rest) = name.strip_prefix(PACKAGE) {
            let version = rest.split_once('@').map(|(_, v)| v);
            if !version.is_some_and(compatible) {
                return Err(PluginError::IncompatibleVersion {
                    found: format!("selfheal:plugin@{}", version.unwrap_or("(unversioned)")),
                });
            }
            continue;
        }
        if !PROVIDED_PREFIXES.iter().any(|p| name.starts_with(p)) {
            return Err(PluginError::UnsupportedImport {
                import: name.to_string(),
            });
        }
    }
    let is_func = |name: &str| {
        matches!(
            ty.get_export(engine, name).map(|e| e.ty),
            Some(ComponentItem::ComponentFunc(_))
        )
    };
    let strategy = is_func("suggest");
    let validator = is_func("parse");
    if !is_func("info") || strategy == validator {
        let exports: Vec<&str> = ty.exports(engine).map(|(n, _)| n).collect();
        return Err(PluginError::NotAPlugin {
            exports: if exports.is_empty() {
                "nothing".to_string()
            } else {
                exports.join(", ")
            },
        });
    }
    Ok(if strategy {
        PluginKind::FixStrategy
    } else {
        PluginKind::Validator
    })
}

/// A 0.x interface is compatible within its minor version (semver for 0.x): 0.2.0 and 0.2.3
/// link, 0.1.0 and 0.3.0 do not.
fn compatible(version: &str) -> bool {
    let ours = INTERFACE_VERSION.rsplit_once('.').map(|(mm, _)| mm);
    let theirs = version.split_once('.').and_then(|(major, rest)| {
        let minor = rest.split('.').next()?;
        Some(format!("{major}.{minor}"))
    });
    match (ours, theirs) {
        (Some(ours), Some(theirs)) => ours == theirs,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::compatible;

    #[test]
    fn versions_within_the_minor_are_compatible() {
        assert!(compatible("0.2.0"));
        assert!(compatible("0.2.7"));
        assert!(!compatible("0.1.0"));
        assert!(!compatible("0.3.0"));
        assert!(!compatible("1.1.0"));
        assert!(!compatible("garbage"));
    }
}
