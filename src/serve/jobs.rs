//! Jobs and their persistence: every accepted request is a job, written to the data dir before
//! the service answers, and rewritten at each change of state.
//!
//! Layout: `<data_dir>/serve/jobs/<id>.json` holds the record (the request, the state, the
//! result or the failure); `<id>.events` its progress events, one JSON line each. A record is
//! replaced by writing a temporary file and renaming it over the old one, so a crash (or
//! `kill -9`) leaves either the old record or the new one, never a torn one. The service keeps
//! no other state about jobs: after a restart it reads this directory and resumes every job
//! that was queued or running (see [`JobStore::recover`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// What a job does: one of the work routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Check,
    Run,
    Heal,
    Generate,
    Eval,
}

impl JobKind {
    /// The route's name (`check`, `run`, …).
    pub fn name(self) -> &'static str {
        match self {
            JobKind::Check => "check",
            JobKind::Run => "run",
            JobKind::Heal => "heal",
            JobKind::Generate => "generate",
            JobKind::Eval => "eval",
        }
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Accepted, waiting for a worker.
    Queued,
    Running,
    /// Finished with a result (which may say the program fails: that is still a success of
    /// the job).
    Succeeded,
    /// Could not be carried out; `error` says why.
    Failed,
    /// Cancelled by its tenant.
    Cancelled,
}

impl JobState {
    /// Succeeded, failed or cancelled: nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
}

/// Why a job failed: a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    /// `invalid_request`, `setup`, `interrupted`, `panicked`, …
    pub code: String,
    pub message: String,
}

/// A job as stored and as `GET /v1/jobs/{id}` shows it (without `tenant` and `request`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: String,
    pub tenant: String,
    pub kind: JobKind,
    pub state: JobState,
    /// Milliseconds since the Unix epoch.
    pub created_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_ms: Option<u64>,
    /// How many times the job was started (more than 1 after a restart resumed it).
    pub attempts: u32,
    /// The request body as accepted (needed to run the job again after a crash).
    pub request: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<JobFailure>,
}

impl JobRecord {
    /// What the tenant sees: everything but the tenant id and the request (the program).
    pub fn public_view(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "created_ms": self.created_ms,
            "attempts": self.attempts,
        });
        if let Some(map) = v.as_object_mut() {
            if let Some(t) = self.started_ms {
                map.insert("started_ms".into(), t.into());
            }
            if let Some(t) = self.finished_ms {
                map.insert("finished_ms".into(), t.into());
            }
            if let Some(r) = &self.result {
                map.insert("result".into(), r.clone());
            }
            if let Some(e) = &self.error {
                map.insert(
                    "error".into(),
                    serde_json::json!({"code": e.code, "message": e.message}),
                );
            }
        }
        v
    }
}

/// One progress event of a job (an SSE event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEvent {
    /// 1, 2, 3, … within the job (the SSE `id`).
    pub seq: u64,
    pub at_ms: u64,
    /// `state` (the job changed state), `progress` (a validation, a case, a generation) or
    /// `notice` (e.g. the job was resumed after a restart).
    pub event: String,
    pub data: serde_json::Value,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A new unguessable job id: `job_` and 32 hex digits.
pub fn new_job_id() -> String {
    let bytes: [u8; 16] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("job_{hex}")
}

