//! The template generator: renders a spec's `[implementation]` through minijinja templates,
//! one set per language (`templates/<language>/*.j2`, embedded; a `--templates DIR` with a
//! `<language>/` directory replaces the set of that language).
//!
//! Templates cannot invent logic: the function bodies come from the spec. What they own is
//! the program's shape (header, exports, test hooks) and the learned [`Prelude`]: header
//! lines the heal loop kept adding to their output.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use minijinja::Environment;
use serde::Serialize;

use crate::generate::prelude::{go_package_name, Prelude};
use crate::generate::spec::{test_file_name, Spec};
use crate::generate::{GenerateError, GenerateFuture, GenerationHistory, Generator};
use crate::heal::HealReport;
use crate::program::Program;
use crate::types::{CodeError, TargetLanguage};

/// The built-in templates: (language, file name, text).
const BUILTIN: &[(TargetLanguage, &str, &str)] = &[
    (
        TargetLanguage::Rust,
        "lib.rs.j2",
        include_str!("../../templates/rust/lib.rs.j2"),
    ),
    (
        TargetLanguage::Python,
        "main.py.j2",
        include_str!("../../templates/python/main.py.j2"),
    ),
    (
        TargetLanguage::JavaScript,
        "main.js.j2",
        include_str!("../../templates/javascript/main.js.j2"),
    ),
    (
        TargetLanguage::Go,
        "main.go.j2",
        include_str!("../../templates/go/main.go.j2"),
    ),
];

/// The templates of every language: file name (`main.py.j2`) → text.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    sets: BTreeMap<TargetLanguage, BTreeMap<String, String>>,
    /// Where each language's set came from (`built-in` or a directory).
    origins: BTreeMap<TargetLanguage, String>,
}

impl TemplateSet {
    pub fn builtin() -> TemplateSet {
        let mut sets: BTreeMap<TargetLanguage, BTreeMap<String, String>> = BTreeMap::new();
        let mut origins = BTreeMap::new();
        for (language, name, text) in BUILTIN {
            sets.entry(*language)
                .or_default()
                .insert(name.to_string(), text.to_string());
            origins.insert(*language, "built-in".to_string());
        }
        TemplateSet { sets, origins }
    }

    /// The built-in set with every `DIR/<language>/` that has `*.j2` files in its place.
    pub fn with_overrides(dir: &Path) -> Result<TemplateSet, GenerateError> {
        if !dir.is_dir() {
            return Err(GenerateError::Other(format!(
                "{}: no such template directory; give a directory holding <language>/*.j2",
                dir.display()
            )));
        }
        let mut set = TemplateSet::builtin();
        let mut found = false;
        for language in TargetLanguage::ALL {
            let sub = dir.join(language.name());
            if !sub.is_dir() {
                continue;
            }
            let mut files = BTreeMap::new();
            let entries = std::fs::read_dir(&sub).map_err(|e| {
                GenerateError::Other(format!("{}: cannot read: {e}", sub.display()))
            })?;
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !name.ends_with(".j2") || !entry.path().is_file() {
                    continue;
                }
                let text = std::fs::read_to_string(entry.path()).map_err(|e| {
                    GenerateError::Other(format!("{}: cannot read: {e}", entry.path().display()))
                })?;
                files.insert(name, text);
            }
            if files.is_empty() {
                return Err(GenerateError::Other(format!(
                    "{}: no *.j2 templates; add e.g. {} or remove the directory",
                    sub.display(),
                    default_template(language)
                )));
            }
            set.sets.insert(language, files);
            set.origins.insert(language, sub.display().to_string());
            found = true;
        }
        if !found {
            return Err(GenerateError::Other(format!(
                "{}: no language directory (rust/, python/, javascript/, go/) inside",
                dir.display()
            )));
        }
        Ok(set)
    }

    /// Where `language`'s templates come from.
    pub fn origin(&self, language: TargetLanguage) -> &str {
        self.origins
            .get(&language)
            .map_or("built-in", String::as_str)
    }

    /// `language`'s templates: file name → text.
    pub fn templates(&self, language: TargetLanguage) -> Option<&BTreeMap<String, String>> {
        self.sets.get(&language)
    }
}

fn default_template(language: TargetLanguage) -> String {
    format!("{}.j2", crate::generate::spec::source_file(language))
}

