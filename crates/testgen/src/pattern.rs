//! Indicator patterns: valid STIX patterns of several shapes (section 9 and the grammar in
//! `fixtures/conformance/stix2-json-schemas/pattern_grammar`), patterns of the other pattern
//! languages of pattern-type-ov, and invalid STIX patterns tagged with the rule they break.

use crate::rng::Rng;
use crate::values::{self as v, Instant, Precision};

/// A valid pattern for `pattern_type` `kind`.
pub fn for_type(kind: &str, r: &mut Rng) -> String {
    match kind {
        "stix" => stix(r),
        "pcre" => "/(?i)evil\\.example\\.(com|net)/".to_owned(),
        "sigma" => "title: Suspicious PowerShell\nlogsource:\n  product: windows\ndetection:\n  sel:\n    CommandLine|contains: '-enc'\n  condition: sel".to_owned(),
        "snort" => "alert tcp any any -> $HOME_NET 445 (msg:\"SMB probe\"; sid:1000001; rev:1;)".to_owned(),
        "suricata" => "alert http any any -> any any (msg:\"bad UA\"; http.user_agent; content:\"evil\"; sid:2;)".to_owned(),
        _ => "rule demo { strings: $a = \"evil\" condition: $a }".to_owned(),
    }
}

fn literal_ts(r: &mut Rng) -> (Instant, String) {
    let t = Instant::random(r);
    (t, format!("t'{}'", t.format(Precision::Seconds)))
}

/// One comparison expression on a single object type.
fn comparison(r: &mut Rng) -> String {
    match r.below(14) {
        0 => format!("ipv4-addr:value = '{}'", v::ipv4(r)),
        1 => format!("file:hashes.'SHA-256' = '{}'", v::hex(r, 64)),
        2 => format!("file:hashes.MD5 = '{}'", v::hex(r, 32)),
        3 => format!("domain-name:value = '{}'", v::domain(r)),
        4 => format!(
            "url:value LIKE '%{}%'",
            r.pick(&["login", "payload", "wp-admin"])
        ),
        5 => "file:name MATCHES '^.*\\\\.exe$'".to_owned(),
        6 => format!(
            "network-traffic:dst_port = {} AND network-traffic:protocols[*] = 'tcp'",
            r.pick(&[22, 80, 443, 4444])
        ),
        7 => format!("process:pid > {}", r.range(1, 4000)),
        8 => "ipv4-addr:value ISSUBSET '198.51.100.0/24'".to_owned(),
        9 => format!("email-message:from_ref.value = '{}'", v::email(r)),
        10 => "file:size IN (1024, 2048, 4096)".to_owned(),
        11 => "windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Run'".to_owned(),
        12 => format!(
            "email-addr:value = '{}' OR email-addr:value = '{}'",
            v::email(r),
            v::email(r)
        ),
        _ => format!("x509-certificate:serial_number != '{}'", v::hex(r, 8)),
    }
}

/// A valid STIX pattern: one observation, observation operators, or qualifiers.
pub fn stix(r: &mut Rng) -> String {
    let obs = |r: &mut Rng| format!("[{}]", comparison(r));
    match r.below(8) {
        0..=2 => obs(r),
        3 => format!("{} AND {}", obs(r), obs(r)),
        4 => format!("{} OR {}", obs(r), obs(r)),
        5 => format!(
            "{} FOLLOWEDBY {} WITHIN {} SECONDS",
            obs(r),
            obs(r),
            r.range(1, 3600)
        ),
        6 => format!("{} REPEATS {} TIMES", obs(r), r.range(2, 10)),
        _ => {
            let (t0, a) = literal_ts(r);
            let b = format!(
                "t'{}'",
                t0.strictly_later(r, 86_400 * 30).format(Precision::Seconds)
            );
            format!("({}) START {a} STOP {b}", obs(r))
        }
    }
}

/// An invalid STIX pattern, the checklist rule it breaks (Part 3 of the checklist) and what
/// is wrong with it ("(semantic)" marks rules beyond the grammar, P-17).
pub fn invalid_stix(r: &mut Rng) -> (String, &'static str, &'static str) {
    match r.below(12) {
        0 => (
            format!("[ipv4-addr:value = '{}'", v::ipv4(r)),
            "P-1",
            "unbalanced bracket",
        ),
        1 => (
            format!("ipv4-addr:value = '{}'", v::ipv4(r)),
            "P-4",
            "missing square brackets",
        ),
        2 => (
            format!(
                "[domain-name:value = '{}'] and [url:value = 'x']",
                v::domain(r)
            ),
            "P-3",
            "lowercase keyword",
        ),
        3 => (
            format!(
                "[file:name = 'a.exe'] WITHIN {} SECONDS WITHIN 5 SECONDS",
                r.range(10, 99)
            ),
            "P-8",
            "duplicate WITHIN qualifier",
        ),
        4 => (
            "[file:hashes.'SHA-256' = 'f00']".to_owned(),
            "P-16",
            "malformed SHA-256 literal",
        ),
        5 => ("[file:size = ]".to_owned(), "P-1", "missing operand"),
        6 => (
            "[x:created = t'2024-13-01T12:00:00Z']".to_owned(),
            "P-10",
            "timestamp literal month 13",
        ),
        7 => (
            "[file:name = 'a'] REPEATS 0 TIMES".to_owned(),
            "P-7",
            "REPEATS 0 (semantic)",
        ),
        8 => (
            "[file:name = 'a'] START t'2016-06-01T00:00:00Z' STOP t'2015-06-01T00:00:00Z'"
                .to_owned(),
            "P-7",
            "STOP before START (semantic)",
        ),
        9 => (
            "[file:name MATCHES '(unclosed']".to_owned(),
            "P-9",
            "MATCHES with an invalid regex (semantic)",
        ),
        10 => (
            "[file:size IN (1, 'a')]".to_owned(),
            "P-9",
            "IN with mixed types (semantic)",
        ),
        _ => (
            format!("[file:name = 'a' AND ipv4-addr:value = '{}']", v::ipv4(r)),
            "P-5",
            "AND across object types (semantic)",
        ),
    }
}
