//! Whether this host lets the sandbox bound memory and processes per sandbox (across all of a
//! sandbox's processes) with a cgroup, and why not.
//!
//! Detected once per process from `/proc/self/cgroup`, `/proc/self/mountinfo` and the cgroup's
//! own files: a delegated cgroup v2 subtree is preferred, then writable cgroup v1 `memory` and
//! `pids` hierarchies (typically a root host on a v1 layout). Each run then gets its own child
//! cgroup (`scope.rs`). Otherwise memory and process limits are the rlimits of
//! [`super::Limits`] only, and [`ResourceControl`] says why, so reports and `selfheal doctor`
//! can say it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Which mechanism bounds a sandbox's memory and processes on this host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResourceControl {
    /// A writable cgroup v2 directory with the `memory` and `pids` controllers delegated to its
    /// children: each sandbox runs in its own child cgroup with `memory.max` and `pids.max`.
    CgroupV2 { path: PathBuf },
    /// Writable cgroup v1 `memory` and `pids` hierarchies (this process's own cgroups in
    /// them): each sandbox runs in its own child cgroups with `memory.limit_in_bytes` and
    /// `pids.max`.
    CgroupV1 { memory: PathBuf, pids: PathBuf },
    /// rlimits only: `memory_bytes` is per process (RLIMIT_AS), `processes` per sandbox
    /// (RLIMIT_NPROC of its user namespace), so a sandbox may use up to `processes ×
    /// memory_bytes`. `reason` says why no cgroup is usable.
    Rlimits { reason: String },
}

impl ResourceControl {
    /// Whether memory is bounded per sandbox rather than per process.
    pub fn per_sandbox_memory(&self) -> bool {
        !matches!(self, ResourceControl::Rlimits { .. })
    }
}

impl fmt::Display for ResourceControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceControl::CgroupV2 { path } => write!(
                f,
                "memory and processes limited per sandbox (a cgroup v2 per run under {})",
                path.display()
            ),
            ResourceControl::CgroupV1 { memory, pids } => write!(
                f,
                "memory and processes limited per sandbox (cgroup v1 per run under {} and {})",
                memory.display(),
                pids.display()
            ),
            ResourceControl::Rlimits { reason } => write!(
                f,
                "memory limit per process, not per sandbox (rlimits: no usable cgroup: \
                 {reason}). Fix: run selfheal in a cgroup v2 subtree delegated to its user with \
                 the memory and pids controllers enabled (systemd-run --user --scope -p \
                 Delegate=yes ...), or as root on a cgroup v1 host"
            ),
        }
    }
}

/// The host's resource control, detected once.
pub fn resource_control() -> &'static ResourceControl {
    static DETECTED: OnceLock<ResourceControl> = OnceLock::new();
    DETECTED.get_or_init(|| {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let (cgroup, mountinfo) = (read("/proc/self/cgroup"), read("/proc/self/mountinfo"));
        let file = |p: &Path| std::fs::read_to_string(p).ok();
        match detect(&cgroup, &mountinfo, file, writable) {
            ResourceControl::Rlimits { reason: v2 } => detect_v1(&cgroup, &mountinfo, writable)
                .unwrap_or_else(|v1| ResourceControl::Rlimits {
                    reason: format!("{v2}; {v1}"),
                }),
            found => found,
        }
    })
}

fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access on a NUL-terminated path.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// The decision, from the contents of `/proc/self/cgroup` and `/proc/self/mountinfo`, a file
/// reader and a writability check (separate for tests).
pub(crate) fn detect(
    proc_cgroup: &str,
    mountinfo: &str,
    read: impl Fn(&Path) -> Option<String>,
    is_writable: impl Fn(&Path) -> bool,
) -> ResourceControl {
    let no = |reason: &str| ResourceControl::Rlimits {
        reason: reason.to_string(),
    };
    let Some(rel) = proc_cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .map(str::trim)
    else {
        return no("this process is in no cgroup v2 hierarchy (cgroup v1 only)");
    };
    // Field 5 is the mount point; the fstype follows the " - " separator.
    let Some(mount) = mountinfo.lines().find_map(|l| {
        let (left, right) = l.split_once(" - ")?;
        (right.split_whitespace().next()? == "cgroup2").then(|| left.split(' ').nth(4))?
    }) else {
        return no("no cgroup2 filesystem is mounted");
    };
    let rel = rel.trim_matches('/');
    let dir = if rel.is_empty() {
        Path::new(mount).to_path_buf()
    } else {
        Path::new(mount).join(rel)
    };
    let Some(controllers) = read(&dir.join("cgroup.controllers")) else {
        return no(&format!("{} is not readable", dir.display()));
    };
    let has = |list: &str, c: &str| list.split_whitespace().any(|x| x == c);
    for c in ["memory", "pids"] {
        if !has(&controllers, c) {
            return no(&format!(
                "the `{c}` controller is not available in {} (controllers: {:?})",
                dir.display(),
                controllers.trim()
            ));
        }
    }
    let subtree = read(&dir.join("cgroup.subtree_control")).unwrap_or_default();
    for c in ["memory", "pids"] {
        if !has(&subtree, c) {
            return no(&format!(
                "the `{c}` controller is not enabled for the children of {}",
                dir.display()
            ));
        }
    }
    if !is_writable(&dir) {
        return no(&format!("{} is not writable by this user", dir.display()));
    }
    ResourceControl::CgroupV2 { path: dir }
}

