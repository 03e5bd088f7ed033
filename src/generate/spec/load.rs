//! Reading a spec: TOML to a checked `Spec` (languages, signatures, examples, test files,
//! the `[telemetry]` section), and the program it describes.

use super::*;

impl Spec {
    /// Reads and validates a spec file.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SpecError {
            file: origin.clone(),
            message: format!("cannot read the spec: {e}"),
        })?;
        Spec::parse_with_base(&text, &origin, path.parent())
    }

    /// Parses and validates spec text; `origin` names it in errors. A `test_file.source`
    /// cannot be read without a directory: use [`Spec::load`] for those.
    pub fn parse(text: &str, origin: &str) -> Result<Spec, SpecError> {
        Spec::parse_with_base(text, origin, None)
    }

    fn parse_with_base(text: &str, origin: &str, base: Option<&Path>) -> Result<Spec, SpecError> {
        let err = |message: String| SpecError {
            file: origin.to_string(),
            message,
        };
        let raw: RawSpec = toml::from_str(text).map_err(|e| err(toml_message(&e, text)))?;

        let name = raw
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| err("missing `name`; add e.g. `name = \"word_count\"`".into()))?;
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            || !name.starts_with(|c: char| c.is_ascii_alphabetic())
        {
            return Err(err(format!(
                "`name = {name:?}` must start with a letter and hold only letters, digits, `_` and `-`"
            )));
        }
        let language = match raw.language.as_deref() {
            None => {
                return Err(err(
                    "missing `language`; add one of `rust`, `python`, `javascript`, `go`".into(),
                ))
            }
            Some(l) => parse_language(l).ok_or_else(|| {
                err(format!(
                    "unknown `language = {l:?}`; use one of `rust`, `python`, `javascript`, `go`"
                ))
            })?,
        };
        let description = raw.description.unwrap_or_default().trim().to_string();
        if description.is_empty() {
            return Err(err(
                "missing `description`; say in prose what the program does".into(),
            ));
        }
        let kind = raw.kind.unwrap_or_else(|| "function".into());
        if kind.trim().is_empty() || kind.contains(char::is_whitespace) {
            return Err(err(format!(
                "`kind = {kind:?}` must be one word, e.g. `function`"
            )));
        }

        let mut functions = Vec::new();
        for (i, text) in raw.signatures.iter().enumerate() {
            let sig = parse_signature(language, text).map_err(|why| {
                err(format!(
                    "signatures[{i}] `{text}` is not a {language} function signature: {why}"
                ))
            })?;
            if functions.iter().any(|f: &FunctionSig| f.name == sig.name) {
                return Err(err(format!(
                    "signatures[{i}]: function `{}` is declared twice; keep one",
                    sig.name
                )));
            }
            functions.push(sig);
        }

        let mut examples = Vec::new();
        for (i, ex) in raw.examples.into_iter().enumerate() {
            let n = i + 1;
            let expected = ex.expected.ok_or_else(|| {
                err(format!(
                    "example {n} has no `expected`; add the value the call returns"
                ))
            })?;
            let call = match (ex.call, functions.as_slice()) {
                (Some(call), _) => call,
                (None, [only]) => only.name.clone(),
                (None, []) => {
                    return Err(err(format!(
                        "example {n} needs a function to call: add `signatures = [...]` to the spec"
                    )))
                }
                (None, _) => {
                    return Err(err(format!(
                        "example {n} has no `call` and the spec has {} functions; add `call = \"NAME\"`",
                        functions.len()
                    )))
                }
            };
            let Some(sig) = functions.iter().find(|f| f.name == call) else {
                return Err(err(format!(
                    "example {n} calls `{call}`, which no signature declares; add its signature or fix the name"
                )));
            };
            let (min, max) = sig.arity();
            let got = ex.args.len();
            if got < min || max.is_some_and(|max| got > max) {
                let want = match max {
                    Some(max) if max == min => format!("{min}"),
                    Some(max) => format!("{min} to {max}"),
                    None => format!("at least {min}"),
                };
                return Err(err(format!(
                    "example {n} gives {got} argument{} but `{}` takes {want}; fix `args` or the signature",
                    if got == 1 { "" } else { "s" },
                    sig.text
                )));
            }
            let example = Example {
                call,
                args: ex.args,
                expected,
            };
            // Render now so an unrepresentable value is reported here, not in a template.
            render_example_call(language, sig, &example)
                .map_err(|why| err(format!("example {n}: {why}")))?;
            examples.push(example);
        }

        let test_file = match raw.test_file {
            None => None,
            Some(t) => Some(resolve_test_file(language, t, base).map_err(err)?),
        };
        if examples.is_empty() && test_file.is_none() {
            return Err(err(
                "the spec has no `[[examples]]` and no `[test_file]`, so nothing could show the program works; add at least one example".into(),
            ));
        }

        if let Some(imp) = &raw.implementation {
            for f in &functions {
                if !imp.bodies.contains_key(&f.name) {
                    return Err(err(format!(
                        "[implementation.bodies] has no body for `{}`; add `{} = \"...\"`",
                        f.name, f.name
                    )));
                }
            }
            if let Some(extra) = imp
                .bodies
                .keys()
                .find(|b| !functions.iter().any(|f| &&f.name == b))
            {
                return Err(err(format!(
                    "[implementation.bodies] has a body for `{extra}`, which no signature declares; add its signature or remove the body"
                )));
            }
            for line in &imp.imports {
                if let Some(dep) = third_party_import(language, line) {
                    if !raw
                        .constraints
                        .allowed_dependencies
                        .iter()
                        .any(|a| a == &dep)
                    {
                        return Err(err(format!(
                            "[implementation] imports `{dep}` (`{}`), which is not allowed; add it to `[constraints] allowed_dependencies` or use the standard library",
                            line.trim()
                        )));
                    }
                }
            }
        }

        let telemetry = crate::compliance::Contract::from_spec(origin, text, |path| match base {
            Some(base) => crate::compliance::registry_files_on_disk(base, path),
            None => Err(
                "a registry is read relative to the spec's directory: load the spec \
                         from a file"
                    .into(),
            ),
        })
        .map_err(|e| match e {
            crate::compliance::ComplianceError::Contract { line, message, .. } => {
                err(format!("line {line}: [telemetry]: {message}"))
            }
            other => err(format!("[telemetry]: {other}")),
        })?
        .map(Box::new);

        Ok(Spec {
            name,
            language,
            description,
            kind,
            signatures: functions.iter().map(|f| f.text.clone()).collect(),
            examples,
            test_file,
            constraints: raw.constraints,
            implementation: raw.implementation,
            telemetry,
            functions,
            origin: origin.to_string(),
        })
    }

    /// The parsed signatures, in the spec's order.
    pub fn functions(&self) -> &[FunctionSig] {
        &self.functions
    }

    /// Where the spec came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The file the implementation goes into.
    pub fn source_file(&self) -> &'static str {
        source_file(self.language)
    }

    /// The examples as `call → expected` lines in the target language, for prompts.
    pub fn examples_text(&self) -> String {
        let mut out = String::new();
        for ex in &self.examples {
            let Some(sig) = self.functions.iter().find(|f| f.name == ex.call) else {
                continue;
            };
            if let Ok((call, expected)) = render_example_call(self.language, sig, ex) {
                out.push_str(&format!("{call} → {expected}\n"));
            }
        }
        out
    }

    /// The test files the spec implies (examples rendered as tests, plus the test file), as
    /// (path, contents); the program marks them protected.
    pub fn test_program_files(&self) -> Vec<(String, String)> {
        let mut files = Vec::new();
        let examples = if self.examples.is_empty() {
            None
        } else {
            Some(render_tests(self))
        };
        match (self.language, examples, &self.test_file) {
            // Rust's tests are one module (`tests.rs`): the hand-written tests join it.
            (TargetLanguage::Rust, ex, Some(t)) => {
                let mut text = ex.unwrap_or_else(|| "use super::*;\n".to_string());
                text.push('\n');
                text.push_str(&t.contents);
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                files.push((t.path.clone(), text));
            }
            (_, ex, t) => {
                if let Some(ex) = ex {
                    files.push((test_file_name(self.language).to_string(), ex));
                }
                if let Some(t) = t {
                    files.push((t.path.clone(), t.contents.clone()));
                }
            }
        }
        files
    }

    /// Imports in `program`'s own (unprotected) source files of third-party packages the
    /// constraints do not allow, one error each, located at the import.
    pub fn dependency_violations(&self, program: &Program) -> Vec<CodeError> {
        let mut errors = Vec::new();
        for (path, text) in program.files() {
            let ext = path.rsplit('.').next().unwrap_or("");
            if program.protected().contains(path)
                || TargetLanguage::from_extension(ext) != Some(self.language)
            {
                continue;
            }
            for (i, line) in import_lines(self.language, text) {
                let Some(dep) = third_party_import(self.language, line) else {
                    continue;
                };
                if self.constraints.allowed_dependencies.contains(&dep) {
                    continue;
                }
                let allowed = if self.constraints.allowed_dependencies.is_empty() {
                    "none besides the standard library".to_string()
                } else {
                    self.constraints.allowed_dependencies.join(", ")
                };
                let mut e = CodeError::new(
                    ErrorType::CompilerError("constraint".into()),
                    format!(
                        "`{dep}` is not an allowed dependency (allowed: {allowed}); use the standard library instead"
                    ),
                )
                .with_code("disallowed-dependency")
                .with_location(Location::new(path.clone(), i as u32 + 1, 1));
                e.step = "constraints".into();
                errors.push(e);
            }
        }
        errors
    }

    /// A program from the implementation's source text and the spec's tests (protected).
    /// Adds what the tests need when the source lacks it: Rust's `mod tests;`, JavaScript's
    /// `module.exports`, Go's `func main`.
    pub fn assemble(&self, source: &str) -> Result<Program, GenerateError> {
        let mut source = source.to_string();
        if !source.ends_with('\n') {
            source.push('\n');
        }
        match self.language {
            TargetLanguage::Rust => {
                if !source.contains("mod tests") {
                    source.push_str("\n#[cfg(test)]\nmod tests;\n");
                }
            }
            TargetLanguage::JavaScript => {
                if !source.contains("module.exports") && !self.functions.is_empty() {
                    let names: Vec<&str> = self.functions.iter().map(|f| f.name.as_str()).collect();
                    source.push_str(&format!("\nmodule.exports = {{ {} }};\n", names.join(", ")));
                }
            }
            TargetLanguage::Go => {
                if source.contains("package main") && !source.contains("func main(") {
                    source.push_str("\nfunc main() {}\n");
                }
            }
            TargetLanguage::Python => {}
        }
        let tests = self.test_program_files();
        let protected: Vec<String> = tests.iter().map(|(p, _)| p.clone()).collect();
        let mut files = vec![(self.source_file().to_string(), source)];
        files.extend(tests);
        Program::new(self.language, files)
            .and_then(|p| p.with_protected(protected))
            .and_then(|p| self.with_contract(p))
            .map_err(|e| GenerateError::Other(format!("cannot assemble the program: {e}")))
    }

    /// `program` with the spec's telemetry contract beside it, if it has one.
    pub fn with_contract(&self, program: Program) -> Result<Program, crate::program::ProgramError> {
        match &self.telemetry {
            Some(contract) => crate::compliance::with_contract(program, contract),
            None => Ok(program),
        }
    }
}

