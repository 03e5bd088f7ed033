//! `javascript.missing-require`: an undefined name that is a Node builtin module (`fs`, `path`,
//! `assert`…): `const fs = require('fs');` at the top of the file.
//!
//! Why it is safe: the name is exactly the module's name and nothing else defines it.
//!
//! Example:
//!
//! ```text
//! fs.readFileSync(p)
//! ```
//!
//! becomes
//!
//! ```text
//! const fs = require('fs');
//! fs.readFileSync(p)
//! ```

use super::*;

/// A Node built-in module's name used unrequired: `require` it.
const REQUIRE_BUILTIN: f64 = 0.6;
/// A name a Node module exports: destructured from its `require`.
const REQUIRE_FROM: f64 = 0.55;

/// Where a new `require` goes: after a `'use strict'` line and existing top-level requires.
pub(crate) fn require_offset(src: &str) -> usize {
    let mut offset = 0;
    let mut pos = 0;
    for line in src.split_inclusive('\n') {
        let l = line.trim();
        let is_head = l.starts_with("'use strict'")
            || l.starts_with("\"use strict\"")
            || l.starts_with("#!")
            || (matches!(
                l.split_whitespace().next(),
                Some("const" | "let" | "var" | "import")
            ) && l.contains("require("))
            || l.starts_with("import ");
        pos += line.len();
        if is_head {
            offset = pos;
        } else if !l.is_empty() && !l.starts_with("//") {
            break;
        }
    }
    offset
}

/// The `javascript.missing-require` rule.
pub(crate) struct MissingRequire;

impl Rule for MissingRequire {
    const META: RuleMeta = RuleMeta::new("javascript.missing-require", FixApplicability::Likely)
        .language(TargetLanguage::JavaScript);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((name, t)) = not_defined_target(error, program) else {
            return Vec::new();
        };
        let mut fixes = Fixes::new(Self::META.id);
        let module = match name.as_str() {
            "EventEmitter" => Some(("events", "{ EventEmitter }")),
            "promisify" | "inspect" | "format" => Some(("util", "")),
            "readFileSync" | "writeFileSync" | "existsSync" => Some(("fs", "")),
            "execSync" | "spawnSync" => Some(("child_process", "")),
            _ => None,
        };
        let at = require_offset(t.text);
        if tables().builtins.contains(name.as_str()) {
            fixes.push(
                REQUIRE_BUILTIN,
                format!("require the Node module `{name}`"),
                vec![edit(
                    t.file,
                    at,
                    at,
                    format!("const {name} = require('{name}');\n"),
                )],
            );
        } else if let Some((module, binding)) = module {
            let binding = if binding.is_empty() {
                format!("{{ {name} }}")
            } else {
                binding.to_string()
            };
            fixes.push(
                REQUIRE_FROM,
                format!("require `{name}` from `{module}`"),
                vec![edit(
                    t.file,
                    at,
                    at,
                    format!("const {binding} = require('{module}');\n"),
                )],
            );
        }
        fixes.done()
    }
}