/// The cgroup v1 decision: this process's own `memory` and `pids` cgroups, both writable, or
/// why not.
pub(crate) fn detect_v1(
    proc_cgroup: &str,
    mountinfo: &str,
    is_writable: impl Fn(&Path) -> bool,
) -> Result<ResourceControl, String> {
    let dir = |controller: &str| -> Result<PathBuf, String> {
        // `/proc/self/cgroup` v1 lines: `ID:controller[,controller]:/path`.
        let rel = proc_cgroup
            .lines()
            .find_map(|l| {
                let mut parts = l.splitn(3, ':');
                let (_, list, path) = (parts.next()?, parts.next()?, parts.next()?);
                list.split(',')
                    .any(|c| c == controller)
                    .then_some(path.trim())
            })
            .ok_or_else(|| format!("this process is in no cgroup v1 `{controller}` hierarchy"))?;
        // mountinfo: field 4 is the mount's root within the hierarchy, field 5 its mount
        // point; after " - ": the fstype, the source and the super options (the controllers).
        let (root, mount) = mountinfo
            .lines()
            .find_map(|l| {
                let (left, right) = l.split_once(" - ")?;
                let mut right = right.split_whitespace();
                let (fstype, _, options) = (right.next()?, right.next()?, right.next()?);
                if fstype != "cgroup" || !options.split(',').any(|o| o == controller) {
                    return None;
                }
                let mut fields = left.split(' ');
                Some((fields.nth(3)?, fields.next()?))
            })
            .ok_or_else(|| format!("no cgroup v1 `{controller}` hierarchy is mounted"))?;
        let inside = rel.strip_prefix(root).unwrap_or(rel).trim_matches('/');
        let dir = if inside.is_empty() {
            PathBuf::from(mount)
        } else {
            Path::new(mount).join(inside)
        };
        if !is_writable(&dir) {
            return Err(format!("{} is not writable by this user", dir.display()));
        }
        Ok(dir)
    };
    Ok(ResourceControl::CgroupV1 {
        memory: dir("memory")?,
        pids: dir("pids")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO_V2: &str = "25 1 0:22 / / rw - ext4 /dev/vda rw\n\
        30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
    const MOUNTINFO_HYBRID: &str = "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n\
        42 31 0:39 / /sys/fs/cgroup/memory rw - cgroup memory rw,memory\n";

    fn files<'a>(entries: &'a [(&'a str, &'a str)]) -> impl Fn(&Path) -> Option<String> + 'a {
        move |p| {
            entries
                .iter()
                .find(|(k, _)| Path::new(k) == p)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_delegated_subtree_is_found() {
        let f = [
            (
                "/sys/fs/cgroup/user.slice/app/cgroup.controllers",
                "cpu memory pids\n",
            ),
            (
                "/sys/fs/cgroup/user.slice/app/cgroup.subtree_control",
                "memory pids\n",
            ),
        ];
        let r = detect("0::/user.slice/app\n", MOUNTINFO_V2, files(&f), |_| true);
        assert_eq!(
            r,
            ResourceControl::CgroupV2 {
                path: "/sys/fs/cgroup/user.slice/app".into()
            }
        );
        // The same subtree, not writable by this user.
        let r = detect("0::/user.slice/app\n", MOUNTINFO_V2, files(&f), |_| false);
        assert!(
            matches!(&r, ResourceControl::Rlimits { reason } if reason.contains("not writable"))
        );
    }

    #[test]
    fn missing_controllers_and_v1_hosts_fall_back_with_the_reason() {
        let f = [
            ("/sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n"),
            ("/sys/fs/cgroup/unified/cgroup.subtree_control", ""),
        ];
        let r = detect("4:memory:/x\n0::/\n", MOUNTINFO_HYBRID, files(&f), |_| true);
        assert_eq!(
            r,
            ResourceControl::Rlimits {
                reason: "the `memory` controller is not available in /sys/fs/cgroup/unified \
                         (controllers: \"hugetlb\")"
                    .into()
            }
        );
        let f = [
            ("/sys/fs/cgroup/a/cgroup.controllers", "memory pids"),
            ("/sys/fs/cgroup/a/cgroup.subtree_control", "pids"),
        ];
        let r = detect("0::/a\n", MOUNTINFO_V2, files(&f), |_| true);
        assert!(
            matches!(&r, ResourceControl::Rlimits { reason } if reason.contains("`memory` controller is not enabled for the children")),
            "{r:?}"
        );
        let r = detect("4:memory:/x\n", MOUNTINFO_HYBRID, files(&[]), |_| true);
        assert_eq!(
            r,
            ResourceControl::Rlimits {
                reason: "this process is in no cgroup v2 hierarchy (cgroup v1 only)".into()
            }
        );
        let r = detect(
            "0::/\n",
            "25 1 0:22 / / rw - ext4 /dev/vda rw\n",
            files(&[]),
            |_| true,
        );
        assert!(
            matches!(&r, ResourceControl::Rlimits { reason } if reason == "no cgroup2 filesystem is mounted")
        );
    }

    const MOUNTINFO_V1: &str = "25 1 0:22 / / rw - ext4 /dev/vda rw\n\
        33 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n\
        37 30 0:33 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n\
        38 30 0:34 /ns /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu,cpuacct\n";

    #[test]
    fn v1_memory_and_pids_hierarchies_are_found_under_this_process_cgroups() {
        let cgroup = "8:pids:/\n4:memory:/jobs/42\n1:cpu,cpuacct:/ns/x\n0::/\n";
        let r = detect_v1(cgroup, MOUNTINFO_V1, |_| true);
        assert_eq!(
            r,
            Ok(ResourceControl::CgroupV1 {
                memory: "/sys/fs/cgroup/memory/jobs/42".into(),
                pids: "/sys/fs/cgroup/pids".into(),
            })
        );
        let r = detect_v1(cgroup, MOUNTINFO_V1, |p| {
            !p.starts_with("/sys/fs/cgroup/pids")
        });
        assert_eq!(
            r,
            Err("/sys/fs/cgroup/pids is not writable by this user".into())
        );
        let r = detect_v1("4:memory:/\n", MOUNTINFO_V1, |_| true);
        assert_eq!(
            r,
            Err("this process is in no cgroup v1 `pids` hierarchy".into())
        );
        let r = detect_v1(cgroup, "25 1 0:22 / / rw - ext4 /dev/vda rw\n", |_| true);
        assert_eq!(r, Err("no cgroup v1 `memory` hierarchy is mounted".into()));
    }

    #[test]
    fn this_host_is_detected_consistently() {
        // Whatever this machine is, the detection agrees with its own files.
        let r = resource_control();
        match r {
            ResourceControl::CgroupV2 { path } => {
                let c = std::fs::read_to_string(path.join("cgroup.subtree_control")).unwrap();
                assert!(c.contains("memory") && c.contains("pids"));
                assert!(r.per_sandbox_memory());
            }
            ResourceControl::CgroupV1 { memory, pids } => {
                assert!(memory.join("memory.limit_in_bytes").exists());
                assert!(pids.join("pids.max").exists() || pids.join("tasks").exists());
                assert!(r.per_sandbox_memory());
            }
            ResourceControl::Rlimits { reason } => {
                assert!(!reason.is_empty());
                assert!(!r.per_sandbox_memory());
                assert!(r.to_string().starts_with("memory limit per process"));
            }
        }
    }
}
