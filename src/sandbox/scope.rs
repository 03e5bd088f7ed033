//! One run's own cgroup: memory and process limits across all of a sandbox's processes.
//!
//! Created on the host while the spawner clones the init, joined by the init before it starts
//! the command (every later process inherits the cgroup, and the sandbox cannot leave it: its
//! root has no `/sys/fs/cgroup`), read after the run (out-of-memory kills, peak memory) and
//! removed once the init is reaped (the spawned init holds it, so whoever reaps the init drops
//! it afterwards).
//!
//! How the init joins: on cgroup v1 it writes `0` ("this thread") to each hierarchy's `tasks`
//! file itself, with the host's credentials, before it takes the namespace's ids. The kernel
//! moves a single thread that names itself without taking the global lock that moving another
//! process needs, and that lock's writer waits for an RCU grace period (1 to 15 ms on a busy
//! host, with the cgroup mutex held, so the next run's `mkdir` and the last one's `rmdir` wait
//! too). The init is single-threaded, so the thread is the whole process. On cgroup v2 (no
//! `tasks` file for a domain cgroup) the spawner writes the init's pid to `cgroup.procs` while
//! the init builds its root.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::cgroup::ResourceControl;
use super::Limits;

/// How a run's cgroup is laid out.
#[derive(Debug)]
enum Layout {
    V2 { dir: PathBuf },
    V1 { memory: PathBuf, pids: PathBuf },
}

/// A run's cgroup(s). Dropping it removes them (they must be empty by then: drop it after the
/// init is reaped).
#[derive(Debug)]
pub(crate) struct RunCgroup {
    layout: Layout,
}

/// Names are unique per host process and run; a prefix with the host pid lets a later
/// process remove the empty cgroups of one that was killed before it could.
pub(crate) fn unique_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "selfheal-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn write(dir: &Path, file: &str, value: &str) -> io::Result<()> {
    std::fs::write(dir.join(file), value).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot write {value} to {}: {e}", dir.join(file).display()),
        )
    })
}

fn make(dir: &Path) -> io::Result<()> {
    std::fs::create_dir(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", dir.display())))
}

/// Reads `key N` from a flat-keyed cgroup file (`memory.events`, `memory.oom_control`).
fn keyed(dir: &Path, file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(dir.join(file)).ok()?;
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok())?
    })
}

fn number(dir: &Path, file: &str) -> Option<u64> {
    std::fs::read_to_string(dir.join(file))
        .ok()?
        .trim()
        .parse()
        .ok()
}

impl RunCgroup {
    /// Creates the run's cgroup(s) under `control` with `limits.memory_bytes` for all its
    /// processes together (no swap where the host lets us say so) and `limits.processes` (plus
    /// the sandbox's init).
    /// `Ok(None)` when `control` is rlimits only.
    ///
    /// # Errors
    /// A directory or limit file that cannot be written; whatever was created is removed.
    pub(crate) fn create(
        control: &ResourceControl,
        limits: &Limits,
        name: &str,
    ) -> io::Result<Option<RunCgroup>> {
        let memory = limits.memory_bytes.to_string();
        // Plus one: the sandbox's own init is in the cgroup too, and is not the command's.
        let processes = limits.processes.saturating_add(1).to_string();
        match control {
            ResourceControl::Rlimits { .. } => Ok(None),
            ResourceControl::CgroupV2 { path } => {
                sweep_stale(path);
                let dir = path.join(name);
                make(&dir)?;
                // From here on, an error drops `run`, which removes what was made.
                let run = RunCgroup {
                    layout: Layout::V2 { dir: dir.clone() },
                };
                write(&dir, "memory.max", &memory)?;
                // Absent when the host has no swap accounting: then there is no swap to use.
                let _ = write(&dir, "memory.swap.max", "0");
                write(&dir, "pids.max", &processes)?;
                Ok(Some(run))
            }
            ResourceControl::CgroupV1 {
                memory: memory_root,
                pids: pids_root,
            } => {
                sweep_stale(memory_root);
                sweep_stale(pids_root);
                let (m, p) = (memory_root.join(name), pids_root.join(name));
                make(&m)?;
                let mut run = RunCgroup {
                    layout: Layout::V1 {
                        memory: m.clone(),
                        pids: PathBuf::new(),
                    },
                };
                write(&m, "memory.limit_in_bytes", &memory)?;
                // Memory + swap, where the kernel accounts swap: the same bound, so no swap.
                let _ = write(&m, "memory.memsw.limit_in_bytes", &memory);
                make(&p)?;
                run.layout = Layout::V1 {
                    memory: m,
                    pids: p.clone(),
                };
                write(&p, "pids.max", &processes)?;
                Ok(Some(run))
            }
        }
    }

    /// The `cgroup.procs` files the spawner writes the init's pid to (cgroup v2; on v1 the
    /// init joins by itself, see [`RunCgroup::self_join_files`]).
    pub(crate) fn procs_files(&self) -> Vec<PathBuf> {
        match &self.layout {
            Layout::V2 { dir } => vec![dir.join("cgroup.procs")],
            Layout::V1 { .. } => Vec::new(),
        }
    }

    /// The `tasks` files the init itself writes `0` to, to join the run's cgroup `name` under
    /// `control` (cgroup v1: one per hierarchy; none on v2 or without a cgroup). Known before
    /// the cgroup exists, so that they can be part of the init's plan.
    pub(crate) fn self_join_files(control: &ResourceControl, name: &str) -> Vec<PathBuf> {
        match control {
            ResourceControl::CgroupV1 { memory, pids } => {
                vec![
                    memory.join(name).join("tasks"),
                    pids.join(name).join("tasks"),
                ]
            }
            ResourceControl::CgroupV2 { .. } | ResourceControl::Rlimits { .. } => Vec::new(),
        }
    }

