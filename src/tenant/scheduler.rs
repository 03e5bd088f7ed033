//! The host-wide fair scheduler: sandbox slots shared among tenants, round-robin.
//!
//! Every sandboxed validation or run of a tenant first takes a [`SandboxPermit`]. At most
//! [`HostLimits::max_concurrent_sandboxes`](super::HostLimits) permits are out at once over
//! all tenants, and at most [`TenantLimits::max_concurrent_sandboxes`] of one tenant. Requests
//! that cannot start wait in their tenant's FIFO queue; tenants with waiting requests take
//! turns: when a slot frees, the first tenant in turn order that may start one (under its own
//! cap, with CPU time left in its minute) gets it and goes to the back of the line. A tenant
//! that floods the host with requests only lengthens its own queue: every other tenant's next
//! request is at most one turn away.
//!
//! A permit records the CPU time its sandboxes used ([`SandboxPermit::charge`]); the tenant's
//! last 60 seconds of charges are its CPU minute. A tenant whose minute is spent is skipped
//! until enough ages out (a timer wakes the scheduler then), and new jobs are refused with
//! [`TenantError::CpuQuotaSpent`] and the exact retry-after. Jobs ([`JobTicket`]) are counted
//! against [`TenantLimits::max_queued_jobs`] from admission to the end.
//!
//! Time comes from a [`Clock`], so tests drive it by hand ([`ManualClock`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::error::TenantError;
use super::limits::TenantLimits;
use super::TenantId;

/// How far back CPU time counts against a tenant's minute.
pub const CPU_WINDOW: Duration = Duration::from_secs(60);

/// The smallest retry-after an estimate gives.
const MIN_RETRY: Duration = Duration::from_secs(1);

/// Where the scheduler reads the time.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug)]
pub struct ManualClock {
    base: Instant,
    offset: Mutex<Duration>,
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock {
            base: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        }
    }
}

impl ManualClock {
    pub fn new() -> ManualClock {
        ManualClock::default()
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner()) += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.base + *self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One tenant's use of the host right now.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TenantUsage {
    /// Permits out.
    pub running_sandboxes: usize,
    /// Requests waiting for a permit.
    pub waiting_sandboxes: usize,
    /// Jobs admitted and not finished.
    pub jobs: usize,
    /// CPU time charged in the last 60 s.
    pub cpu_last_minute: Duration,
    /// Permits granted since the tenant was registered.
    pub sandboxes_granted: u64,
    /// CPU time charged since the tenant was registered.
    pub cpu_total: Duration,
}

/// The sliding minute of CPU charges.
#[derive(Debug, Default)]
struct CpuWindow {
    charges: VecDeque<(Instant, Duration)>,
}

impl CpuWindow {
    fn prune(&mut self, now: Instant) {
        while let Some(&(at, _)) = self.charges.front() {
            if now.saturating_duration_since(at) >= CPU_WINDOW {
                self.charges.pop_front();
            } else {
                break;
            }
        }
    }

    fn spent(&mut self, now: Instant) -> Duration {
        self.prune(now);
        self.charges.iter().map(|(_, cpu)| *cpu).sum()
    }

    /// How long until less than `limit` was charged in the window.
    fn free_in(&mut self, now: Instant, limit: Duration) -> Duration {
        let mut remaining = self.spent(now);
        for &(at, cpu) in &self.charges {
            if remaining < limit {
                break;
            }
            remaining = remaining.saturating_sub(cpu);
            if remaining < limit {
                return (at + CPU_WINDOW).saturating_duration_since(now);
            }
        }
        Duration::ZERO
    }

    /// When the tenant, now over `limit`, falls under it.
    fn free_at(&mut self, now: Instant, limit: Duration) -> Instant {
        now + self.free_in(now, limit)
    }
}

/// A moving average of durations, for retry-after estimates.
#[derive(Debug, Default, Clone, Copy)]
struct Ewma(Option<f64>);

impl Ewma {
    fn add(&mut self, d: Duration) {
        let x = d.as_secs_f64();
        self.0 = Some(match self.0 {
            Some(avg) => avg * 0.75 + x * 0.25,
            None => x,
        });
    }

    fn estimate(&self) -> Duration {
        self.0
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .unwrap_or(MIN_RETRY)
            .max(MIN_RETRY)
    }
}

struct Waiter {
    id: u64,
    tx: oneshot::Sender<SandboxPermit>,
}

