//! The host-wide scheduler: a flooding tenant does not starve a light one, caps hold, CPU
//! minutes are enforced with exact retry-afters. Orders and counts, never wall-clock times:
//! the clock is a `ManualClock` wherever time matters.

use std::sync::Arc;
use std::time::Duration;

use selfheal::tenant::{
    Limit, ManualClock, SandboxPermit, Scheduler, TenantError, TenantId, TenantLimits,
};

fn id(s: &str) -> TenantId {
    TenantId::new(s).unwrap()
}

fn limits(sandboxes: usize) -> TenantLimits {
    TenantLimits {
        max_concurrent_sandboxes: sandboxes,
        ..TenantLimits::default()
    }
}

/// Spawns `n` tasks that each wait for a permit of `tenant`, hold it until told, and report
/// the permit through the channel.
fn request(
    s: &Scheduler,
    tenant: &TenantId,
    n: usize,
    granted: &tokio::sync::mpsc::UnboundedSender<SandboxPermit>,
) {
    for _ in 0..n {
        let s = s.clone();
        let tenant = tenant.clone();
        let granted = granted.clone();
        tokio::spawn(async move {
            let permit = s.acquire(&tenant).await.unwrap();
            granted.send(permit).unwrap();
        });
    }
}

/// Lets every spawned task run until it blocks.
async fn settle() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_flooding_tenant_does_not_starve_a_light_one() {
    let s = Scheduler::new(1);
    let (flood, light) = (id("flood"), id("light"));
    s.register(&flood, &limits(4));
    s.register(&light, &limits(4));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The flooding tenant queues 30 requests first, then the light one 3.
    request(&s, &flood, 30, &tx);
    settle().await;
    request(&s, &light, 3, &tx);
    settle().await;
    assert_eq!(s.usage(&flood).unwrap().waiting_sandboxes, 29);
    assert_eq!(s.usage(&light).unwrap().waiting_sandboxes, 3);

    // Serve them one at a time (one host slot): release each permit, record who got the next.
    let mut order = Vec::new();
    for _ in 0..33 {
        let permit = rx.recv().await.unwrap();
        order.push((permit.sequence(), permit.tenant().as_str().to_string()));
        drop(permit);
        settle().await;
    }
    order.sort();
    let tenants: Vec<&str> = order.iter().map(|(_, t)| t.as_str()).collect();
    // The flooder's first request took the free slot and its second was first in line; from
    // then on the two alternate while both wait: the light tenant never waits behind more
    // than one of the flooder's 30.
    assert_eq!(
        &tenants[..8],
        ["flood", "flood", "light", "flood", "light", "flood", "light", "flood"]
    );
    assert!(tenants[8..].iter().all(|t| *t == "flood"));
    assert_eq!(s.usage(&light).unwrap().sandboxes_granted, 3);
    assert_eq!(s.usage(&flood).unwrap().sandboxes_granted, 30);
    assert_eq!(s.running(), 0);
}

