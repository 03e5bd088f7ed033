//! Toolchain files: validation of the raw (serde) form (see `raw`) into a [`Definition`], with
//! the file, line and field of every problem (the schema is documented in `file`).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::str::FromStr;
use std::time::Duration;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use toml::Spanned;

use super::file::*;
use super::format::FormatterDef;
use super::raw::{RawCommand, RawFile, RawFormat, RawLimits, RawSize};
use super::template::{Template, Var};
use super::{StepKind, ToolchainError};
use crate::diagnostics::PARSERS;
use crate::program::check_relative_path;
use crate::sandbox::Limits;
use crate::types::TargetLanguage;

// ---------------------------------------------------------------------------------------------
// Validation.

pub(super) struct Ctx<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, field: &str, message: impl AsRef<str>) -> ToolchainError {
        ToolchainError::Invalid {
            file: self.file.to_string(),
            message: format!(
                "line {}, `{field}`: {}",
                line_of(self.text, span.start),
                message.as_ref()
            ),
        }
    }

    /// The value of the optional `field`, one of two (name, value) choices; another name is
    /// an error naming both.
    fn choice<T>(
        &self,
        value: Option<&Spanned<String>>,
        field: &str,
        [(first, a), (second, b)]: [(&str, T); 2],
    ) -> Result<Option<T>, ToolchainError> {
        let Some(value) = value else {
            return Ok(None);
        };
        match value.get_ref().as_str() {
            name if name == first => Ok(Some(a)),
            name if name == second => Ok(Some(b)),
            other => Err(self.err(
                value.span(),
                field,
                format!("`{other}`: expected \"{first}\" or \"{second}\""),
            )),
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// toml's own message names the line and column; we add the key written on that line.
pub(super) fn describe_parse_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    let Some(span) = e.span() else {
        return message.to_string();
    };
    let line = line_of(text, span.start);
    let line_start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let column = span.start.saturating_sub(line_start) + 1;
    let line_text = text[line_start..].lines().next().unwrap_or("");
    let field = line_text
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('['))
        .map(|k| format!(", field `{k}`"))
        .unwrap_or_default();
    format!("line {line}, column {column}{field}: {message}")
}

/// Which template names a context may use.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Command argv: everything (subject to the command's own rules).
    Argv,
    /// `[env]` values: binaries, probes, `{support}`, `{work}`.
    Env,
    /// Mount paths and warm-cache commands (run on the host): binaries and probes.
    Host,
}

struct Checker<'a> {
    ctx: &'a Ctx<'a>,
    binaries: &'a BTreeMap<String, BTreeSet<String>>,
}

impl Checker<'_> {
    fn template(
        &self,
        raw: &Spanned<String>,
        field: &str,
        place: Place,
    ) -> Result<Template, ToolchainError> {
        let span = raw.span();
        let template =
            Template::parse(raw.get_ref()).map_err(|m| self.ctx.err(span.clone(), field, m))?;
        for var in template.vars() {
            let allowed = match var {
                Var::Bin(name) => {
                    if !self.binaries.contains_key(name) {
                        return Err(self.ctx.err(
                            span,
                            field,
                            format!("{var}: no binary `{name}` in [binaries]"),
                        ));
                    }
                    true
                }
                Var::Probe(bin, probe) => {
                    let Some(probes) = self.binaries.get(bin) else {
                        return Err(self.ctx.err(
                            span,
                            field,
                            format!("{var}: no binary `{bin}` in [binaries]"),
                        ));
                    };
                    if !probes.contains(probe) && !BUILTIN_PROBES.contains(&probe.as_str()) {
                        return Err(self.ctx.err(
                            span,
                            field,
                            format!(
                                "{var}: binary `{bin}` has no probe `{probe}`; add it to \
                                 [binaries.{bin}] probes (built in: dir, path)"
                            ),
                        ));
                    }
                    true
                }
                Var::Support | Var::Work => place != Place::Host,
                _ => place == Place::Argv,
            };
            if !allowed {
                let what = match place {
                    Place::Env => "an environment value",
                    Place::Host => "a host path or host command",
                    Place::Argv => "a command",
                };
                return Err(self
                    .ctx
                    .err(span, field, format!("{var} cannot be used in {what}")));
            }
        }
        Ok(template)
    }
}

