//! Operational metrics in the Prometheus text format (`GET /metrics`, operators only).
//!
//! A handful of counters and one latency histogram, kept in the process (reset on restart, as
//! Prometheus expects of counters). Written here rather than with a metrics crate: the set is
//! small and fixed, and the exposition format is a few lines of text.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default)]
struct Histogram {
    /// Count per bucket (not cumulative; summed when written).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Inner {
    /// (endpoint, status) -> requests.
    requests: BTreeMap<(&'static str, u16), u64>,
    /// endpoint -> latency.
    latency: BTreeMap<&'static str, Histogram>,
    /// endpoint -> pages of objects, manifests or versions served.
    pages: BTreeMap<&'static str, u64>,
    /// reason -> requests for one object answered "not found" because the rules withheld it.
    denials: BTreeMap<String, u64>,
    objects_ingested: u64,
    objects_pulled: u64,
    objects_relayed: u64,
}

/// The server's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    fn with(&self, f: impl FnOnce(&mut Inner)) {
        // A poisoned lock only means a panic elsewhere while counting: keep counting.
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut g);
    }

    /// One HTTP request: its endpoint, status and how long it took.
    pub fn request(&self, endpoint: &'static str, status: u16, took: Duration) {
        let secs = took.as_secs_f64();
        self.with(|m| {
            *m.requests.entry((endpoint, status)).or_default() += 1;
            let h = m.latency.entry(endpoint).or_default();
            if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
                h.buckets[i] += 1;
            }
            h.count += 1;
            h.sum += secs;
        });
    }

    pub fn page(&self, endpoint: &'static str) {
        self.with(|m| *m.pages.entry(endpoint).or_default() += 1);
    }

    pub fn denial(&self, reason: &str) {
        self.with(|m| *m.denials.entry(reason.to_owned()).or_default() += 1);
    }

    pub fn ingested(&self, n: u64) {
        self.with(|m| m.objects_ingested += n);
    }

    pub fn pulled(&self, n: u64) {
        self.with(|m| m.objects_pulled += n);
    }

    pub fn relayed(&self, n: u64) {
        self.with(|m| m.objects_relayed += n);
    }

    /// The exposition text; `store_bytes` is the size of the database files now.
    pub fn render(&self, store_bytes: u64) -> String {
        let m = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP schakel_http_requests_total HTTP requests by endpoint and status.\n# TYPE schakel_http_requests_total counter"
        );
        for ((endpoint, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "schakel_http_requests_total{{endpoint=\"{endpoint}\",status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP schakel_http_request_duration_seconds Time to answer, by endpoint.\n# TYPE schakel_http_request_duration_seconds histogram"
        );
        for (endpoint, h) in &m.latency {
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "schakel_http_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "schakel_http_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"+Inf\"}} {}\nschakel_http_request_duration_seconds_sum{{endpoint=\"{endpoint}\"}} {}\nschakel_http_request_duration_seconds_count{{endpoint=\"{endpoint}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP schakel_pages_served_total Pages of objects, manifests and versions served.\n# TYPE schakel_pages_served_total counter"
        );
        for (endpoint, n) in &m.pages {
            let _ = writeln!(
                out,
                "schakel_pages_served_total{{endpoint=\"{endpoint}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP schakel_denials_total Requests for one object answered not found because the access rules withheld it, by reason.\n# TYPE schakel_denials_total counter"
        );
        for (reason, n) in &m.denials {
            let _ = writeln!(out, "schakel_denials_total{{reason=\"{reason}\"}} {n}");
        }
        for (name, help, n) in [
            (
                "schakel_objects_ingested_total",
                "Object versions stored from POST requests.",
                m.objects_ingested,
            ),
            (
                "schakel_objects_pulled_total",
                "Object versions stored by upstream subscriptions.",
                m.objects_pulled,
            ),
            (
                "schakel_objects_relayed_total",
                "Object versions relayed (new copies and copies given more recipients).",
                m.objects_relayed,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP schakel_store_bytes Size of the database files (objects, audit, write-ahead logs).\n# TYPE schakel_store_bytes gauge\nschakel_store_bytes {store_bytes}"
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = Metrics::default();
        m.request("objects", 200, Duration::from_millis(3));
        m.request("objects", 200, Duration::from_millis(30));
        m.request("objects", 404, Duration::from_secs(20));
        m.page("objects");
        m.denial("personal-data-no-designation");
        m.ingested(5);
        let text = m.render(4096);
        for line in [
            "schakel_http_requests_total{endpoint=\"objects\",status=\"200\"} 2",
            "schakel_http_requests_total{endpoint=\"objects\",status=\"404\"} 1",
            "schakel_http_request_duration_seconds_bucket{endpoint=\"objects\",le=\"0.005\"} 1",
            "schakel_http_request_duration_seconds_bucket{endpoint=\"objects\",le=\"0.05\"} 2",
            "schakel_http_request_duration_seconds_bucket{endpoint=\"objects\",le=\"10\"} 2",
            "schakel_http_request_duration_seconds_bucket{endpoint=\"objects\",le=\"+Inf\"} 3",
            "schakel_http_request_duration_seconds_count{endpoint=\"objects\"} 3",
            "schakel_pages_served_total{endpoint=\"objects\"} 1",
            "schakel_denials_total{reason=\"personal-data-no-designation\"} 1",
            "schakel_objects_ingested_total 5",
            "schakel_store_bytes 4096",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
        // Every sample belongs to a family declared with HELP and TYPE.
        for l in text.lines().filter(|l| !l.starts_with('#')) {
            let name = l.split(['{', ' ']).next().unwrap_or_default();
            let family = name
                .trim_end_matches("_bucket")
                .trim_end_matches("_sum")
                .trim_end_matches("_count");
            assert!(text.contains(&format!("# TYPE {family} ")), "{l}");
        }
    }
}