#[tokio::test(flavor = "current_thread")]
async fn three_tenants_share_slots_round_robin_and_caps_hold() {
    // Four host slots; tenant `a` may hold 1, `b` 2, `c` 4. Everyone floods.
    let s = Scheduler::new(4);
    for (t, cap) in [("a", 1), ("b", 2), ("c", 4)] {
        s.register(&id(t), &limits(cap));
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for t in ["a", "b", "c"] {
        request(&s, &id(t), 12, &tx);
    }
    settle().await;
    let mut held: Vec<SandboxPermit> = Vec::new();
    while let Ok(p) = rx.try_recv() {
        held.push(p);
    }
    // The first four grants: one each in turn, then the tenants still under their caps.
    let count =
        |held: &[SandboxPermit], t: &str| held.iter().filter(|p| p.tenant().as_str() == t).count();
    assert_eq!(held.len(), 4);
    assert_eq!(
        (count(&held, "a"), count(&held, "b"), count(&held, "c")),
        (1, 2, 1)
    );
    // Release the oldest permit again and again; the caps are never exceeded, and over the
    // whole run every tenant is served within one turn of the others.
    let mut grants = Vec::new();
    let mut max_seen = std::collections::HashMap::<String, usize>::new();
    while !held.is_empty() {
        held.sort_by_key(|p| p.sequence());
        let done = held.remove(0);
        drop(done);
        settle().await;
        while let Ok(p) = rx.try_recv() {
            grants.push(p.tenant().as_str().to_string());
            held.push(p);
        }
        for t in ["a", "b", "c"] {
            let n = count(&held, t);
            let m = max_seen.entry(t.to_string()).or_default();
            *m = (*m).max(n);
        }
        assert!(held.len() <= 4);
    }
    assert_eq!(grants.len(), 32);
    assert_eq!(max_seen["a"], 1);
    assert_eq!(max_seen["b"], 2);
    assert!(max_seen["c"] <= 4);
    for t in ["a", "b", "c"] {
        assert_eq!(s.usage(&id(t)).unwrap().sandboxes_granted, 12, "{t}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn tenants_that_all_flood_take_strict_turns() {
    let s = Scheduler::new(4);
    for t in ["a", "b", "c"] {
        s.register(&id(t), &limits(4));
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for t in ["a", "b", "c"] {
        request(&s, &id(t), 12, &tx);
        settle().await;
    }
    let mut held: Vec<SandboxPermit> = Vec::new();
    while let Ok(p) = rx.try_recv() {
        held.push(p);
    }
    // `a` came first, while the host was idle, and took every slot.
    assert!(held.iter().all(|p| p.tenant().as_str() == "a"));
    assert_eq!(held.len(), 4);
    let mut grants = Vec::new();
    while !held.is_empty() {
        held.sort_by_key(|p| p.sequence());
        drop(held.remove(0));
        settle().await;
        while let Ok(p) = rx.try_recv() {
            grants.push(p.tenant().as_str().to_string());
            held.push(p);
        }
    }
    // From then on, one each in turn while all three wait (a has 8 left, b and c 12).
    let expected: Vec<&str> = ["a", "b", "c"].iter().cycle().take(24).copied().collect();
    assert_eq!(grants[..24], expected[..]);
    assert_eq!(grants.len(), 32);
}

#[test]
fn queued_jobs_are_refused_at_the_limit_with_a_retry_after() {
    let clock = Arc::new(ManualClock::new());
    let s = Scheduler::with_clock(2, clock.clone());
    let t = id("t");
    s.register(
        &t,
        &TenantLimits {
            max_queued_jobs: 2,
            ..TenantLimits::default()
        },
    );
    let first = s.admit(&t).unwrap();
    let _second = s.admit(&t).unwrap();
    let err = s.admit(&t).unwrap_err();
    let TenantError::QueueFull {
        limit, retry_after, ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(*limit, 2);
    // No job has finished yet: the estimate is the 1 s floor.
    assert_eq!(*retry_after, Duration::from_secs(1));
    assert_eq!(err.limit(), Some(Limit::QueuedJobs));
    assert_eq!(err.limit_value().as_deref(), Some("2"));
    assert_eq!(
        err.to_string(),
        "tenant t: queued_jobs limit reached (2 jobs waiting or running); retry in 1s"
    );
    // A job of 8 s ends: the next estimate is its duration.
    clock.advance(Duration::from_secs(8));
    drop(first);
    let _third = s.admit(&t).unwrap();
    match s.admit(&t).unwrap_err() {
        TenantError::QueueFull { retry_after, .. } => {
            assert_eq!(retry_after, Duration::from_secs(8))
        }
        other => panic!("{other}"),
    }
    assert_eq!(s.usage(&t).unwrap().jobs, 2);
}

#[test]
fn a_spent_cpu_minute_refuses_jobs_until_it_ages_out() {
    let clock = Arc::new(ManualClock::new());
    let s = Scheduler::with_clock(2, clock.clone());
    let t = id("t");
    s.register(
        &t,
        &TenantLimits {
            cpu_per_minute: Duration::from_secs(10),
            ..TenantLimits::default()
        },
    );
    let mut p = s.try_acquire(&t).unwrap();
    p.charge(Duration::from_secs(4));
    drop(p); // t = 0: 4 s
    clock.advance(Duration::from_secs(20));
    let mut p = s.try_acquire(&t).unwrap();
    p.charge(Duration::from_secs(7));
    drop(p); // t = 20: 7 s, 11 s in the minute
    clock.advance(Duration::from_secs(5)); // t = 25
    let err = s.admit(&t).unwrap_err();
    let TenantError::CpuQuotaSpent {
        limit,
        spent,
        retry_after,
        ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(*limit, Duration::from_secs(10));
    assert_eq!(*spent, Duration::from_secs(11));
    // The first 4 s age out at t = 60, leaving 7 s < 10 s.
    assert_eq!(*retry_after, Duration::from_secs(35));
    assert_eq!(err.limit(), Some(Limit::CpuSecondsPerMinute));
    assert_eq!(err.limit_value().as_deref(), Some("10s"));
    assert_eq!(
        err.to_string(),
        "tenant t: cpu_seconds_per_minute limit reached (11s of 10s used in the last 60 s); \
         retry in 35s"
    );
    assert!(matches!(
        s.try_acquire(&t).unwrap_err(),
        TenantError::CpuQuotaSpent { .. }
    ));
    clock.advance(Duration::from_secs(34));
    assert!(s.admit(&t).is_err());
    clock.advance(Duration::from_secs(1));
    let _job = s.admit(&t).unwrap();
    assert_eq!(s.usage(&t).unwrap().cpu_last_minute, Duration::from_secs(7));
    assert_eq!(s.usage(&t).unwrap().cpu_total, Duration::from_secs(11));
}

#[tokio::test(flavor = "current_thread")]
async fn a_tenant_out_of_cpu_waits_while_others_are_served() {
    let clock = Arc::new(ManualClock::new());
    let s = Scheduler::with_clock(1, clock.clone());
    let (heavy, light) = (id("heavy"), id("light"));
    s.register(
        &heavy,
        &TenantLimits {
            cpu_per_minute: Duration::from_secs(5),
            ..TenantLimits::default()
        },
    );
    s.register(&light, &TenantLimits::default());
    let mut p = s.try_acquire(&heavy).unwrap();
    p.charge(Duration::from_secs(6));
    drop(p);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    request(&s, &heavy, 2, &tx);
    settle().await;
    request(&s, &light, 2, &tx);
    settle().await;
    // The heavy tenant is first in line but out of CPU: the light one gets the slot.
    let mut served = Vec::new();
    for _ in 0..2 {
        let p = rx.recv().await.unwrap();
        served.push(p.tenant().as_str().to_string());
        drop(p);
        settle().await;
    }
    assert_eq!(served, ["light", "light"]);
    assert!(rx.try_recv().is_err());
    assert_eq!(s.usage(&heavy).unwrap().waiting_sandboxes, 2);
    // Once its minute frees, it is served again.
    clock.advance(Duration::from_secs(60));
    s.reschedule();
    settle().await;
    let p = rx.recv().await.unwrap();
    assert_eq!(p.tenant(), &heavy);
}

#[test]
fn try_acquire_names_the_cap_in_the_way() {
    let s = Scheduler::new(2);
    let (a, b, c) = (id("a"), id("b"), id("c"));
    s.register(&a, &limits(1));
    s.register(&b, &limits(1));
    s.register(&c, &limits(1));
    let _pa = s.try_acquire(&a).unwrap();
    let err = s.try_acquire(&a).unwrap_err();
    assert!(
        matches!(err, TenantError::SandboxesBusy { limit: 1, .. }),
        "{err}"
    );
    assert_eq!(err.limit(), Some(Limit::ConcurrentSandboxes));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    let _pb = s.try_acquire(&b).unwrap();
    let err = s.try_acquire(&c).unwrap_err();
    assert!(
        matches!(err, TenantError::HostBusy { limit: 2, .. }),
        "{err}"
    );
    assert!(matches!(
        s.try_acquire(&id("nobody")).unwrap_err(),
        TenantError::UnknownTenant { .. }
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn closing_refuses_new_jobs_but_running_ones_get_sandboxes() {
    let s = Scheduler::new(1);
    let t = id("t");
    s.register(&t, &TenantLimits::default());
    let job = s.admit(&t).unwrap();
    s.close();
    assert!(matches!(
        s.admit(&t).unwrap_err(),
        TenantError::ShuttingDown
    ));
    let permit = s.acquire(&t).await.unwrap();
    drop(permit);
    drop(job);
    assert_eq!(s.usage(&t).unwrap().jobs, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn removing_a_tenant_fails_its_waiters() {
    let s = Scheduler::new(1);
    let (a, b) = (id("a"), id("b"));
    s.register(&a, &TenantLimits::default());
    s.register(&b, &TenantLimits::default());
    let held = s.try_acquire(&b).unwrap();
    let waiting = {
        let s = s.clone();
        let a = a.clone();
        tokio::spawn(async move { s.acquire(&a).await })
    };
    settle().await;
    assert!(s.unregister(&a));
    let err = waiting.await.unwrap().unwrap_err();
    assert!(matches!(err, TenantError::UnknownTenant { .. }), "{err}");
    drop(held);
    assert_eq!(s.running(), 0);
}