/// What a template sees.
#[derive(Serialize)]
struct Context<'a> {
    spec: SpecView<'a>,
    description_lines: Vec<&'a str>,
    /// Learned lines not already among `imports` (for Go: merged into `imports`).
    prelude: Vec<String>,
    imports: Vec<String>,
    code: &'a str,
    functions: Vec<FunctionView<'a>>,
    source_file: &'static str,
    test_file: &'static str,
}

#[derive(Serialize)]
struct SpecView<'a> {
    name: &'a str,
    language: &'static str,
    kind: &'a str,
    description: &'a str,
}

#[derive(Serialize)]
struct FunctionView<'a> {
    name: &'a str,
    signature: &'a str,
    body: &'a str,
    params: Vec<&'a str>,
    returns: Option<&'a str>,
}

/// Renders specs through templates, with the learned prelude.
pub struct TemplateGenerator {
    templates: TemplateSet,
    prelude: Arc<Prelude>,
}

impl TemplateGenerator {
    pub fn new(templates: TemplateSet, prelude: Arc<Prelude>) -> TemplateGenerator {
        TemplateGenerator { templates, prelude }
    }

    /// Built-in templates, a prelude kept in memory.
    pub fn builtin() -> TemplateGenerator {
        TemplateGenerator::new(TemplateSet::builtin(), Arc::new(Prelude::in_memory()))
    }

    /// Built-in templates overridden by `dir` when given, with the prelude of `data_dir`.
    pub fn open(
        templates: Option<&Path>,
        data_dir: Option<&Path>,
    ) -> Result<TemplateGenerator, GenerateError> {
        let set = match templates {
            Some(dir) => TemplateSet::with_overrides(dir)?,
            None => TemplateSet::builtin(),
        };
        let prelude = match data_dir {
            Some(dir) => Prelude::open(dir),
            None => Prelude::in_memory(),
        };
        Ok(TemplateGenerator::new(set, Arc::new(prelude)))
    }

    pub fn prelude(&self) -> &Arc<Prelude> {
        &self.prelude
    }

    pub fn templates(&self) -> &TemplateSet {
        &self.templates
    }

    /// The program for `spec`: the rendered templates plus the spec's tests (protected).
    pub fn render(&self, spec: &Spec) -> Result<Program, GenerateError> {
        let language = spec.language;
        let Some(implementation) = &spec.implementation else {
            return Err(GenerateError::Other(format!(
                "{}: the spec has no [implementation], and templates cannot write code; add [implementation.bodies] or use --generator openai",
                spec.origin()
            )));
        };
        let templates = self
            .templates
            .templates(language)
            .ok_or_else(|| GenerateError::Other(format!("no templates for {language}")))?;
        let source_file = spec.source_file();
        if !templates.contains_key(&format!("{source_file}.j2")) {
            return Err(GenerateError::Other(format!(
                "{}: no {source_file}.j2; the {language} template set must render {source_file}",
                self.templates.origin(language)
            )));
        }

        let functions: Vec<FunctionView<'_>> = spec
            .functions()
            .iter()
            .map(|f| FunctionView {
                name: &f.name,
                signature: &f.text,
                body: implementation
                    .bodies
                    .get(&f.name)
                    .map_or("", String::as_str),
                params: f.params.iter().map(|p| p.name.as_str()).collect(),
                returns: f.returns.as_deref(),
            })
            .collect();

        let mut imports: Vec<String> = implementation
            .imports
            .iter()
            .map(|l| normalize_import(language, l))
            .collect();
        let learned = self.prelude.lines(language);
        let mut prelude = Vec::new();
        if language == TargetLanguage::Go {
            // Go refuses unused imports: a learned one goes in only where its package is used.
            let used_text: String = std::iter::once(implementation.code.as_str())
                .chain(implementation.bodies.values().map(String::as_str))
                .collect::<Vec<_>>()
                .join("\n");
            for line in learned {
                let used =
                    go_package_name(&line).is_some_and(|pkg| uses_qualifier(&used_text, pkg));
                if used && !imports.contains(&line) {
                    imports.push(line);
                }
            }
        } else {
            prelude = learned
                .into_iter()
                .filter(|l| !imports.iter().any(|i| i.trim() == l.trim()))
                .collect();
        }

        let context = Context {
            spec: SpecView {
                name: &spec.name,
                language: language.name(),
                kind: &spec.kind,
                description: &spec.description,
            },
            description_lines: spec.description.lines().map(str::trim_end).collect(),
            prelude,
            imports,
            code: implementation.code.trim_matches('\n'),
            functions,
            source_file,
            test_file: test_file_name(language),
        };

        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        env.add_filter("block", block_filter);
        for (name, text) in templates {
            env.add_template_owned(name.clone(), text.clone())
                .map_err(|e| template_error(&self.templates, language, e))?;
        }
        let tests = spec.test_program_files();
        let mut files: Vec<(String, String)> = Vec::new();
        for name in templates.keys() {
            let out_name = name.trim_end_matches(".j2").to_string();
            if tests.iter().any(|(p, _)| *p == out_name) {
                return Err(GenerateError::Other(format!(
                    "{}/{name}: renders {out_name}, which is the spec's test file; rename the template",
                    self.templates.origin(language)
                )));
            }
            let template = env
                .get_template(name)
                .map_err(|e| template_error(&self.templates, language, e))?;
            let mut text = template
                .render(&context)
                .map_err(|e| template_error(&self.templates, language, e))?;
            while text.ends_with("\n\n") {
                text.pop();
            }
            if !text.ends_with('\n') {
                text.push('\n');
            }
            if out_name == source_file {
                // Attributes learned for items in the spec's own code go where the item is.
                text = self.prelude.apply_anchored(language, &text);
            }
            files.push((out_name, text));
        }
        let protected: Vec<String> = tests.iter().map(|(p, _)| p.clone()).collect();
        files.extend(tests);
        Program::new(language, files)
            .and_then(|p| p.with_protected(protected))
            .and_then(|p| spec.with_contract(p))
            .map_err(|e| GenerateError::Other(format!("the rendered program is invalid: {e}")))
    }
}