pub(super) fn compile(
    ctx: &Ctx<'_>,
    raw: RawFile,
) -> Result<(TargetLanguage, Definition), ToolchainError> {
    let language = TargetLanguage::from_str(raw.language.get_ref())
        .map_err(|e| ctx.err(raw.language.span(), "language", e.to_string()))?;

    // Binaries first: every template refers to them.
    let binaries_span = raw.binaries.span();
    let raw_binaries = raw.binaries.into_inner();
    if raw_binaries.is_empty() {
        return Err(ctx.err(binaries_span, "binaries", "declare at least one binary"));
    }
    let mut binaries = Vec::new();
    let mut probe_names = BTreeMap::new();
    for (name, spanned) in raw_binaries {
        let span = spanned.span();
        let b = spanned.into_inner();
        let field = format!("binaries.{name}");
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ctx.err(
                span,
                &field,
                "binary names use letters, digits, `_` and `-`",
            ));
        }
        if b.candidates.is_empty() {
            return Err(ctx.err(
                span,
                &format!("{field}.candidates"),
                "list at least one name",
            ));
        }
        for c in &b.candidates {
            if c.is_empty() || (c.contains('/') && !c.starts_with('/')) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.candidates"),
                    format!("`{c}`: give a bare name (searched in PATH) or an absolute path"),
                ));
            }
        }
        if b.version.is_empty() {
            return Err(ctx.err(
                span,
                &format!("{field}.version"),
                "give the version probe's arguments",
            ));
        }
        if b.install.trim().is_empty() {
            return Err(ctx.err(span, &format!("{field}.install"), "say how to install it"));
        }
        for probe in b.probes.keys() {
            if BUILTIN_PROBES.contains(&probe.as_str()) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.probes.{probe}"),
                    "`dir` and `path` are built in; choose another name",
                ));
            }
            if b.probes.get(probe).is_some_and(Vec::is_empty) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.probes.{probe}"),
                    "give the probe's arguments",
                ));
            }
        }
        let resolve = match b.resolve {
            None => None,
            Some(r) => {
                let path = r.path.unwrap_or_else(|| "{output}".to_string());
                let rest = path.replace("{output}", "");
                if rest.contains(['{', '}']) {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.resolve.path"),
                        format!("`{path}`: only `{{output}}` may be used here"),
                    ));
                }
                if r.args.is_empty() {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.resolve.args"),
                        "give the probe's arguments",
                    ));
                }
                Some(ResolveDef { args: r.args, path })
            }
        };
        probe_names.insert(
            name.clone(),
            b.probes.keys().cloned().collect::<BTreeSet<_>>(),
        );
        binaries.push(BinaryDef {
            name,
            candidates: b.candidates,
            resolve,
            version: b.version,
            probes: b.probes.into_iter().collect(),
            install: b.install,
        });
    }
    let checker = Checker {
        ctx,
        binaries: &probe_names,
    };

    // Files.
    let source_patterns: Vec<String> = raw
        .files
        .sources
        .iter()
        .map(|s| s.get_ref().clone())
        .collect();
    if raw.files.sources.is_empty() {
        return Err(ToolchainError::Invalid {
            file: ctx.file.to_string(),
            message: "`files.sources`: list at least one glob".into(),
        });
    }
    let sources = globs(ctx, &raw.files.sources, "files.sources")?;
    let tests = globs(ctx, &raw.files.tests, "files.tests")?;
    let mut roots = Vec::new();
    for (i, root) in raw.files.roots.into_iter().enumerate() {
        let span = root.span();
        let root = root.into_inner();
        check_relative_path(&root.path).map_err(|e| {
            ctx.err(
                span.clone(),
                &format!("files.roots[{i}].path"),
                e.to_string(),
            )
        })?;
        roots.push(RootDef {
            path: root.path,
            crate_type: root.crate_type,
            steps: root.steps,
        });
    }

    // Environment.
    let mut env = Vec::new();
    for (key, value) in &raw.env {
        if key.is_empty() || key.contains(['=', '\0']) {
            return Err(ctx.err(
                value.span(),
                &format!("env.{key}"),
                "not a valid variable name",
            ));
        }
        env.push((
            key.clone(),
            checker.template(value, &format!("env.{key}"), Place::Env)?,
        ));
    }

    // Mounts.
    let mount = |list: &[Spanned<String>], field: &str| -> Result<Vec<Template>, ToolchainError> {
        list.iter()
            .enumerate()
            .map(|(i, m)| {
                let field = format!("mounts.{field}[{i}]");
                let t = checker.template(m, &field, Place::Host)?;
                let absolute = match t.pieces.first() {
                    Some(super::template::Piece::Lit(s)) => s.starts_with('/'),
                    Some(super::template::Piece::Var(v)) => {
                        matches!(v, Var::Probe(..) | Var::Bin(_))
                    }
                    None => false,
                };
                if !absolute {
                    return Err(ctx.err(
                        m.span(),
                        &field,
                        format!("`{}` is not an absolute path", m.get_ref()),
                    ));
                }
                Ok(t)
            })
            .collect()
    };
    let required_mounts = mount(&raw.mounts.required, "required")?;
    let optional_mounts = mount(&raw.mounts.optional, "optional")?;

    // Limits and options.
    let limits = apply_limits(ctx, &raw.limits, Limits::default(), "limits")?;
    let default_edition = match &raw.options.edition {
        None => DEFAULT_EDITION.to_string(),
        Some(e) => {
            check_edition(e.get_ref()).map_err(|m| ctx.err(e.span(), "options.edition", m))?;
            e.get_ref().clone()
        }
    };

    // Dependency sets.
    let rust_crates = match raw.dependencies.rust_crates {
        None => None,
        Some(spanned) => {
            let span = spanned.span();
            let d = spanned.into_inner();
            let field = "dependencies.rust-crates";
            if !probe_names.contains_key(&d.binary) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.binary"),
                    format!("no binary `{}` in [binaries]", d.binary),
                ));
            }
            if d.crates.is_empty() {
                return Err(ctx.err(
                    span,
                    &format!("{field}.crates"),
                    "list the crates programs may use",
                ));
            }
            for c in &d.crates {
                if c.is_empty()
                    || !c
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
                {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.crates"),
                        format!("`{c}` is not a crate name"),
                    ));
                }
            }
            Some(RustCratesDef {
                binary: d.binary,
                crates: d.crates,
                manifest: d.manifest,
                lockfile: d.lockfile,
                install: d.install,
            })
        }
    };
    let warm_cache = match raw.dependencies.warm_cache {
        None => None,
        Some(spanned) => {
            let span = spanned.span();
            let d = spanned.into_inner();
            let field = "dependencies.warm-cache";
            if !d.target.starts_with('/') {
                return Err(ctx.err(
                    span,
                    &format!("{field}.target"),
                    "must be an absolute path inside the sandbox",
                ));
            }
            let env_value = raw.env.get(&d.variable).map(|v| v.get_ref().as_str());
            if env_value != Some(d.target.as_str()) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.variable"),
                    format!(
                        "[env] must set {} = \"{}\" so commands find the cache",
                        d.variable, d.target
                    ),
                ));
            }
            for name in d.files.keys() {
                check_relative_path(name)
                    .map_err(|e| ctx.err(span.clone(), &format!("{field}.files"), e.to_string()))?;
            }
            for p in &d.fingerprint_paths {
                if !p.starts_with('/') {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.fingerprint_paths"),
                        format!("`{p}` is not absolute"),
                    ));
                }
            }
            let mut commands = Vec::new();
            for (i, argv) in d.commands.iter().enumerate() {
                let cfield = format!("{field}.commands[{i}]");
                if argv.is_empty() {
                    return Err(ctx.err(span, &cfield, "empty command"));
                }
                let argv = argv
                    .iter()
                    .map(|a| checker.template(a, &cfield, Place::Host))
                    .collect::<Result<Vec<_>, _>>()?;
                if !matches!(
                    argv[0].pieces.as_slice(),
                    [super::template::Piece::Var(Var::Bin(_))]
                ) {
                    return Err(ctx.err(span, &cfield, "must start with {bin:NAME}"));
                }
                commands.push(argv);
            }
            Some(WarmCacheDef {
                variable: d.variable,
                target: d.target,
                files: d.files,
                commands,
                fingerprint_paths: d.fingerprint_paths,
                install: d.install,
            })
        }
    };

    let telemetry_sdk = match raw.dependencies.telemetry_sdk {
        None => None,
        Some(spanned) => {
            let span = spanned.span();
            let d = spanned.into_inner();
            let field = "dependencies.telemetry-sdk";
            let installer = match d.installer.as_str() {
                "pip" => TelemetryInstaller::Pip,
                "npm" => TelemetryInstaller::Npm,
                "system" => TelemetryInstaller::System,
                "rust-crates" => TelemetryInstaller::RustCrates,
                other => {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.installer"),
                        format!("unknown installer `{other}`: use pip, npm, system or rust-crates"),
                    ))
                }
            };
            if !probe_names.contains_key(&d.binary) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.binary"),
                    format!("no binary `{}` in [binaries]", d.binary),
                ));
            }
            if d.packages.is_empty() {
                return Err(ctx.err(
                    span,
                    &format!("{field}.packages"),
                    "list the SDK packages (exact versions)",
                ));
            }
            if installer == TelemetryInstaller::RustCrates {
                let listed = rust_crates.as_ref().map(|rc| &rc.crates);
                if let Some(p) = d
                    .packages
                    .iter()
                    .find(|p| !listed.is_some_and(|crates| crates.contains(p)))
                {
                    return Err(ctx.err(
                        span,
                        &format!("{field}.packages"),
                        format!("`{p}` is not a crate of [dependencies.rust-crates]"),
                    ));
                }
            }
            if let Some(p) = d.paths.iter().find(|p| !p.starts_with('/')) {
                return Err(ctx.err(
                    span,
                    &format!("{field}.paths"),
                    format!("`{p}` is not absolute"),
                ));
            }
            Some(TelemetrySdkDef {
                installer,
                binary: d.binary,
                packages: d.packages,
                paths: d.paths,
                install: d.install,
            })
        }
    };

    let mut def = Definition {
        install: raw.install,
        source_patterns,
        sources,
        tests,
        test_marker: raw.files.test_marker,
        roots,
        single_source_root: raw.files.single_source_root,
        single_source_crate_type: raw.files.single_source_crate_type,
        binaries,
        env,
        required_mounts,
        optional_mounts,
        default_edition,
        rust_crates,
        warm_cache,
        telemetry_sdk,
        formatters: Vec::new(),
        steps: BTreeMap::new(),
    };
    for (i, raw_format) in raw.format.into_iter().enumerate() {
        def.formatters
            .push(compile_formatter(&checker, &limits, i, raw_format)?);
    }

    // Steps.
    if raw.check.is_empty() {
        return Err(ToolchainError::Invalid {
            file: ctx.file.to_string(),
            message: "no [[check]] command; a toolchain must at least say how to check a program"
                .into(),
        });
    }
    for (kind, commands) in [
        (StepKind::Check, raw.check),
        (StepKind::Test, raw.test),
        (StepKind::Run, raw.run),
    ] {
        let mut out = Vec::new();
        for (i, command) in commands.into_iter().enumerate() {
            out.push(compile_command(&checker, &def, &limits, kind, i, command)?);
        }
        def.steps.insert(kind, out);
    }
    Ok((language, def))
}