    /// Whether the kernel's out-of-memory killer killed a process of this run.
    pub(crate) fn oom_killed(&self) -> bool {
        let kills = match &self.layout {
            Layout::V2 { dir } => keyed(dir, "memory.events", "oom_kill"),
            Layout::V1 { memory, .. } => keyed(memory, "memory.oom_control", "oom_kill"),
        };
        kills.unwrap_or(0) > 0
    }

    /// The highest memory use of all the run's processes together, when the kernel keeps it.
    pub(crate) fn peak_memory_bytes(&self) -> Option<u64> {
        match &self.layout {
            Layout::V2 { dir } => number(dir, "memory.peak"),
            Layout::V1 { memory, .. } => number(memory, "memory.max_usage_in_bytes"),
        }
    }

    fn dirs(&self) -> Vec<&Path> {
        match &self.layout {
            Layout::V2 { dir } => vec![dir],
            Layout::V1 { memory, pids } => vec![memory, pids],
        }
    }
}

impl Drop for RunCgroup {
    fn drop(&mut self) {
        for dir in self.dirs() {
            if dir.as_os_str().is_empty() {
                continue;
            }
            // The last process may still be leaving the cgroup right after it was reaped.
            let mut removed = false;
            for _ in 0..50 {
                match std::fs::remove_dir(dir) {
                    Ok(()) => {
                        removed = true;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        removed = true;
                        break;
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(2)),
                }
            }
            if !removed {
                tracing::warn!(
                    "cannot remove the sandbox cgroup {}; it is removed by the next selfheal \
                     process once empty",
                    dir.display()
                );
            }
        }
    }
}

/// Removes the empty cgroups left by selfheal processes that died before removing them.
fn sweep_stale(parent: &Path) {
    use std::sync::Mutex;
    static SWEPT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let Ok(mut swept) = SWEPT.lock() else { return };
    if swept.iter().any(|p| p == parent) {
        return;
    }
    swept.push(parent.to_path_buf());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("selfheal-"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = Path::new("/proc").join(pid.to_string()).exists();
        if !alive {
            // Fails harmlessly (EBUSY) while a process is still inside.
            let _ = std::fs::remove_dir(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_written_and_the_cgroup_is_removed_on_drop() {
        // A directory standing in for a delegated v2 cgroup: the files the kernel would
        // provide are plain files here, so this checks the layout, not the kernel.
        let root = tempfile::tempdir().unwrap();
        let control = ResourceControl::CgroupV2 {
            path: root.path().to_path_buf(),
        };
        let limits = Limits {
            memory_bytes: 300 << 20,
            processes: 17,
            ..Limits::default()
        };
        let run = RunCgroup::create(&control, &limits, &unique_name())
            .unwrap()
            .unwrap();
        let dir = run.dirs()[0].to_path_buf();
        assert!(dir.starts_with(root.path()));
        assert_eq!(
            std::fs::read_to_string(dir.join("memory.max")).unwrap(),
            (300u64 << 20).to_string()
        );
        assert_eq!(std::fs::read_to_string(dir.join("pids.max")).unwrap(), "18");
        assert_eq!(run.procs_files(), vec![dir.join("cgroup.procs")]);
        assert!(RunCgroup::self_join_files(&control, "x").is_empty());
        std::fs::write(dir.join("memory.events"), "low 0\noom 1\noom_kill 2\n").unwrap();
        std::fs::write(dir.join("memory.peak"), "12345\n").unwrap();
        assert!(run.oom_killed());
        assert_eq!(run.peak_memory_bytes(), Some(12345));
        // A real cgroup directory holds only kernel files, which rmdir ignores.
        for f in [
            "memory.max",
            "memory.swap.max",
            "pids.max",
            "memory.events",
            "memory.peak",
        ] {
            let _ = std::fs::remove_file(dir.join(f));
        }
        drop(run);
        assert!(!dir.exists());
    }

    #[test]
    fn on_v1_the_init_joins_through_each_hierarchy_tasks_file() {
        let control = ResourceControl::CgroupV1 {
            memory: "/m".into(),
            pids: "/p".into(),
        };
        assert_eq!(
            RunCgroup::self_join_files(&control, "selfheal-1-2"),
            vec![
                PathBuf::from("/m/selfheal-1-2/tasks"),
                PathBuf::from("/p/selfheal-1-2/tasks")
            ]
        );
        let run = RunCgroup {
            layout: Layout::V1 {
                memory: PathBuf::new(),
                pids: PathBuf::new(),
            },
        };
        assert!(run.procs_files().is_empty(), "the spawner moves nothing");
    }

    #[test]
    fn rlimits_only_makes_no_cgroup() {
        let control = ResourceControl::Rlimits {
            reason: "none".into(),
        };
        assert!(
            RunCgroup::create(&control, &Limits::default(), &unique_name())
                .unwrap()
                .is_none()
        );
        assert!(RunCgroup::self_join_files(&control, "x").is_empty());
    }

    #[test]
    fn stale_cgroups_of_dead_processes_are_swept() {
        let root = tempfile::tempdir().unwrap();
        // No process has pid 4294967295; this one is alive.
        let dead = root.path().join("selfheal-4294967295-3");
        let live = root
            .path()
            .join(format!("selfheal-{}-9", std::process::id()));
        let other = root.path().join("someone-else");
        for d in [&dead, &live, &other] {
            std::fs::create_dir(d).unwrap();
        }
        sweep_stale(root.path());
        assert!(!dead.exists());
        assert!(live.exists());
        assert!(other.exists());
    }
}
