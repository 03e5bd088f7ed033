//! `selfheal doctor`: what each toolchain resolves to on this machine, and how to fix what
//! does not.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use super::{DependencyStatus, ToolchainEnv, ToolchainError, ToolchainSet};
use crate::types::TargetLanguage;

/// One binary as the doctor found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorBinary {
    pub name: String,
    /// The real executable.
    pub path: PathBuf,
    /// What PATH lookup found first (a shim or proxy when it differs from `path`).
    pub found_as: PathBuf,
    pub version: String,
}

/// The state of one language's toolchain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorEntry {
    pub language: TargetLanguage,
    /// Programs of this language can be validated (no problems; warnings allowed).
    pub ok: bool,
    /// The toolchain file used, if any.
    pub toolchain_file: Option<String>,
    pub binaries: Vec<DoctorBinary>,
    pub dependencies: Option<DependencyStatus>,
    pub fingerprint: Option<String>,
    /// What prevents validation.
    pub problems: Vec<String>,
    /// What only makes validation slower.
    pub warnings: Vec<String>,
    /// Exact commands that fix the problems and warnings, in order.
    pub fixes: Vec<String>,
}

impl DoctorEntry {
    /// Whether programs of this language can be validated here (warnings allowed).
    pub fn ready(&self) -> bool {
        self.ok
    }
}

impl fmt::Display for DoctorEntry {
    /// A few human-readable lines: status, binaries, dependency set, problems and fixes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = if !self.ok {
            "NOT READY".to_string()
        } else if self.warnings.is_empty() {
            "ok".to_string()
        } else {
            format!(
                "ok ({} warning{})",
                self.warnings.len(),
                if self.warnings.len() == 1 { "" } else { "s" }
            )
        };
        write!(f, "{}: {status}", self.language)?;
        if let Some(file) = &self.toolchain_file {
            write!(f, " [{file}]")?;
        }
        for b in &self.binaries {
            write!(f, "\n  {}: {} at {}", b.name, b.version, b.path.display())?;
            if b.found_as != b.path {
                write!(f, " (found as {})", b.found_as.display())?;
            }
        }
        match &self.dependencies {
            Some(DependencyStatus::Ready { detail, path }) => {
                write!(f, "\n  dependencies: {detail} ({})", path.display())?
            }
            Some(DependencyStatus::NotNeeded) => {
                write!(f, "\n  dependencies: standard library only")?
            }
            Some(DependencyStatus::Missing { .. }) | None => {}
        }
        for p in &self.problems {
            write!(f, "\n  problem: {p}")?;
        }
        for w in &self.warnings {
            write!(f, "\n  warning: {w}")?;
        }
        for fix in &self.fixes {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

/// Resolves every language's toolchain (in parallel: probes spawn processes) and reports.
/// Never builds anything.
pub fn doctor(set: &ToolchainSet, env: &ToolchainEnv) -> Vec<DoctorEntry> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = TargetLanguage::ALL
            .iter()
            .map(|&language| (language, scope.spawn(move || examine(set, env, language))))
            .collect();
        handles
            .into_iter()
            .map(|(language, handle)| {
                handle.join().unwrap_or_else(|_| DoctorEntry {
                    problems: vec!["the toolchain check crashed".to_string()],
                    ..empty(language, None)
                })
            })
            .collect()
    })
}

fn empty(language: TargetLanguage, file: Option<String>) -> DoctorEntry {
    DoctorEntry {
        language,
        ok: false,
        toolchain_file: file,
        binaries: Vec::new(),
        dependencies: None,
        fingerprint: None,
        problems: Vec::new(),
        warnings: Vec::new(),
        fixes: Vec::new(),
    }
}

fn examine(set: &ToolchainSet, env: &ToolchainEnv, language: TargetLanguage) -> DoctorEntry {
    let toolchain = match set.get(language) {
        Ok(t) => t,
        Err(e) => {
            let mut entry = empty(language, None);
            entry.problems.push(e.to_string());
            entry.fixes.push(format!(
                "add toolchains/{language}.toml to the toolchain directory"
            ));
            return entry;
        }
    };
    let mut entry = empty(language, Some(toolchain.file_name().to_string()));
    match toolchain.resolve(env) {
        Err(e) => {
            let fix = match &e {
                ToolchainError::BinaryNotFound { install, .. } => Some(install.clone()),
                ToolchainError::Dependencies { fix, .. } => Some(fix.clone()),
                _ => toolchain.install_hint().map(str::to_string),
            };
            entry.problems.push(e.to_string());
            entry.fixes.extend(fix);
        }
        Ok(resolved) => {
            entry.binaries = resolved
                .binaries
                .iter()
                .map(|b| DoctorBinary {
                    name: b.name.clone(),
                    path: b.path.clone(),
                    found_as: b.found_as.clone(),
                    version: b.version.clone(),
                })
                .collect();
            entry.fingerprint = Some(resolved.fingerprint.clone());
            let status = resolved.dependency_status();
            if let DependencyStatus::Missing {
                detail,
                fix,
                required,
            } = &status
            {
                if *required {
                    entry.problems.push(detail.clone());
                } else {
                    entry.warnings.push(detail.clone());
                }
                entry.fixes.push(fix.clone());
            }
            entry.dependencies = Some(status);
            // The OpenTelemetry SDK: needed only by programs with a telemetry contract.
            if let Some(def) = toolchain.telemetry_sdk() {
                let (installed, dir) = crate::compliance::sdk_status(env, language, def);
                if !installed {
                    entry.warnings.push(format!(
                        "telemetry SDK ({}) not installed in {}: programs with a telemetry \
                         contract install it on first use",
                        def.packages.join(" "),
                        dir.display()
                    ));
                    entry.fixes.push(def.install.clone());
                }
            }
        }
    }
    entry.ok = entry.problems.is_empty();
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_problems_and_fixes() {
        let entry = DoctorEntry {
            language: TargetLanguage::Go,
            ok: true,
            toolchain_file: Some("toolchains/go.toml".into()),
            binaries: vec![DoctorBinary {
                name: "go".into(),
                path: "/usr/lib/go-1.19/bin/go".into(),
                found_as: "/usr/bin/go".into(),
                version: "go version go1.19.8 linux/amd64".into(),
            }],
            dependencies: Some(DependencyStatus::Missing {
                detail: "no warm GOCACHE cache".into(),
                fix: "selfheal setup".into(),
                required: false,
            }),
            fingerprint: None,
            problems: vec![],
            warnings: vec!["no warm GOCACHE cache".into()],
            fixes: vec!["selfheal setup".into()],
        };
        assert!(entry.ready());
        assert_eq!(
            entry.to_string(),
            "go: ok (1 warning) [toolchains/go.toml]\n  \
             go: go version go1.19.8 linux/amd64 at /usr/lib/go-1.19/bin/go (found as /usr/bin/go)\n  \
             warning: no warm GOCACHE cache\n  fix: selfheal setup"
        );
        let json = serde_json::to_value(&entry).unwrap();
        assert_eq!(json["dependencies"]["state"], "missing");
        assert_eq!(json["language"], "go");
    }
}