/// One `[[format]]` entry: candidates are host paths or names searched on PATH; the
/// arguments follow the formatter's path and may use binaries, probes, `{file}`, `{edition}`
/// and `{work}` (the file's text arrives on stdin, the formatted text leaves on stdout).
fn compile_formatter(
    checker: &Checker<'_>,
    file_limits: &Limits,
    index: usize,
    spanned: Spanned<RawFormat>,
) -> Result<FormatterDef, ToolchainError> {
    let ctx = checker.ctx;
    let span = spanned.span();
    let f = spanned.into_inner();
    let field = format!("format[{index}]");
    if f.name.trim().is_empty() {
        return Err(ctx.err(span, &format!("{field}.name"), "name the formatter"));
    }
    if f.candidates.is_empty() {
        return Err(ctx.err(
            span,
            &format!("{field}.candidates"),
            "list at least one name or path",
        ));
    }
    let mut candidates = Vec::new();
    for c in &f.candidates {
        let cfield = format!("{field}.candidates");
        let template = checker.template(c, &cfield, Place::Host)?;
        let absolute = match template.pieces.first() {
            Some(super::template::Piece::Lit(s)) => {
                s.starts_with('/') || (template.pieces.len() == 1 && !s.contains('/'))
            }
            Some(super::template::Piece::Var(v)) => matches!(v, Var::Probe(..) | Var::Bin(_)),
            None => false,
        };
        if !absolute {
            return Err(ctx.err(
                c.span(),
                &cfield,
                format!(
                    "`{}`: give a bare name (searched in PATH) or an absolute path",
                    c.get_ref()
                ),
            ));
        }
        candidates.push(template);
    }
    if f.install.trim().is_empty() {
        return Err(ctx.err(span, &format!("{field}.install"), "say how to install it"));
    }
    let mut args = Vec::new();
    for a in &f.args {
        let afield = format!("{field}.args");
        let template = checker.template(a, &afield, Place::Argv)?;
        if let Some(var) = template.vars().find(|v| {
            !matches!(
                v,
                Var::Bin(_) | Var::Probe(..) | Var::File | Var::Edition | Var::Work
            )
        }) {
            return Err(ctx.err(
                a.span(),
                &afield,
                format!(
                    "{var} cannot be used by a formatter (allowed: {{bin:NAME}}, \
                     {{NAME.PROBE}}, {{file}}, {{edition}}, {{work}})"
                ),
            ));
        }
        args.push(template);
    }
    let limits = match &f.limits {
        None => file_limits.clone(),
        Some(raw) => apply_limits(ctx, raw, file_limits.clone(), &format!("{field}.limits"))?,
    };
    Ok(FormatterDef {
        name: f.name,
        candidates,
        version: f.version,
        args,
        install: f.install,
        limits,
    })
}

