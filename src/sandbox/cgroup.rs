//! Whether this host delegates a cgroup v2 subtree the sandbox could use for limits per
//! sandbox (memory and process count across all of a sandbox's processes), and why not.
//!
//! Detected once per process from `/proc/self/cgroup`, `/proc/self/mountinfo` and the cgroup's
//! own files. The sandbox does not yet place its processes in such a cgroup: memory and process
//! limits are the rlimits of [`super::Limits`] (per process and per sandbox user respectively)
//! everywhere, and [`ResourceControl`] says which scope holds, so reports and `selfheal doctor`
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
    /// children was found at `path`. Not used yet: limits are still the rlimits (see
    /// `docs/sandbox.md`).
    CgroupAvailable { path: PathBuf },
    /// rlimits only: `memory_bytes` is per process (RLIMIT_AS), `processes` per sandbox
    /// (RLIMIT_NPROC of its user namespace), so a sandbox may use up to `processes ×
    /// memory_bytes`. `reason` says why no delegated cgroup is available.
    Rlimits { reason: String },
}

impl ResourceControl {
    /// Whether memory is bounded per sandbox rather than per process.
    pub fn per_sandbox_memory(&self) -> bool {
        false
    }
}

impl fmt::Display for ResourceControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceControl::CgroupAvailable { path } => write!(
                f,
                "memory limit per process (rlimits); a delegated cgroup v2 is available at {} \
                 but selfheal does not use it yet",
                path.display()
            ),
            ResourceControl::Rlimits { reason } => write!(
                f,
                "memory limit per process, not per sandbox (rlimits: no delegated cgroup v2: \
                 {reason}). Fix: run selfheal in a cgroup v2 subtree delegated to its user with \
                 the memory and pids controllers enabled (systemd-run --user --scope -p \
                 Delegate=yes ...)"
            ),
        }
    }
}

/// The host's resource control, detected once.
pub fn resource_control() -> &'static ResourceControl {
    static DETECTED: OnceLock<ResourceControl> = OnceLock::new();
    DETECTED.get_or_init(|| {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        detect(
            &read("/proc/self/cgroup"),
            &read("/proc/self/mountinfo"),
            |p| std::fs::read_to_string(p).ok(),
            writable,
        )
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
    ResourceControl::CgroupAvailable { path: dir }
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
            ResourceControl::CgroupAvailable {
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

    #[test]
    fn this_host_is_detected_consistently() {
        // Whatever this machine is, the detection agrees with its own files.
        let r = resource_control();
        match r {
            ResourceControl::CgroupAvailable { path } => {
                let c = std::fs::read_to_string(path.join("cgroup.subtree_control")).unwrap();
                assert!(c.contains("memory") && c.contains("pids"));
            }
            ResourceControl::Rlimits { reason } => assert!(!reason.is_empty()),
        }
        assert!(!r.per_sandbox_memory());
        assert!(r.to_string().starts_with("memory limit per process"));
    }
}