/// The file a language's implementation goes into.
pub fn source_file(language: TargetLanguage) -> &'static str {
    match language {
        TargetLanguage::Rust => "lib.rs",
        TargetLanguage::Python => "main.py",
        TargetLanguage::JavaScript => "main.js",
        TargetLanguage::Go => "main.go",
    }
}

/// The file the examples' tests go into (each matches the toolchain's test globs).
pub fn test_file_name(language: TargetLanguage) -> &'static str {
    match language {
        TargetLanguage::Rust => "tests.rs",
        TargetLanguage::Python => "test_main.py",
        TargetLanguage::JavaScript => "main.test.js",
        TargetLanguage::Go => "main_test.go",
    }
}

pub(super) fn parse_language(s: &str) -> Option<TargetLanguage> {
    match s.trim().to_ascii_lowercase().as_str() {
        "rust" | "rs" => Some(TargetLanguage::Rust),
        "python" | "py" => Some(TargetLanguage::Python),
        "javascript" | "js" | "node" => Some(TargetLanguage::JavaScript),
        "go" | "golang" => Some(TargetLanguage::Go),
        _ => None,
    }
}

/// toml's message, with the fix for the usual mistake spelled out.
pub(super) fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let msg = e.message().trim().to_string();
    let at = e
        .span()
        .map(|s| {
            let before = text.get(..s.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            format!("line {line}: ")
        })
        .unwrap_or_default();
    if msg.starts_with("unknown field") {
        format!("{at}{msg}; remove it or fix its spelling")
    } else {
        format!("{at}{msg}")
    }
}