fn compile_command(
    checker: &Checker<'_>,
    def: &Definition,
    file_limits: &Limits,
    kind: StepKind,
    index: usize,
    spanned: Spanned<RawCommand>,
) -> Result<CommandDef, ToolchainError> {
    let ctx = checker.ctx;
    let span = spanned.span();
    let c = spanned.into_inner();
    let field = format!("{}[{index}]", kind.name());
    if c.argv.is_empty() {
        return Err(ctx.err(span, &format!("{field}.argv"), "empty command"));
    }
    let parser = c.parser.get_ref();
    if !PARSERS.contains(&parser.as_str()) {
        return Err(ctx.err(
            c.parser.span(),
            &format!("{field}.parser"),
            format!(
                "unknown diagnostics parser `{parser}`; known parsers: {}",
                PARSERS.join(", ")
            ),
        ));
    }
    let for_each = ctx.choice(
        c.for_each.as_ref(),
        &format!("{field}.for_each"),
        [("sources", ForEach::Sources), ("tests", ForEach::Tests)],
    )?;
    let requires = ctx.choice(
        c.requires.as_ref(),
        &format!("{field}.requires"),
        [("tests", Requires::Tests), ("no-tests", Requires::NoTests)],
    )?;
    let cwd = match &c.cwd {
        None => String::new(),
        Some(cwd) if cwd.get_ref().is_empty() => String::new(),
        Some(cwd) => {
            check_relative_path(cwd.get_ref())
                .map_err(|e| ctx.err(cwd.span(), &format!("{field}.cwd"), e.to_string()))?;
            cwd.get_ref().clone()
        }
    };
    let mut argv = Vec::new();
    for (i, arg) in c.argv.iter().enumerate() {
        let afield = format!("{field}.argv[{i}]");
        let t = checker.template(arg, &afield, Place::Argv)?;
        for var in t.vars() {
            let problem = match var {
                Var::File if for_each.is_none() => Some("{file} needs `for_each = \"sources\"` or `\"tests\"`".to_string()),
                Var::Entry if def.roots.is_empty() && !def.single_source_root => {
                    Some(format!("{var} needs `files.roots` or `files.single_source_root = true`"))
                }
                Var::CrateType
                    if def.roots.is_empty()
                        || (def.single_source_root && def.single_source_crate_type.is_none())
                        || def.roots.iter().any(|r| r.crate_type.is_none()) =>
                {
                    Some("{crate_type} needs every `files.roots` entry to have a crate_type (and, with single_source_root, a single_source_crate_type)".to_string())
                }
                Var::ExternArgs if def.rust_crates.is_none() => {
                    Some("{extern_args} needs a [dependencies.rust-crates] table".to_string())
                }
                _ => None,
            };
            if let Some(problem) = problem {
                return Err(ctx.err(arg.span(), &afield, problem));
            }
        }
        if i == 0 {
            let absolute = match t.pieces.first() {
                Some(super::template::Piece::Lit(s)) => s.starts_with('/'),
                Some(super::template::Piece::Var(v)) => {
                    matches!(v, Var::Bin(_) | Var::Probe(..) | Var::Work | Var::Support)
                }
                None => false,
            };
            if !absolute || t.as_multi().is_some() {
                return Err(ctx.err(
                    arg.span(),
                    &afield,
                    "the program must be an absolute path: {bin:NAME}, {work}/…, {support}/… or /…",
                ));
            }
        }
        argv.push(t);
    }
    let limits = match &c.limits {
        None => file_limits.clone(),
        Some(l) => apply_limits(ctx, l, file_limits.clone(), &format!("{field}.limits"))?,
    };
    Ok(CommandDef {
        argv,
        parser: parser.clone(),
        for_each,
        cwd,
        requires,
        limits,
    })
}