impl Generator for TemplateGenerator {
    fn name(&self) -> String {
        "template".into()
    }

    fn generate<'a>(&'a self, spec: &'a Spec) -> GenerateFuture<'a, Program> {
        Box::pin(async move { self.render(spec) })
    }

    /// Renders again: what can change is the prelude, learned from the heal just done. The
    /// driver stops when the result is a program it has seen.
    fn regenerate<'a>(
        &'a self,
        spec: &'a Spec,
        _program: &'a Program,
        _errors: &'a [CodeError],
        _history: &'a GenerationHistory,
    ) -> GenerateFuture<'a, Program> {
        Box::pin(async move { self.render(spec) })
    }

    fn observe(&self, spec: &Spec, generated: &Program, heal: &HealReport) {
        if let Err(e) = self.prelude.observe(generated, spec.source_file(), heal) {
            tracing::warn!("cannot save the learned prelude: {e}");
        }
    }
}

/// Go import specs as `"path"` (or `alias "path"`) whatever way the spec wrote them.
fn normalize_import(language: TargetLanguage, line: &str) -> String {
    let t = line.trim();
    if language != TargetLanguage::Go {
        return t.to_string();
    }
    let t = t.strip_prefix("import ").unwrap_or(t).trim();
    if t.contains('"') {
        t.to_string()
    } else {
        format!("\"{t}\"")
    }
}

/// `pkg.` appears in `text` as a qualifier (not as the tail of another identifier).
fn uses_qualifier(text: &str, pkg: &str) -> bool {
    let needle = format!("{pkg}.");
    text.match_indices(&needle).any(|(i, _)| {
        !text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    })
}

/// `{{ body | block("    ") }}`: the body dedented, then every non-empty line indented.
fn block_filter(body: String, indent: String) -> String {
    let lines: Vec<&str> = body.trim_matches('\n').lines().collect();
    let common = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                String::new()
            } else {
                format!("{indent}{}", &l[common.min(l.len())..])
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn template_error(
    set: &TemplateSet,
    language: TargetLanguage,
    e: minijinja::Error,
) -> GenerateError {
    let at = match (e.name(), e.line()) {
        (Some(name), Some(line)) => format!("{}/{name}:{line}: ", set.origin(language)),
        (Some(name), None) => format!("{}/{name}: ", set.origin(language)),
        _ => String::new(),
    };
    GenerateError::Other(format!(
        "{at}template error: {}",
        e.detail().unwrap_or(&e.to_string())
    ))
}
