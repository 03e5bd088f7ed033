//! The host-wide fair scheduler of the service: one FIFO queue per tenant, served round-robin.
//!
//! At most `workers` jobs run at once over all tenants and at most `max_running_jobs` of one
//! tenant. When a slot frees, the next tenant after the one served last (in id order, wrapping)
//! that has a queued job and a free slot of its own gets it: a tenant that floods the service
//! waits behind its own queue, while every other tenant's next job is at most one turn away.

use std::collections::{BTreeMap, HashMap, VecDeque};

/// Queues and running counts. Not synchronized: the service keeps it behind a mutex.
#[derive(Debug, Default)]
pub struct Scheduler {
    queues: BTreeMap<String, VecDeque<String>>,
    running: HashMap<String, usize>,
    running_total: usize,
    last_served: Option<String>,
}

impl Scheduler {
    /// Queues job `id` of `tenant` behind the tenant's other queued jobs.
    pub fn push(&mut self, tenant: &str, id: String) {
        self.queues
            .entry(tenant.to_string())
            .or_default()
            .push_back(id);
    }

    /// Takes `id` out of the queue (a cancelled job); `false` if it was not queued.
    pub fn remove(&mut self, tenant: &str, id: &str) -> bool {
        let Some(q) = self.queues.get_mut(tenant) else {
            return false;
        };
        let before = q.len();
        q.retain(|j| j != id);
        let removed = q.len() != before;
        if q.is_empty() {
            self.queues.remove(tenant);
        }
        removed
    }

    /// The next job to start, if a slot is free: `(tenant, id)`, counted as running.
    /// `max_running(tenant)` is that tenant's own limit.
    pub fn next(
        &mut self,
        workers: usize,
        max_running: impl Fn(&str) -> usize,
    ) -> Option<(String, String)> {
        if self.running_total >= workers {
            return None;
        }
        let tenants: Vec<String> = match &self.last_served {
            Some(last) => {
                let after = self
                    .queues
                    .range::<String, _>((
                        std::ops::Bound::Excluded(last.clone()),
                        std::ops::Bound::Unbounded,
                    ))
                    .map(|(t, _)| t.clone());
                let upto = self
                    .queues
                    .range::<String, _>(..=last.clone())
                    .map(|(t, _)| t.clone());
                after.chain(upto).collect()
            }
            None => self.queues.keys().cloned().collect(),
        };
        for tenant in tenants {
            let running = self.running.get(&tenant).copied().unwrap_or(0);
            if running >= max_running(&tenant) {
                continue;
            }
            let Some(q) = self.queues.get_mut(&tenant) else {
                continue;
            };
            let Some(id) = q.pop_front() else {
                continue;
            };
            if q.is_empty() {
                self.queues.remove(&tenant);
            }
            *self.running.entry(tenant.clone()).or_default() += 1;
            self.running_total += 1;
            self.last_served = Some(tenant.clone());
            return Some((tenant, id));
        }
        None
    }

    /// A job of `tenant` that [`next`](Self::next) started has ended.
    pub fn finished(&mut self, tenant: &str) {
        if let Some(n) = self.running.get_mut(tenant) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.running.remove(tenant);
            }
            self.running_total = self.running_total.saturating_sub(1);
        }
    }

    /// Jobs queued (not yet started) for `tenant`.
    pub fn queued(&self, tenant: &str) -> usize {
        self.queues.get(tenant).map_or(0, VecDeque::len)
    }

    /// Jobs of `tenant` running.
    pub fn running(&self, tenant: &str) -> usize {
        self.running.get(tenant).copied().unwrap_or(0)
    }

    /// Jobs queued and running over every tenant.
    pub fn totals(&self) -> (usize, usize) {
        (
            self.queues.values().map(VecDeque::len).sum(),
            self.running_total,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flooding_tenant_does_not_starve_the_others() {
        let mut s = Scheduler::default();
        for i in 0..50 {
            s.push("flood", format!("f{i}"));
        }
        s.push("b", "b0".into());
        s.push("c", "c0".into());
        s.push("b", "b1".into());
        let mut order = Vec::new();
        while let Some((tenant, id)) = s.next(1, |_| 4) {
            order.push(id);
            s.finished(&tenant);
            if order.len() == 6 {
                break;
            }
        }
        assert_eq!(order, ["b0", "c0", "f0", "b1", "f1", "f2"]);
    }

    #[test]
    fn slots_are_bounded_per_tenant_and_overall() {
        let mut s = Scheduler::default();
        for i in 0..5 {
            s.push("a", format!("a{i}"));
            s.push("b", format!("b{i}"));
        }
        let max = |t: &str| if t == "a" { 1 } else { 3 };
        let mut started = Vec::new();
        while let Some((_, id)) = s.next(3, max) {
            started.push(id);
        }
        assert_eq!(started, ["a0", "b0", "b1"]);
        assert_eq!(s.totals(), (7, 3));
        assert_eq!((s.running("a"), s.running("b")), (1, 2));
        s.finished("a");
        assert_eq!(s.next(3, max).map(|(_, id)| id), Some("a1".to_string()));
        assert!(s.remove("a", "a3"));
        assert!(!s.remove("a", "a3"));
        assert_eq!(s.queued("a"), 2);
    }
}
