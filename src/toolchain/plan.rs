//! Planning: a step of a program → the exact sandboxed commands, with a resolved toolchain;
//! and the toolchain's dependency set (Rust crates, a warm build cache).

use std::path::PathBuf;

use super::deps::{self, RustDeps};
use super::file::{check_edition, CommandDef, ForEach, Requires, Toolchain};
use super::resolve::{probe_value, DependencyStatus, ResolvedBinary, ResolvedToolchain};
use super::template::{Template, Var};
use super::{PlannedCommand, StepKind, ToolchainError, SUPPORT_DIR};
use crate::program::Program;
use crate::sandbox::{Mount, WORK_DIR};

impl ResolvedToolchain {
    /// The toolchain this was resolved from.
    pub fn toolchain(&self) -> &Toolchain {
        &self.toolchain
    }

    /// The complete environment of every command.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The read-only mounts every command gets (before the support dir and dependency sets).
    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    /// The resolved binary of that name.
    pub fn binary(&self, name: &str) -> Option<&ResolvedBinary> {
        self.binaries.iter().find(|b| b.name == name)
    }

    /// What a binary's template variable expands to on the host: `{bin:NAME}` the binary's
    /// path, `{NAME.PROBE}` its probe's value; "" for a binary the toolchain did not resolve
    /// and for every other variable.
    pub(super) fn binary_value(&self, var: &Var) -> String {
        match var {
            Var::Bin(name) => self
                .binary(name)
                .map(|b| b.path.display().to_string())
                .unwrap_or_default(),
            Var::Probe(name, probe) => self
                .binary(name)
                .map(|b| probe_value(b, probe))
                .unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// One line naming each binary's version and real path, e.g.
    /// `rustc 1.95.0 (…) at /root/.rustup/toolchains/…/bin/rustc; cc … at /usr/bin/…`.
    pub fn version_line(&self) -> String {
        self.binaries
            .iter()
            .map(|b| format!("{} at {}", b.version, b.path.display()))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The fingerprint (see the field).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Whether the dependency set is ready. Never builds anything.
    pub fn dependency_status(&self) -> DependencyStatus {
        let def = &self.toolchain.def;
        if let (Some(rc), Some(dir)) = (&def.rust_crates, &self.rust_deps_dir) {
            return match self.rust_deps() {
                Ok(d) => DependencyStatus::Ready {
                    detail: format!(
                        "crates {} built (in {:.1} s)",
                        rc.crates.join(", "),
                        d.build_seconds
                    ),
                    path: dir.clone(),
                },
                Err(ToolchainError::Dependencies { message, fix, .. }) => {
                    DependencyStatus::Missing {
                        detail: message,
                        fix,
                        required: true,
                    }
                }
                Err(other) => DependencyStatus::Missing {
                    detail: other.to_string(),
                    fix: rc.install.clone(),
                    required: true,
                },
            };
        }
        if let (Some(wc), Some(dir)) = (&def.warm_cache, &self.warm_cache_dir) {
            return if deps::warm_cache_ready(dir) {
                DependencyStatus::Ready {
                    detail: format!("warm {} cache", wc.variable),
                    path: dir.clone(),
                }
            } else {
                DependencyStatus::Missing {
                    detail: format!(
                        "no warm {} cache: builds start cold and take seconds longer",
                        wc.variable
                    ),
                    fix: wc.install.clone(),
                    required: false,
                }
            };
        }
        DependencyStatus::NotNeeded
    }

    /// Makes the dependency set ready: builds the Rust crates or warms the build cache once
    /// (a minute the first time, a `stat` afterwards). Blocking; safe to call from several
    /// processes at once. Fails only when a required set (the Rust crates) cannot be built; a
    /// build cache that cannot be warmed is logged and left cold (slower, still correct).
    pub fn ensure_dependencies(&self) -> Result<(), ToolchainError> {
        let def = &self.toolchain.def;
        let language = self.language.name().to_string();
        if let (Some(rc), Some(dir)) = (&def.rust_crates, &self.rust_deps_dir) {
            if self.rust_deps.get().is_some() {
                return Ok(());
            }
            let rustc = self
                .binary(&rc.binary)
                .ok_or_else(|| ToolchainError::Dependencies {
                    language: language.clone(),
                    message: format!("binary `{}` was not resolved", rc.binary),
                    fix: rc.install.clone(),
                })?;
            let built = deps::ensure_rust_crates(dir, rc, &rustc.path, &rustc.version_output)
                .map_err(|message| ToolchainError::Dependencies {
                    language: language.clone(),
                    message: format!("building crates {}: {message}", rc.crates.join(", ")),
                    fix: "check network access to crates.io (or a populated ~/.cargo/registry), then run `selfheal setup`"
                        .to_string(),
                })?;
            // Another thread may have set it meanwhile; both values are the same set.
            let _ = self.rust_deps.set(built);
        }
        if let (Some(wc), Some(dir)) = (&def.warm_cache, &self.warm_cache_dir) {
            let commands: Vec<Vec<String>> = wc
                .commands
                .iter()
                .map(|argv| argv.iter().map(|t| self.expand_host(t)).collect())
                .collect();
            // A cold cache is only slower, never wrong: a failure to warm it (say, a read-only
            // cache directory) must not make the language unusable. `doctor` reports it.
            if let Err(message) = deps::ensure_warm_cache(dir, wc, &commands, &self.env) {
                tracing::warn!(
                    language = %language,
                    "could not warm the {} cache, builds will start cold: {message}. Fix: {}",
                    wc.variable,
                    wc.install
                );
            }
        }
        Ok(())
    }

    pub(super) fn expand_host(&self, t: &Template) -> String {
        t.expand::<()>(|v| Ok(self.binary_value(v)))
            .unwrap_or_default()
    }

    fn rust_deps(&self) -> Result<&RustDeps, ToolchainError> {
        if let Some(d) = self.rust_deps.get() {
            return Ok(d);
        }
        let language = self.language.name().to_string();
        let (Some(rc), Some(dir)) = (&self.toolchain.def.rust_crates, &self.rust_deps_dir) else {
            return Err(ToolchainError::Dependencies {
                language,
                message: "the toolchain has no [dependencies.rust-crates]".into(),
                fix: "add one to the toolchain file".into(),
            });
        };
        let loaded =
            deps::load_rust_crates(dir, rc).map_err(|why| ToolchainError::Dependencies {
                language,
                message: format!(
                    "the crates {} are not built yet ({why})",
                    rc.crates.join(", ")
                ),
                fix: format!(
                    "run `{}` (or call ResolvedToolchain::ensure_dependencies)",
                    rc.install
                ),
            })?;
        Ok(self.rust_deps.get_or_init(|| loaded))
    }

    /// The commands of one step for a program, in order, with every template expanded.
    /// A step with nothing to do (no tests) is an empty list.
    pub fn plan(
        &self,
        step: StepKind,
        program: &Program,
    ) -> Result<Vec<PlannedCommand>, ToolchainError> {
        let def = &self.toolchain.def;
        let language = self.language.name();
        let plan_err = |message: String| ToolchainError::Plan {
            language: language.to_string(),
            step: step.name(),
            message,
        };
        if program.language() != self.language {
            return Err(plan_err(format!(
                "the program is {}, this toolchain is for {language}",
                program.language()
            )));
        }
        let tests: Vec<&str> = program
            .files()
            .keys()
            .map(String::as_str)
            .filter(|f| def.tests.is_match(f))
            .collect();
        let sources: Vec<&str> = program
            .files()
            .keys()
            .map(String::as_str)
            .filter(|f| def.sources.is_match(f) && !def.tests.is_match(f))
            .collect();
        if sources.is_empty() {
            return Err(plan_err(format!(
                "no source files: expected files matching {}",
                def.source_patterns.join(", ")
            )));
        }
        let has_tests = !tests.is_empty()
            || def.test_marker.as_deref().is_some_and(|marker| {
                sources.iter().any(|f| {
                    program
                        .files()
                        .get(*f)
                        .is_some_and(|text| text.contains(marker))
                })
            });
        let edition = program
            .options()
            .get("edition")
            .map(|e| e.trim().to_string())
            .unwrap_or_else(|| def.default_edition.clone());
        let commands = def.steps.get(&step).map(Vec::as_slice).unwrap_or_default();
        let mut planned = Vec::new();
        for command in commands {
            match command.requires {
                Some(Requires::Tests) if !has_tests => continue,
                Some(Requires::NoTests) if has_tests => continue,
                _ => {}
            }
            let needs = |pred: fn(&Var) -> bool| command.uses(pred);
            if needs(|v| matches!(v, Var::Edition)) {
                check_edition(&edition).map_err(|m| plan_err(format!("program option {m}")))?;
            }
            let entry = if needs(|v| matches!(v, Var::Entry | Var::CrateType)) {
                Some(self.entry(step, program, &sources).map_err(plan_err)?)
            } else {
                None
            };
            let extern_args = if needs(|v| matches!(v, Var::ExternArgs)) {
                Some(self.rust_deps()?)
            } else {
                None
            };
            let files: Vec<Option<&str>> = match command.for_each {
                None => vec![None],
                Some(ForEach::Sources) => sources.iter().copied().map(Some).collect(),
                Some(ForEach::Tests) => tests.iter().copied().map(Some).collect(),
            };
            for file in files {
                let value = |var: &Var| -> Result<String, ToolchainError> {
                    Ok(match var {
                        Var::Bin(_) | Var::Probe(..) => self.binary_value(var),
                        Var::File => file.unwrap_or_default().to_string(),
                        Var::Entry => entry
                            .as_ref()
                            .map(|(path, _)| path.clone())
                            .unwrap_or_default(),
                        Var::CrateType => entry
                            .as_ref()
                            .and_then(|(_, kind)| kind.clone())
                            .unwrap_or_default(),
                        Var::Edition => edition.clone(),
                        Var::Support => SUPPORT_DIR.to_string(),
                        Var::Work => WORK_DIR.to_string(),
                        Var::Sources | Var::Tests | Var::ExternArgs => {
                            return Err(plan_err(format!("{var} must be a whole argument")))
                        }
                    })
                };
                let mut argv = Vec::new();
                for template in &command.argv {
                    match template.as_multi() {
                        Some(Var::Sources) => argv.extend(sources.iter().map(|s| s.to_string())),
                        Some(Var::Tests) => argv.extend(tests.iter().map(|s| s.to_string())),
                        Some(Var::ExternArgs) => {
                            argv.extend(extern_args.map(RustDeps::args).unwrap_or_default())
                        }
                        _ => argv.push(template.expand(value)?),
                    }
                }
                if !argv.first().is_some_and(|a| a.starts_with('/')) {
                    return Err(plan_err(format!(
                        "the command `{}` does not start with an absolute path",
                        argv.join(" ")
                    )));
                }
                planned.push(PlannedCommand {
                    step,
                    argv,
                    parser: command.parser.clone(),
                    env: self.env.clone(),
                    mounts: self.command_mounts(command, extern_args),
                    limits: command.limits.clone(),
                    cwd: command.cwd.clone(),
                });
            }
        }
        Ok(planned)
    }

    fn command_mounts(&self, _command: &CommandDef, rust_deps: Option<&RustDeps>) -> Vec<Mount> {
        let mut mounts = self.mounts.clone();
        mounts.push(Mount::ReadOnly {
            source: self.support_dir.clone(),
            target: PathBuf::from(SUPPORT_DIR),
        });
        if let Some(d) = rust_deps {
            mounts.push(Mount::ReadOnly {
                source: d.deps_dir.clone(),
                target: d.deps_dir.clone(),
            });
        }
        if let (Some(wc), Some(dir)) = (&self.toolchain.def.warm_cache, &self.warm_cache_dir) {
            if deps::warm_cache_ready(dir) {
                mounts.push(Mount::Overlay {
                    lower: dir.clone(),
                    target: PathBuf::from(&wc.target),
                });
            }
        }
        mounts
    }

    /// The entry file for a step and its crate type.
    fn entry(
        &self,
        step: StepKind,
        program: &Program,
        sources: &[&str],
    ) -> Result<(String, Option<String>), String> {
        let def = &self.toolchain.def;
        let allowed =
            |steps: &Option<Vec<StepKind>>| steps.as_ref().is_none_or(|s| s.contains(&step));
        if let Some(root) = def
            .roots
            .iter()
            .find(|r| allowed(&r.steps) && program.files().contains_key(&r.path))
        {
            return Ok((root.path.clone(), root.crate_type.clone()));
        }
        // A root reserved for other steps (a library has nothing to run) is not a single source.
        let reserved_root = def
            .roots
            .iter()
            .any(|r| !allowed(&r.steps) && program.files().contains_key(&r.path));
        if def.single_source_root && sources.len() == 1 && !reserved_root {
            let source = sources[0];
            let crate_type = def.single_source_crate_type.as_ref().map(|rule| {
                let text = program.files().get(source).map_or("", String::as_str);
                if text.contains(&rule.marker) {
                    rule.present.clone()
                } else {
                    rule.absent.clone()
                }
            });
            return Ok((source.to_string(), crate_type));
        }
        let candidates: Vec<&str> = def
            .roots
            .iter()
            .filter(|r| allowed(&r.steps))
            .map(|r| r.path.as_str())
            .collect();
        let mut message = format!("no entry point: expected {}", candidates.join(" or "));
        if def.single_source_root {
            message.push_str(", or a single source file");
        }
        if let Some(excluded) = def
            .roots
            .iter()
            .find(|r| !allowed(&r.steps) && program.files().contains_key(&r.path))
        {
            message.push_str(&format!(
                " ({} is only used by {})",
                excluded.path,
                excluded
                    .steps
                    .iter()
                    .flatten()
                    .map(|s| s.name())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        }
        Err(message)
    }
}

#[cfg(test)]
mod tests;