pub(super) fn resolve_test_file(
    language: TargetLanguage,
    raw: RawTestFile,
    base: Option<&Path>,
) -> Result<TestFile, String> {
    let contents = match (raw.contents, raw.source) {
        (Some(_), Some(_)) => {
            return Err("[test_file] has both `contents` and `source`; keep one".into())
        }
        (Some(c), None) => c,
        (None, Some(src)) => {
            let Some(base) = base else {
                return Err(format!(
                    "[test_file] source = {src:?} needs the spec's directory; load the spec from a file"
                ));
            };
            let path = base.join(&src);
            std::fs::read_to_string(&path)
                .map_err(|e| format!("[test_file] cannot read source {}: {e}", path.display()))?
        }
        (None, None) => {
            return Err(
                "[test_file] needs `contents = \"\"\"...\"\"\"` or `source = \"FILE\"`".into(),
            )
        }
    };
    if contents.trim().is_empty() {
        return Err("[test_file] is empty; give it tests or remove it".into());
    }
    let default = match language {
        TargetLanguage::Rust => "tests.rs",
        TargetLanguage::Python => "test_spec.py",
        TargetLanguage::JavaScript => "spec.test.js",
        TargetLanguage::Go => "spec_test.go",
    };
    let path = raw.path.unwrap_or_else(|| default.to_string());
    let ok = match language {
        TargetLanguage::Rust => path == "tests.rs",
        TargetLanguage::Python => {
            let file = path.rsplit('/').next().unwrap_or(&path);
            file.ends_with(".py") && (file.starts_with("test_") || file.ends_with("_test.py"))
        }
        TargetLanguage::JavaScript => path.ends_with(".test.js") || path.ends_with(".spec.js"),
        TargetLanguage::Go => !path.contains('/') && path.ends_with("_test.go"),
    };
    if !ok {
        let want = match language {
            TargetLanguage::Rust => "`tests.rs` (its tests join the example tests' module)",
            TargetLanguage::Python => "`test_*.py` or `*_test.py`",
            TargetLanguage::JavaScript => "`*.test.js` or `*.spec.js`",
            TargetLanguage::Go => "`*_test.go` in the top directory",
        };
        return Err(format!(
            "[test_file] path = {path:?} is not a {language} test file; name it {want}"
        ));
    }
    if language != TargetLanguage::Rust
        && (path == test_file_name(language) || path == source_file(language))
    {
        return Err(format!(
            "[test_file] path = {path:?} is a file selfheal generates; choose another name"
        ));
    }
    Ok(TestFile { path, contents })
}