struct TenantState {
    limits: TenantLimits,
    running: usize,
    waiters: VecDeque<Waiter>,
    jobs: usize,
    cpu: CpuWindow,
    job_time: Ewma,
    sandbox_time: Ewma,
    granted: u64,
    cpu_total: Duration,
}

impl TenantState {
    fn new(limits: TenantLimits) -> TenantState {
        TenantState {
            limits,
            running: 0,
            waiters: VecDeque::new(),
            jobs: 0,
            cpu: CpuWindow::default(),
            job_time: Ewma::default(),
            sandbox_time: Ewma::default(),
            granted: 0,
            cpu_total: Duration::ZERO,
        }
    }

    fn cpu_left(&mut self, now: Instant) -> bool {
        self.cpu.spent(now) < self.limits.cpu_per_minute
    }
}

struct State {
    host_slots: usize,
    running: usize,
    tenants: HashMap<TenantId, TenantState>,
    /// Tenants with waiting requests, the next to serve first.
    turn: VecDeque<TenantId>,
    closed: bool,
    next_waiter: u64,
    grants: u64,
    /// When the CPU timer will wake the scheduler, if armed.
    timer_at: Option<Instant>,
    sandbox_time: Ewma,
}

struct Shared {
    state: Mutex<State>,
    clock: Arc<dyn Clock>,
}

/// The host-wide scheduler. Cheap to clone (one shared state); `Send + Sync`.
#[derive(Clone)]
pub struct Scheduler {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("Scheduler")
            .field("host_slots", &state.host_slots)
            .field("running", &state.running)
            .field("tenants", &state.tenants.len())
            .finish()
    }
}

impl Scheduler {
    /// A scheduler with `host_slots` sandboxes at once over all tenants (at least 1), on the
    /// real clock.
    pub fn new(host_slots: usize) -> Scheduler {
        Scheduler::with_clock(host_slots, Arc::new(SystemClock))
    }