fn globs(
    ctx: &Ctx<'_>,
    patterns: &[Spanned<String>],
    field: &str,
) -> Result<GlobSet, ToolchainError> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = GlobBuilder::new(p.get_ref())
            .literal_separator(true)
            .build()
            .map_err(|e| ctx.err(p.span(), field, e.to_string()))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| ToolchainError::Invalid {
        file: ctx.file.to_string(),
        message: format!("`{field}`: {e}"),
    })
}

pub(crate) fn check_edition(edition: &str) -> Result<(), String> {
    if EDITIONS.contains(&edition) {
        Ok(())
    } else {
        Err(format!(
            "edition `{edition}` is not a Rust edition; use one of {}",
            EDITIONS.join(", ")
        ))
    }
}

fn apply_limits(
    ctx: &Ctx<'_>,
    raw: &RawLimits,
    mut limits: Limits,
    field: &str,
) -> Result<Limits, ToolchainError> {
    let secs = |v: &Option<Spanned<f64>>, name: &str| -> Result<Option<Duration>, ToolchainError> {
        v.as_ref()
            .map(|s| {
                let value = *s.get_ref();
                Duration::try_from_secs_f64(value)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| {
                        ctx.err(
                            s.span(),
                            &format!("{field}.{name}"),
                            "must be a positive number of seconds",
                        )
                    })
            })
            .transpose()
    };
    let size = |v: &Option<Spanned<RawSize>>, name: &str| -> Result<Option<u64>, ToolchainError> {
        v.as_ref()
            .map(|s| {
                parse_size(s.get_ref())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        ctx.err(
                            s.span(),
                            &format!("{field}.{name}"),
                            "must be a positive byte count: an integer or a string such as \"512MiB\" or \"4GiB\"",
                        )
                    })
            })
            .transpose()
    };
    let count = |v: &Option<Spanned<u64>>, name: &str| -> Result<Option<u64>, ToolchainError> {
        v.as_ref()
            .map(|s| {
                Some(*s.get_ref()).filter(|n| *n > 0).ok_or_else(|| {
                    ctx.err(s.span(), &format!("{field}.{name}"), "must be positive")
                })
            })
            .transpose()
    };
    if let Some(v) = secs(&raw.wall_time, "wall_time")? {
        limits.wall_time = v;
    }
    if let Some(v) = secs(&raw.cpu_time, "cpu_time")? {
        limits.cpu_time = v;
    }
    if let Some(v) = size(&raw.memory_bytes, "memory_bytes")? {
        limits.memory_bytes = v;
    }
    if let Some(v) = size(&raw.file_size_bytes, "file_size_bytes")? {
        limits.file_size_bytes = v;
    }
    if let Some(v) = count(&raw.open_files, "open_files")? {
        limits.open_files = v;
    }
    if let Some(v) = count(&raw.processes, "processes")? {
        limits.processes = v;
    }
    if let Some(v) = size(&raw.output_bytes, "output_bytes")? {
        limits.output_bytes = usize::try_from(v).unwrap_or(usize::MAX);
    }
    if let Some(v) = size(&raw.tmp_bytes, "tmp_bytes")? {
        limits.tmp_bytes = v;
    }
    Ok(limits)
}

pub(super) fn parse_size(raw: &RawSize) -> Option<u64> {
    match raw {
        RawSize::Bytes(n) => Some(*n),
        RawSize::Text(s) => {
            let s = s.trim();
            let (digits, unit) =
                s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
            let n: u64 = digits.parse().ok()?;
            let shift = match unit.trim() {
                "" | "B" => 0,
                "KiB" => 10,
                "MiB" => 20,
                "GiB" => 30,
                _ => return None,
            };
            n.checked_mul(1u64 << shift)
        }
    }
}
