//! `GET /metrics`: the service's counters in the Prometheus text format (version 0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the request-duration histogram, in seconds.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0, 60.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    /// (route, status) → requests.
    requests: BTreeMap<(String, u16), u64>,
    durations: BTreeMap<String, Histogram>,
    /// (kind, final state) → jobs.
    jobs: BTreeMap<(String, String), u64>,
    /// tenant → refusals by code.
    refusals: BTreeMap<(String, String), u64>,
}

/// Counters of one service.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// Gauges read at scrape time.
pub struct Gauges {
    pub queued: usize,
    pub running: usize,
    pub draining: bool,
    /// tenant → (queued, running).
    pub tenants: BTreeMap<String, (usize, usize)>,
    /// tenant → (validations and runs that took a sandbox, their CPU seconds), since the
    /// tenant was set up (a reload that changes the tenant starts it again from 0). A cached
    /// verdict takes no sandbox, so these count the work really done for each tenant.
    pub sandboxes: BTreeMap<String, (u64, f64)>,
    /// tenant → (bytes its cache scope stores, the scope's bound): a tenant in a shared scope
    /// shows the scope's; a tenant without a cache is absent.
    pub caches: BTreeMap<String, (u64, u64)>,
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One answered request.
    pub fn request(&self, route: &str, status: u16, duration: Duration) {
        let mut m = self.lock();
        *m.requests.entry((route.to_string(), status)).or_default() += 1;
        let h = m.durations.entry(route.to_string()).or_default();
        let secs = duration.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// One job reached a final state.
    pub fn job(&self, kind: &str, state: &str) {
        *self
            .lock()
            .jobs
            .entry((kind.to_string(), state.to_string()))
            .or_default() += 1;
    }

    /// One request of `tenant` refused with `code` (quota, size, …).
    pub fn refusal(&self, tenant: &str, code: &str) {
        *self
            .lock()
            .refusals
            .entry((tenant.to_string(), code.to_string()))
            .or_default() += 1;
    }

    /// The exposition text.
    pub fn render(&self, gauges: &Gauges) -> String {
        let m = self.lock();
        let mut out = String::new();
        family(
            &mut out,
            ("selfheal_http_requests_total", "counter"),
            "HTTP requests answered, by route and status.",
            ["route", "status"],
            m.requests
                .iter()
                .map(|((route, status), n)| ([route.clone(), status.to_string()], n)),
        );
        let histogram = "selfheal_http_request_duration_seconds";
        header(
            &mut out,
            (histogram, "histogram"),
            "Time to answer a request, by route.",
        );
        for (route, h) in &m.durations {
            let route = escape(route);
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{histogram}_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "{histogram}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 {histogram}_sum{{route=\"{route}\"}} {}\n\
                 {histogram}_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        family(
            &mut out,
            ("selfheal_jobs_finished_total", "counter"),
            "Jobs that reached a final state, by kind and state.",
            ["kind", "state"],
            m.jobs
                .iter()
                .map(|((kind, state), n)| ([kind.clone(), state.clone()], n)),
        );
        family(
            &mut out,
            ("selfheal_refusals_total", "counter"),
            "Requests refused at the door, by tenant and code.",
            ["tenant", "code"],
            m.refusals
                .iter()
                .map(|((tenant, code), n)| ([tenant.clone(), code.clone()], n)),
        );
        family(
            &mut out,
            ("selfheal_jobs", "gauge"),
            "Jobs accepted and not finished, by state.",
            ["state"],
            [
                (["queued".to_string()], gauges.queued),
                (["running".to_string()], gauges.running),
            ],
        );
        family(
            &mut out,
            ("selfheal_tenant_jobs", "gauge"),
            "Jobs accepted and not finished, by tenant and state.",
            ["tenant", "state"],
            gauges
                .tenants
                .iter()
                .flat_map(|(tenant, (queued, running))| {
                    [
                        ([tenant.clone(), "queued".to_string()], queued),
                        ([tenant.clone(), "running".to_string()], running),
                    ]
                }),
        );
        family(
            &mut out,
            ("selfheal_tenant_sandbox_runs_total", "counter"),
            "Validations and runs that took a sandbox (cache hits take none), by tenant.",
            ["tenant"],
            gauges
                .sandboxes
                .iter()
                .map(|(t, (runs, _))| ([t.clone()], runs)),
        );
        family(
            &mut out,
            ("selfheal_tenant_sandbox_cpu_seconds_total", "counter"),
            "Sandbox CPU time charged, by tenant.",
            ["tenant"],
            gauges
                .sandboxes
                .iter()
                .map(|(t, (_, cpu))| ([t.clone()], cpu)),
        );
        family(
            &mut out,
            ("selfheal_tenant_cache_bytes", "gauge"),
            "Bytes the tenant's validation cache scope stores, by tenant.",
            ["tenant"],
            gauges
                .caches
                .iter()
                .map(|(t, (bytes, _))| ([t.clone()], bytes)),
        );
        family(
            &mut out,
            ("selfheal_tenant_cache_max_bytes", "gauge"),
            "The bound on the tenant's cache scope (least recently used entries are evicted beyond it), by tenant.",
            ["tenant"],
            gauges.caches.iter().map(|(t, (_, max))| ([t.clone()], max)),
        );
        family(
            &mut out,
            ("selfheal_draining", "gauge"),
            "1 while the service drains after SIGTERM.",
            [],
            [([], u8::from(gauges.draining))],
        );
        out
    }
}

/// Writes the `# HELP` and `# TYPE` lines that open the metric family `name` of type `kind`.
fn header(out: &mut String, (name, kind): (&str, &str), help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Writes a whole metric family: its header, then one sample a row, each row's label values
/// (escaped) named by `labels` in order; no labels write a bare `name value`.
fn family<const N: usize, V: std::fmt::Display>(
    out: &mut String,
    (name, kind): (&str, &str),
    help: &str,
    labels: [&str; N],
    rows: impl IntoIterator<Item = ([String; N], V)>,
) {
    header(out, (name, kind), help);
    for (values, value) in rows {
        let pairs: Vec<String> = labels
            .iter()
            .zip(&values)
            .map(|(label, v)| format!("{label}=\"{}\"", escape(v)))
            .collect();
        if pairs.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{}}} {value}", pairs.join(","));
        }
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gauges of one tenant `tenant`: 1 job queued and 2 running, 3 sandboxes of 0.5 CPU
    /// seconds, a cache of 4096 bytes bounded at 1 MiB.
    fn gauges(tenant: &str, draining: bool) -> Gauges {
        Gauges {
            queued: 1,
            running: 2,
            draining,
            tenants: [(tenant.to_string(), (1, 2))].into(),
            sandboxes: [(tenant.to_string(), (3, 0.5))].into(),
            caches: [(tenant.to_string(), (4096, 1 << 20))].into(),
        }
    }