    /// A scheduler reading the time from `clock`.
    pub fn with_clock(host_slots: usize, clock: Arc<dyn Clock>) -> Scheduler {
        Scheduler {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    host_slots: host_slots.max(1),
                    running: 0,
                    tenants: HashMap::new(),
                    turn: VecDeque::new(),
                    closed: false,
                    next_waiter: 0,
                    grants: 0,
                    timer_at: None,
                    sandbox_time: Ewma::default(),
                }),
                clock,
            }),
        }
    }

    /// Adds a tenant, or gives a known one new limits (its running sandboxes, waiting
    /// requests, jobs and CPU minute carry over; a lower cap applies as permits return).
    pub fn register(&self, tenant: &TenantId, limits: &TenantLimits) {
        {
            let mut state = self.shared.lock();
            match state.tenants.get_mut(tenant) {
                Some(t) => t.limits = limits.clone(),
                None => {
                    state
                        .tenants
                        .insert(tenant.clone(), TenantState::new(limits.clone()));
                }
            }
        }
        self.shared.dispatch();
    }

    /// Removes a tenant: its waiting requests fail with [`TenantError::UnknownTenant`], its
    /// permits and tickets still out are released harmlessly. Returns whether it was known.
    pub fn unregister(&self, tenant: &TenantId) -> bool {
        let removed = {
            let mut state = self.shared.lock();
            state.turn.retain(|t| t != tenant);
            state.tenants.remove(tenant)
        };
        // Dropping the senders (outside the lock) wakes the waiters with an error.
        let known = removed.is_some();
        drop(removed);
        known
    }

    /// Changes the host-wide number of sandbox slots (at least 1).
    pub fn set_host_slots(&self, slots: usize) {
        self.shared.lock().host_slots = slots.max(1);
        self.shared.dispatch();
    }

    /// Sandbox slots over all tenants.
    pub fn host_slots(&self) -> usize {
        self.shared.lock().host_slots
    }

    /// Permits out over all tenants.
    pub fn running(&self) -> usize {
        self.shared.lock().running
    }

    /// Refuses new jobs from now on ([`TenantError::ShuttingDown`]); jobs already admitted
    /// keep getting sandboxes, so they can finish (a draining service).
    pub fn close(&self) {
        self.shared.lock().closed = true;
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed
    }

    /// Admits one job of `tenant`: counted against its `max_queued_jobs` until the ticket is
    /// dropped.
    ///
    /// # Errors
    ///
    /// [`TenantError::ShuttingDown`] after [`close`](Self::close);
    /// [`TenantError::UnknownTenant`]; [`TenantError::CpuQuotaSpent`] when the tenant's CPU
    /// minute is spent (retry-after: when it falls under the limit again);
    /// [`TenantError::QueueFull`] at `max_queued_jobs` (retry-after: the tenant's recent
    /// mean job duration, at least 1 s).
    pub fn admit(&self, tenant: &TenantId) -> Result<JobTicket, TenantError> {
        let now = self.shared.clock.now();
        let mut state = self.shared.lock();
        if state.closed {
            return Err(TenantError::ShuttingDown);
        }
        let t = state
            .tenants
            .get_mut(tenant)
            .ok_or_else(|| TenantError::UnknownTenant {
                tenant: tenant.clone(),
            })?;
        let spent = t.cpu.spent(now);
        if spent >= t.limits.cpu_per_minute {
            return Err(TenantError::CpuQuotaSpent {
                tenant: tenant.clone(),
                limit: t.limits.cpu_per_minute,
                spent,
                retry_after: t.cpu.free_in(now, t.limits.cpu_per_minute),
            });
        }
        if t.jobs >= t.limits.max_queued_jobs {
            return Err(TenantError::QueueFull {
                tenant: tenant.clone(),
                limit: t.limits.max_queued_jobs,
                retry_after: t.job_time.estimate(),
            });
        }
        t.jobs += 1;
        Ok(JobTicket {
            shared: Arc::clone(&self.shared),
            tenant: tenant.clone(),
            started: now,
        })
    }

    /// Waits for a sandbox slot for `tenant`, in the tenant's FIFO queue, tenants served
    /// round-robin. Cancel-safe: dropping the future leaves the queue (and returns a slot
    /// granted meanwhile).
    ///
    /// # Errors
    ///
    /// [`TenantError::UnknownTenant`] when the tenant is not (or no longer) registered.
    pub async fn acquire(&self, tenant: &TenantId) -> Result<SandboxPermit, TenantError> {
        let unknown = || TenantError::UnknownTenant {
            tenant: tenant.clone(),
        };
        let (id, rx) = {
            let mut state = self.shared.lock();
            let id = state.next_waiter;
            state.next_waiter += 1;
            let (tx, rx) = oneshot::channel();
            let t = state.tenants.get_mut(tenant).ok_or_else(unknown)?;
            let first = t.waiters.is_empty();
            t.waiters.push_back(Waiter { id, tx });
            if first {
                state.turn.push_back(tenant.clone());
            }
            (id, rx)
        };
        let guard = WaiterGuard {
            shared: &self.shared,
            tenant,
            id,
        };
        self.shared.dispatch();
        let permit = rx.await.map_err(|_| unknown());
        drop(guard);
        permit
    }

    /// A sandbox slot for `tenant` now, or a refusal naming the limit in the way.
    ///
    /// # Errors
    ///
    /// [`TenantError::SandboxesBusy`] when the tenant's own sandboxes are all in use (or it
    /// has requests waiting already), [`TenantError::CpuQuotaSpent`],
    /// [`TenantError::HostBusy`] when every host slot is taken,
    /// [`TenantError::UnknownTenant`].
    pub fn try_acquire(&self, tenant: &TenantId) -> Result<SandboxPermit, TenantError> {
        let now = self.shared.clock.now();
        let mut state = self.shared.lock();
        let host_full = state.running >= state.host_slots;
        let host_retry = state.sandbox_time.estimate();
        let host_slots = state.host_slots;
        let t = state
            .tenants
            .get_mut(tenant)
            .ok_or_else(|| TenantError::UnknownTenant {
                tenant: tenant.clone(),
            })?;
        if !t.waiters.is_empty() || t.running >= t.limits.max_concurrent_sandboxes {
            return Err(TenantError::SandboxesBusy {
                tenant: tenant.clone(),
                limit: t.limits.max_concurrent_sandboxes,
                retry_after: t.sandbox_time.estimate(),
            });
        }
        let spent = t.cpu.spent(now);
        if spent >= t.limits.cpu_per_minute {
            return Err(TenantError::CpuQuotaSpent {
                tenant: tenant.clone(),
                limit: t.limits.cpu_per_minute,
                spent,
                retry_after: t.cpu.free_in(now, t.limits.cpu_per_minute),
            });
        }
        if host_full {
            return Err(TenantError::HostBusy {
                limit: host_slots,
                retry_after: host_retry,
            });
        }
        Ok(self.shared.grant(&mut state, tenant, now))
    }

    /// What `tenant` uses now; `None` for an unknown tenant.
    pub fn usage(&self, tenant: &TenantId) -> Option<TenantUsage> {
        let now = self.shared.clock.now();
        let mut state = self.shared.lock();
        let t = state.tenants.get_mut(tenant)?;
        Some(TenantUsage {
            running_sandboxes: t.running,
            waiting_sandboxes: t.waiters.len(),
            jobs: t.jobs,
            cpu_last_minute: t.cpu.spent(now),
            sandboxes_granted: t.granted,
            cpu_total: t.cpu_total,
        })
    }

    /// Serves waiting requests that can start now (after the clock moved, for a
    /// [`ManualClock`]; the real clock arms its own timer).
    pub fn reschedule(&self) {
        self.shared.dispatch();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update is a few counter changes: a panic cannot leave them half done.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a permit for `tenant` (callers checked that it may start).
    fn grant(
        self: &Arc<Self>,
        state: &mut State,
        tenant: &TenantId,
        now: Instant,
    ) -> SandboxPermit {
        state.running += 1;
        state.grants += 1;
        let sequence = state.grants;
        if let Some(t) = state.tenants.get_mut(tenant) {
            t.running += 1;
            t.granted += 1;
        }
        SandboxPermit {
            shared: Arc::clone(self),
            tenant: tenant.clone(),
            sequence,
            started: now,
            cpu: Duration::ZERO,
            released: false,
        }
    }

    /// Hands free slots to waiting requests, tenants in turn; arms the CPU timer for tenants
    /// that wait only for their minute to free.
    fn dispatch(self: &Arc<Self>) {
        let now = self.clock.now();
        let mut state = self.lock();
        while state.running < state.host_slots {
            let mut pick = None;
            for i in 0..state.turn.len() {
                let id = state.turn[i].clone();
                let Some(t) = state.tenants.get_mut(&id) else {
                    continue;
                };
                if !t.waiters.is_empty()
                    && t.running < t.limits.max_concurrent_sandboxes
                    && t.cpu_left(now)
                {
                    pick = Some(i);
                    break;
                }
            }
            let Some(i) = pick else { break };
            let Some(id) = state.turn.remove(i) else {
                break;
            };
            let waiter = state
                .tenants
                .get_mut(&id)
                .and_then(|t| t.waiters.pop_front());
            if let Some(waiter) = waiter {
                let permit = self.grant(&mut state, &id, now);
                if let Err(mut permit) = waiter.tx.send(permit) {
                    // The waiter left: undo the grant here (its Drop would take the lock).
                    permit.released = true;
                    state.running -= 1;
                    if let Some(t) = state.tenants.get_mut(&id) {
                        t.running -= 1;
                        t.granted -= 1;
                    }
                }
            }
            if state
                .tenants
                .get(&id)
                .is_some_and(|t| !t.waiters.is_empty())
            {
                state.turn.push_back(id);
            }
        }
        self.arm_timer(&mut state, now);
    }

    /// Wakes the scheduler when the first tenant held back only by its CPU minute may go on.
    fn arm_timer(self: &Arc<Self>, state: &mut State, now: Instant) {
        let mut earliest: Option<Instant> = None;
        let turn: Vec<TenantId> = state.turn.iter().cloned().collect();
        for id in turn {
            let Some(t) = state.tenants.get_mut(&id) else {
                continue;
            };
            if t.waiters.is_empty() || t.cpu_left(now) {
                continue;
            }
            let at = t.cpu.free_at(now, t.limits.cpu_per_minute);
            earliest = Some(earliest.map_or(at, |e| e.min(at)));
        }
        let Some(at) = earliest else { return };
        if state
            .timer_at
            .is_some_and(|armed| armed <= at && armed > now)
        {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        state.timer_at = Some(at);
        let shared = Arc::downgrade(self);
        let wait = at.saturating_duration_since(now);
        runtime.spawn(async move {
            tokio::time::sleep(wait).await;
            if let Some(shared) = shared.upgrade() {
                {
                    let mut state = shared.lock();
                    if state.timer_at == Some(at) {
                        state.timer_at = None;
                    }
                }
                shared.dispatch();
            }
        });
    }

    fn release(self: &Arc<Self>, tenant: &TenantId, started: Instant, cpu: Duration) {
        let now = self.clock.now();
        {
            let mut state = self.lock();
            state.running = state.running.saturating_sub(1);
            let held = now.saturating_duration_since(started);
            state.sandbox_time.add(held);
            if let Some(t) = state.tenants.get_mut(tenant) {
                t.running = t.running.saturating_sub(1);
                t.sandbox_time.add(held);
                if !cpu.is_zero() {
                    t.cpu.charges.push_back((now, cpu));
                    t.cpu_total += cpu;
                }
            }
        }
        self.dispatch();
    }
}

/// Removes a waiter whose `acquire` future was dropped before it got its permit.
struct WaiterGuard<'a> {
    shared: &'a Arc<Shared>,
    tenant: &'a TenantId,
    id: u64,
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        let mut now_empty = false;
        if let Some(t) = state.tenants.get_mut(self.tenant) {
            let before = t.waiters.len();
            t.waiters.retain(|w| w.id != self.id);
            now_empty = before != t.waiters.len() && t.waiters.is_empty();
        }
        if now_empty {
            state.turn.retain(|t| t != self.tenant);
        }
    }
}