/// A job id as this service makes them (anything else is not looked up on disk).
pub fn is_job_id(id: &str) -> bool {
    id.len() == 36
        && id.starts_with("job_")
        && id[4..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What a restart found and did.
#[derive(Debug, Default)]
pub struct Recovery {
    /// Jobs to run again, oldest first (their records already say `queued`).
    pub resumed: Vec<JobRecord>,
    /// Jobs marked failed because they had been started `max_attempts` times.
    pub failed: Vec<JobRecord>,
    /// Record files that could not be read (left in place, named in the log).
    pub unreadable: Vec<PathBuf>,
}

/// The jobs directory.
#[derive(Debug, Clone)]
pub struct JobStore {
    dir: PathBuf,
}

impl JobStore {
    /// The store in `<data_dir>/serve/jobs`, created if missing.
    ///
    /// # Errors
    /// The directory cannot be created.
    pub fn open(data_dir: &Path) -> std::io::Result<JobStore> {
        let dir = data_dir.join("serve").join("jobs");
        std::fs::create_dir_all(&dir)?;
        Ok(JobStore { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn record_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn events_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.events"))
    }

    /// Writes (or replaces) a record atomically.
    ///
    /// # Errors
    /// The disk refused the write.
    pub fn save(&self, record: &JobRecord) -> std::io::Result<()> {
        let path = self.record_path(&record.id);
        let tmp = self.dir.join(format!(".{}.json.tmp", record.id));
        let bytes = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)
    }

    /// The record of `id`, if there is one.
    pub fn load(&self, id: &str) -> Option<JobRecord> {
        if !is_job_id(id) {
            return None;
        }
        let bytes = std::fs::read(self.record_path(id)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Appends one event to the job's event log.
    ///
    /// # Errors
    /// The disk refused the write.
    pub fn append_event(&self, id: &str, event: &JobEvent) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(event).map_err(std::io::Error::other)?;
        line.push(b'\n');
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.events_path(id))?
            .write_all(&line)
    }

    /// Every event recorded for `id` (a torn last line, left by a crash, is skipped).
    pub fn events(&self, id: &str) -> Vec<JobEvent> {
        if !is_job_id(id) {
            return Vec::new();
        }
        std::fs::read_to_string(self.events_path(id))
            .map(|text| {
                text.lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Reads every record after a start: jobs that were queued or running are queued again,
    /// unless they were already started `max_attempts` times, which marks them failed with
    /// the reason. Both are written back before this returns.
    ///
    /// # Errors
    /// The directory cannot be listed.
    pub fn recover(&self, max_attempts: u32) -> std::io::Result<Recovery> {
        let mut recovery = Recovery::default();
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') && name.ends_with(".tmp") {
                // A write the crash interrupted; the record before it is still in place.
                let _ = std::fs::remove_file(&path);
                continue;
            }
            if !name.ends_with(".json") {
                continue;
            }
            let record: JobRecord = match std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
            {
                Some(r) => r,
                None => {
                    recovery.unreadable.push(path);
                    continue;
                }
            };
            if record.state.is_final() {
                continue;
            }
            let mut record = record;
            if record.attempts >= max_attempts {
                record.state = JobState::Failed;
                record.finished_ms = Some(now_ms());
                record.error = Some(JobFailure {
                    code: "interrupted".into(),
                    message: format!(
                        "the service stopped while this job ran, {} time{} (crash, kill or drain \
                         deadline); max_job_attempts = {max_attempts}, so it is not started again",
                        record.attempts,
                        if record.attempts == 1 { "" } else { "s" }
                    ),
                });
                self.save(&record)?;
                recovery.failed.push(record);
            } else {
                record.state = JobState::Queued;
                self.save(&record)?;
                recovery.resumed.push(record);
            }
        }
        recovery.resumed.sort_by_key(|r| r.created_ms);
        Ok(recovery)
    }

    /// Deletes the files of finished jobs older than `retention`; returns how many jobs went.
    pub fn collect_garbage(&self, retention: Duration) -> usize {
        let cutoff = now_ms().saturating_sub(retention.as_millis() as u64);
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(id) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
            else {
                continue;
            };
            let Some(record) = self.load(id) else {
                continue;
            };
            if record.state.is_final() && record.finished_ms.unwrap_or(0) < cutoff {
                let _ = std::fs::remove_file(self.events_path(id));
                if std::fs::remove_file(&path).is_ok() {
                    removed += 1;
                }
            }
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(state: JobState, attempts: u32) -> JobRecord {
        JobRecord {
            id: new_job_id(),
            tenant: "a".into(),
            kind: JobKind::Check,
            state,
            created_ms: now_ms(),
            started_ms: None,
            finished_ms: None,
            attempts,
            request: serde_json::json!({"language": "python"}),
            result: None,
            error: None,
        }
    }

    #[test]
    fn recovery_requeues_or_fails_each_unfinished_job_and_keeps_the_finished() {
        let dir = tempfile::tempdir().unwrap();
        let store = JobStore::open(dir.path()).unwrap();
        let queued = record(JobState::Queued, 0);
        let running = record(JobState::Running, 1);
        let exhausted = record(JobState::Running, 3);
        let mut done = record(JobState::Succeeded, 1);
        done.finished_ms = Some(now_ms());
        for r in [&queued, &running, &exhausted, &done] {
            store.save(r).unwrap();
        }
        std::fs::write(store.dir().join(".job_x.json.tmp"), b"{torn").unwrap();
        std::fs::write(store.dir().join("job_bad.json"), b"{torn").unwrap();
        let rec = store.recover(3).unwrap();
        let mut resumed: Vec<_> = rec.resumed.iter().map(|r| r.id.clone()).collect();
        resumed.sort();
        let mut want = vec![queued.id.clone(), running.id.clone()];
        want.sort();
        assert_eq!(resumed, want);
        assert_eq!(rec.failed.len(), 1);
        assert_eq!(rec.unreadable.len(), 1);
        let failed = store.load(&exhausted.id).unwrap();
        assert_eq!(failed.state, JobState::Failed);
        let error = failed.error.unwrap();
        assert_eq!(error.code, "interrupted");
        assert!(
            error.message.contains("max_job_attempts = 3"),
            "{}",
            error.message
        );
        assert_eq!(store.load(&running.id).unwrap().state, JobState::Queued);
        assert_eq!(store.load(&done.id).unwrap().state, JobState::Succeeded);
        assert!(!store.dir().join(".job_x.json.tmp").exists());
    }

    #[test]
    fn events_survive_a_torn_last_line_and_ids_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let store = JobStore::open(dir.path()).unwrap();
        let id = new_job_id();
        assert!(is_job_id(&id));
        assert!(!is_job_id("../../etc/passwd"));
        assert!(store.load("../x").is_none());
        let e = JobEvent {
            seq: 1,
            at_ms: 1,
            event: "state".into(),
            data: serde_json::json!({"state": "queued"}),
        };
        store.append_event(&id, &e).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(store.dir().join(format!("{id}.events")))
            .unwrap()
            .write_all(b"{\"seq\":2,")
            .unwrap();
        assert_eq!(store.events(&id), vec![e]);
    }

    #[test]
    fn garbage_collection_removes_only_old_finished_jobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = JobStore::open(dir.path()).unwrap();
        let mut old = record(JobState::Failed, 1);
        old.finished_ms = Some(1);
        let queued = record(JobState::Queued, 0);
        store.save(&old).unwrap();
        store.save(&queued).unwrap();
        assert_eq!(store.collect_garbage(Duration::from_secs(60)), 1);
        assert!(store.load(&old.id).is_none());
        assert!(store.load(&queued.id).is_some());
    }
}