    #[test]
    fn renders_counters_histograms_and_gauges() {
        let m = Metrics::default();
        m.request("/v1/check", 200, Duration::from_millis(3));
        m.request("/v1/check", 200, Duration::from_millis(30));
        m.job("check", "succeeded");
        m.refusal("a", "rate_limited");
        let text = m.render(&gauges("a", false));
        assert!(
            text.contains("selfheal_http_requests_total{route=\"/v1/check\",status=\"200\"} 2\n")
        );
        assert!(text.contains(
            "selfheal_http_request_duration_seconds_bucket{route=\"/v1/check\",le=\"0.005\"} 1\n"
        ));
        assert!(text.contains(
            "selfheal_http_request_duration_seconds_bucket{route=\"/v1/check\",le=\"+Inf\"} 2\n"
        ));
        assert!(
            text.contains("selfheal_jobs_finished_total{kind=\"check\",state=\"succeeded\"} 1\n")
        );
        assert!(text.contains("selfheal_refusals_total{tenant=\"a\",code=\"rate_limited\"} 1\n"));
        assert!(text.contains("selfheal_tenant_jobs{tenant=\"a\",state=\"running\"} 2\n"));
        assert!(text.contains("selfheal_tenant_sandbox_runs_total{tenant=\"a\"} 3\n"));
        assert!(text.contains("selfheal_tenant_sandbox_cpu_seconds_total{tenant=\"a\"} 0.5\n"));
        assert!(text.contains("selfheal_tenant_cache_bytes{tenant=\"a\"} 4096\n"));
        assert!(text.contains("selfheal_tenant_cache_max_bytes{tenant=\"a\"} 1048576\n"));
        assert!(text.contains("selfheal_draining 0\n"));
        assert_eq!(escape("a\"b\\"), "a\\\"b\\\\");
    }

    #[test]
    fn renders_every_family_in_order_with_escaped_labels() {
        let m = Metrics::default();
        m.job("check", "failed");
        m.refusal("q\"t", "too_many_jobs");
        let text = m.render(&gauges("b", true));
        let expected = "\
# HELP selfheal_http_requests_total HTTP requests answered, by route and status.
# TYPE selfheal_http_requests_total counter
# HELP selfheal_http_request_duration_seconds Time to answer a request, by route.
# TYPE selfheal_http_request_duration_seconds histogram
# HELP selfheal_jobs_finished_total Jobs that reached a final state, by kind and state.
# TYPE selfheal_jobs_finished_total counter
selfheal_jobs_finished_total{kind=\"check\",state=\"failed\"} 1
# HELP selfheal_refusals_total Requests refused at the door, by tenant and code.
# TYPE selfheal_refusals_total counter
selfheal_refusals_total{tenant=\"q\\\"t\",code=\"too_many_jobs\"} 1
# HELP selfheal_jobs Jobs accepted and not finished, by state.
# TYPE selfheal_jobs gauge
selfheal_jobs{state=\"queued\"} 1
selfheal_jobs{state=\"running\"} 2
# HELP selfheal_tenant_jobs Jobs accepted and not finished, by tenant and state.
# TYPE selfheal_tenant_jobs gauge
selfheal_tenant_jobs{tenant=\"b\",state=\"queued\"} 1
selfheal_tenant_jobs{tenant=\"b\",state=\"running\"} 2
# HELP selfheal_tenant_sandbox_runs_total Validations and runs that took a sandbox (cache hits take none), by tenant.
# TYPE selfheal_tenant_sandbox_runs_total counter
selfheal_tenant_sandbox_runs_total{tenant=\"b\"} 3
# HELP selfheal_tenant_sandbox_cpu_seconds_total Sandbox CPU time charged, by tenant.
# TYPE selfheal_tenant_sandbox_cpu_seconds_total counter
selfheal_tenant_sandbox_cpu_seconds_total{tenant=\"b\"} 0.5
# HELP selfheal_tenant_cache_bytes Bytes the tenant's validation cache scope stores, by tenant.
# TYPE selfheal_tenant_cache_bytes gauge
selfheal_tenant_cache_bytes{tenant=\"b\"} 4096
# HELP selfheal_tenant_cache_max_bytes The bound on the tenant's cache scope (least recently used entries are evicted beyond it), by tenant.
# TYPE selfheal_tenant_cache_max_bytes gauge
selfheal_tenant_cache_max_bytes{tenant=\"b\"} 1048576
# HELP selfheal_draining 1 while the service drains after SIGTERM.
# TYPE selfheal_draining gauge
selfheal_draining 1
";
        assert_eq!(text, expected);
    }
}