/// One sandbox slot of a tenant. Dropping it frees the slot and charges the CPU time given
/// to [`charge`](Self::charge) to the tenant's minute.
pub struct SandboxPermit {
    shared: Arc<Shared>,
    tenant: TenantId,
    sequence: u64,
    started: Instant,
    cpu: Duration,
    released: bool,
}

impl std::fmt::Debug for SandboxPermit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxPermit")
            .field("tenant", &self.tenant)
            .field("sequence", &self.sequence)
            .field("cpu", &self.cpu)
            .finish()
    }
}

impl SandboxPermit {
    /// Adds CPU time the sandboxes under this permit used (as the sandbox measured it).
    pub fn charge(&mut self, cpu: Duration) {
        self.cpu += cpu;
    }

    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The permit's place in the host-wide order of grants (1, 2, …).
    pub fn sequence(&self) -> u64 {
        self.sequence
    }
}

impl Drop for SandboxPermit {
    fn drop(&mut self) {
        if !self.released {
            self.released = true;
            self.shared.release(&self.tenant, self.started, self.cpu);
        }
    }
}

/// One admitted job of a tenant; dropping it ends the job (see [`Scheduler::admit`]).
pub struct JobTicket {
    shared: Arc<Shared>,
    tenant: TenantId,
    started: Instant,
}

impl std::fmt::Debug for JobTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobTicket")
            .field("tenant", &self.tenant)
            .finish()
    }
}

impl JobTicket {
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }
}

impl Drop for JobTicket {
    fn drop(&mut self) {
        let now = self.shared.clock.now();
        let mut state = self.shared.lock();
        if let Some(t) = state.tenants.get_mut(&self.tenant) {
            t.jobs = t.jobs.saturating_sub(1);
            t.job_time.add(now.saturating_duration_since(self.started));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> TenantId {
        TenantId::new(s).unwrap()
    }

    #[test]
    fn cpu_window_frees_in_order() {
        let clock = ManualClock::new();
        let t0 = clock.now();
        let mut w = CpuWindow::default();
        w.charges.push_back((t0, Duration::from_secs(30)));
        w.charges
            .push_back((t0 + Duration::from_secs(10), Duration::from_secs(40)));
        let now = t0 + Duration::from_secs(20);
        assert_eq!(w.spent(now), Duration::from_secs(70));
        // Under 60 s once the first 30 s ages out, at t0 + 60.
        assert_eq!(
            w.free_in(now, Duration::from_secs(60)),
            Duration::from_secs(40)
        );
        // Under 30 s only when both have aged out, at t0 + 70.
        assert_eq!(
            w.free_in(now, Duration::from_secs(30)),
            Duration::from_secs(50)
        );
        assert_eq!(
            w.spent(t0 + Duration::from_secs(60)),
            Duration::from_secs(40)
        );
    }

    #[test]
    fn a_dropped_waiter_gives_its_slot_back() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let s = Scheduler::new(1);
            let a = id("a");
            s.register(&a, &TenantLimits::default());
            let first = s.acquire(&a).await.unwrap();
            {
                let waiting = s.acquire(&a);
                tokio::pin!(waiting);
                assert!(futures_poll_once(waiting.as_mut()).await.is_none());
                assert_eq!(s.usage(&a).unwrap().waiting_sandboxes, 1);
            }
            assert_eq!(s.usage(&a).unwrap().waiting_sandboxes, 0);
            drop(first);
            assert_eq!(s.running(), 0);
            let again = s.try_acquire(&a).unwrap();
            assert_eq!(again.sequence(), 2);
        });
    }

    /// Polls a future once.
    async fn futures_poll_once<F: std::future::Future + Unpin>(f: F) -> Option<F::Output> {
        let mut f = f;
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut f).poll(cx) {
                std::task::Poll::Ready(v) => Some(v),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }
}
