//! Checks on a parsed pattern: those stix2-patterns makes (P-8, P-16) and, for
//! [`super::validate`], those of the specification's prose that no OASIS tool makes (P-17).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::ast::*;
use super::{PatternFinding, line_col};
use crate::finding::Severity;
use crate::spec::Category;

struct Out<'a> {
    input: &'a str,
    findings: Vec<PatternFinding>,
    /// (type, first property) pairs already reported as unknown, to say it once.
    unknown_reported: Vec<(&'a str, &'a str)>,
}

impl Out<'_> {
    fn push(&mut self, rule: &'static str, severity: Severity, span: Span, message: String) {
        let (line, column) = line_col(self.input, span.start);
        self.findings.push(PatternFinding {
            rule,
            severity,
            message,
            line,
            column,
        });
    }

    fn error(&mut self, rule: &'static str, span: Span, message: String) {
        self.push(rule, Severity::Error, span, message);
    }

    fn warn(&mut self, rule: &'static str, span: Span, message: String) {
        self.push(rule, Severity::Warning, span, message);
    }
}

/// Runs the checks; `semantic` adds the P-17 checks of [`super::validate`].
pub(super) fn check<'a>(
    input: &'a str,
    pattern: &'a Pattern,
    semantic: bool,
) -> Vec<PatternFinding> {
    let mut out = Out {
        input,
        findings: Vec::new(),
        unknown_reported: Vec::new(),
    };
    pattern.root.walk(&mut |expr| match expr {
        ObservationExpr::Observation {
            comparison,
            qualifiers,
            ..
        } => {
            duplicate_qualifiers(qualifiers, Severity::Error, &mut out);
            comparison.for_each_comparison(&mut |c| hash_format(c, &mut out));
            if semantic {
                qualifiers.iter().for_each(|q| qualifier(q, &mut out));
                comparison.for_each_comparison(&mut |c| comparison_semantics(c, &mut out));
                one_object_type_per_and(comparison, &mut out);
            }
        }
        ObservationExpr::Group { qualifiers, .. } if semantic => {
            // stix2-patterns accepts `(..) WITHIN 1 SECONDS WITHIN 2 SECONDS` (its own tests
            // expect it valid), so this is only a warning.
            duplicate_qualifiers(qualifiers, Severity::Warning, &mut out);
            qualifiers.iter().for_each(|q| qualifier(q, &mut out));
        }
        _ => {}
    });
    out.findings
}

// -------------------------------------------------------------------------------------------
// What stix2-patterns 2.1.2 checks

/// P-8: one qualifier type at most once directly on an observation expression.
fn duplicate_qualifiers(qualifiers: &[Qualifier], severity: Severity, out: &mut Out<'_>) {
    for (i, q) in qualifiers.iter().enumerate() {
        let ty = q.kind.qualifier_type();
        if qualifiers[..i]
            .iter()
            .any(|p| p.kind.qualifier_type() == ty)
        {
            let what = if severity == Severity::Error {
                "observation expression"
            } else {
                "parenthesised observation expression"
            };
            out.push(
                "P-8",
                severity,
                q.span,
                format!(
                    "duplicate qualifier type {}: a qualifier type may be applied to an {what} \
                     only once (parenthesise to qualify again)",
                    ty.as_str()
                ),
            );
        }
    }
}

/// Expected shape of a hash value, by normalised algorithm name.
enum HashShape {
    /// Hex digits, one of these lengths.
    Hex(&'static [usize]),
    /// stix2-patterns: `^[a-zA-Z0-9/+:.]{1,128}$`.
    Ssdeep,
    /// 70 hex digits, optionally after the `T1` version prefix of TLSH 4.
    Tlsh,
}

/// Algorithms stix2-patterns 2.1.2 knows (its names upper-cased with `-` removed, so `sha-256`
/// and `SHA256` are aliases of `SHA-256`), plus TLSH from the STIX 2.1 hash-algorithm-ov.
fn hash_shape(normalised: &str) -> Option<(HashShape, &'static str)> {
    Some(match normalised {
        "MD5" => (HashShape::Hex(&[32]), "MD5"),
        "MD6" => (HashShape::Hex(&[32, 40, 56, 64, 96, 128]), "MD6"),
        "RIPEMD160" => (HashShape::Hex(&[40]), "RIPEMD-160"),
        "SHA1" => (HashShape::Hex(&[40]), "SHA-1"),
        "SHA224" => (HashShape::Hex(&[56]), "SHA-224"),
        "SHA256" => (HashShape::Hex(&[64]), "SHA-256"),
        "SHA384" => (HashShape::Hex(&[96]), "SHA-384"),
        "SHA512" => (HashShape::Hex(&[128]), "SHA-512"),
        "SHA3224" => (HashShape::Hex(&[56]), "SHA3-224"),
        "SHA3256" => (HashShape::Hex(&[64]), "SHA3-256"),
        "SHA3384" => (HashShape::Hex(&[96]), "SHA3-384"),
        "SHA3512" => (HashShape::Hex(&[128]), "SHA3-512"),
        "WHIRLPOOL" => (HashShape::Hex(&[128]), "WHIRLPOOL"),
        "SSDEEP" => (HashShape::Ssdeep, "SSDEEP"),
        "TLSH" => (HashShape::Tlsh, "TLSH"),
        _ => return None,
    })
}

fn hash_value_ok(shape: &HashShape, v: &str) -> bool {
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    match shape {
        HashShape::Hex(lengths) => lengths.contains(&v.len()) && hex(v),
        HashShape::Ssdeep => {
            (1..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b':' | b'.'))
        }
        HashShape::Tlsh => {
            let digits = v.strip_prefix("T1").unwrap_or(v);
            digits.len() == 70 && hex(digits)
        }
    }
}

fn shape_text(shape: &HashShape) -> String {
    match shape {
        HashShape::Hex([n]) => format!("{n} hex digits"),
        HashShape::Hex(ns) => format!(
            "{} hex digits",
            ns.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        HashShape::Ssdeep => "1 to 128 characters of A-Z a-z 0-9 / + : .".to_owned(),
        HashShape::Tlsh => "70 hex digits, optionally after T1".to_owned(),
    }
}

/// P-16 (c): a constant compared with `hashes.<ALG>` has that algorithm's format. Like
/// stix2-patterns, any path with a `hashes` step whose last step names a known algorithm
/// counts; unlike it, LIKE and MATCHES operands are not checked (they are not hash values but
/// wildcard and regular expressions, and the specification allows them on hashes), and each
/// member of an IN set is checked on its own (stix2-patterns checks the set's text).
fn hash_format(c: &Comparison, out: &mut Out<'_>) {
    let path = &c.path;
    let mentions_hashes = &*path.first == "hashes"
        || path
            .steps
            .iter()
            .any(|s| matches!(s, PathStep::Key(k) if &**k == "hashes"));
    if !mentions_hashes {
        return;
    }
    let selector = match path.steps.last() {
        Some(PathStep::Key(k)) => k,
        Some(_) => return,
        None => &path.first,
    };
    // stix2-patterns' normalisation (upper case, no '-'), without allocating: every known
    // name is ASCII and at most 9 characters long.
    let mut buf = [0u8; 16];
    let mut len = 0;
    for b in selector.bytes().filter(|&b| b != b'-') {
        if len == buf.len() {
            return;
        }
        buf[len] = b.to_ascii_uppercase();
        len += 1;
    }
    let Some((shape, name)) = std::str::from_utf8(&buf[..len]).ok().and_then(hash_shape) else {
        return;
    };
    let mut check = |v: &str| {
        if !hash_value_ok(&shape, v) {
            out.error(
                "P-16",
                c.value_span,
                format!(
                    "'{v}' is not a valid {name} hash (expected {})",
                    shape_text(&shape)
                ),
            );
        }
    };
    // A non-string constant is checked as written, as stix2-patterns does (it never passes
    // unless its digits happen to look like the hash).
    let mut check_literal = |l: &Literal| match l {
        Literal::String(v) => check(v),
        other => check(&other.to_string()),
    };
    match &c.test {
        Test::Like(_) | Test::Matches(_) | Test::Exists => {}
        Test::IsSubset(v) | Test::IsSuperset(v) => check_literal(&Literal::String(v.clone())),
        Test::In(items) => items.iter().for_each(check_literal),
        other => {
            if let Some(l) = other.literal() {
                check_literal(l)
            }
        }
    }
}

// -------------------------------------------------------------------------------------------
// What neither OASIS tool checks (P-17)

/// P-7 and P-10 on a qualifier.
fn qualifier(q: &Qualifier, out: &mut Out<'_>) {
    match &q.kind {
        QualifierKind::Within(n) => {
            if !n.is_positive() {
                out.error(
                    "P-7",
                    q.span,
                    format!("WITHIN {n} SECONDS: the time window must be a positive number"),
                );
            }
            plus_sign(n, q.span, out);
        }
        QualifierKind::Repeats(n) => {
            if !n.is_positive() {
                out.error(
                    "P-7",
                    q.span,
                    format!("REPEATS {n} TIMES: the count must be a positive integer"),
                );
            }
            plus_sign(n, q.span, out);
        }
        QualifierKind::StartStop { start, stop } => {
            calendar(start, q.span, out);
            calendar(stop, q.span, out);
            if let (Timestamp::Valid(a), Timestamp::Valid(b)) = (start, stop)
                && a >= b
            {
                out.error(
                    "P-7",
                    q.span,
                    format!(
                        "START {} is not before STOP {}: matching needs START <= t < STOP, \
                         so nothing can match",
                        a.as_str(),
                        b.as_str()
                    ),
                );
            }
        }
    }
}

fn plus_sign(n: &Number, span: Span, out: &mut Out<'_>) {
    if n.has_plus() {
        out.warn(
            "P-10",
            span,
            format!(
                "'{n}': positive numbers are written without '+' (consumers accept it, \
                 producers must not write it)"
            ),
        );
    }
}

fn calendar(ts: &Timestamp, span: Span, out: &mut Out<'_>) {
    if let Timestamp::NotCalendar(text) = ts {
        out.error(
            "P-10",
            span,
            format!("t'{text}' is not a valid date and time (the calendar has no such day)"),
        );
    }
}

fn literal(l: &Literal, span: Span, out: &mut Out<'_>) {
    match l {
        Literal::Int(n) | Literal::Float(n) => plus_sign(n, span, out),
        Literal::Timestamp(ts) => calendar(ts, span, out),
        _ => {}
    }
}

fn comparison_semantics<'a>(c: &'a Comparison, out: &mut Out<'a>) {
    for step in &c.path.steps {
        if let PathStep::Index(n) = step {
            plus_sign(n, c.path.span, out);
        }
    }
    object_type_and_property(&c.path, out);
    if let Some(l) = c.test.literal() {
        literal(l, c.value_span, out);
    }
    match &c.test {
        Test::In(items) => {
            items.iter().for_each(|l| literal(l, c.value_span, out));
            if let Some(first) = items.first() {
                let kind = first.kind();
                if let Some(other) = items.iter().find(|l| l.kind() != kind) {
                    out.error(
                        "P-9",
                        c.value_span,
                        format!(
                            "the IN set mixes {} and {} constants: its constants must all \
                             have one type",
                            kind.as_str(),
                            other.kind().as_str()
                        ),
                    );
                }
            }
        }
        Test::IsSubset(v) | Test::IsSuperset(v) => ip_set_operation(c, v, out),
        Test::Matches(re) => regex(re, c.value_span, out),
        _ => {}
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum IpFamily {
    V4,
    V6,
    Either,
}

/// The address family a path's value has, if it is an IP address value: `ipv4-addr:value`,
/// `ipv6-addr:value`, or `value` right after a `_ref` / `_refs` step (a list index between
/// them allowed), e.g. `network-traffic:dst_ref.value`, `domain-name:resolves_to_refs[*].value`.
fn ip_value_path(p: &ObjectPath) -> Option<IpFamily> {
    if p.steps.is_empty() {
        return match (&*p.object_type, &*p.first) {
            ("ipv4-addr", "value") => Some(IpFamily::V4),
            ("ipv6-addr", "value") => Some(IpFamily::V6),
            _ => None,
        };
    }
    let (last, before) = p.steps.split_last()?;
    if !matches!(last, PathStep::Key(k) if &**k == "value") {
        return None;
    }
    let before = match before.split_last() {
        Some((PathStep::Index(_) | PathStep::AnyIndex, rest)) => rest,
        _ => before,
    };
    let reference = match before.last() {
        Some(PathStep::Key(k)) => k,
        Some(_) => return None,
        None => &p.first,
    };
    (reference.ends_with("_ref") || reference.ends_with("_refs")).then_some(IpFamily::Either)
}

/// The family of an address or CIDR block (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.1`).
fn ip_or_cidr(s: &str) -> Option<IpFamily> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let (family, max) = if addr.parse::<Ipv4Addr>().is_ok() {
        (IpFamily::V4, 32)
    } else if addr.parse::<Ipv6Addr>().is_ok() {
        (IpFamily::V6, 128)
    } else {
        return None;
    };
    match prefix {
        None => Some(family),
        Some(p)
            if (1..=3).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| n <= max) =>
        {
            Some(family)
        }
        Some(_) => None,
    }
}

/// P-9: ISSUBSET / ISSUPERSET compare an IP address value with an address or CIDR block.
fn ip_set_operation(c: &Comparison, operand: &str, out: &mut Out<'_>) {
    let op = c.test.operator();
    let Some(path_family) = ip_value_path(&c.path) else {
        out.error(
            "P-9",
            c.path.span,
            format!(
                "{op} applies to an ipv4-addr or ipv6-addr value (or a _ref path to one), \
                 not to {}",
                c.path
            ),
        );
        return;
    };
    match ip_or_cidr(operand) {
        None => out.error(
            "P-9",
            c.value_span,
            format!("'{operand}' is not an IPv4 or IPv6 address or CIDR block"),
        ),
        Some(f) if path_family != IpFamily::Either && f != path_family => {
            let (want, path) = if path_family == IpFamily::V4 {
                ("IPv4", "ipv4-addr")
            } else {
                ("IPv6", "ipv6-addr")
            };
            out.error(
                "P-9",
                c.value_span,
                format!("'{operand}' is not an {want} address or CIDR block (the path is an {path} value)"),
            );
        }
        Some(_) => {}
    }
}

/// P-9: a MATCHES operand must be a PCRE regular expression. It is parsed with fancy-regex's
/// parser (not compiled: building the automata costs about 100 us, the parse a few); only
/// failures that are syntax errors in PCRE as well are errors, since fancy-regex lacks some
/// PCRE constructs (those are warnings).
fn regex(re: &str, span: Span, out: &mut Out<'_>) {
    use fancy_regex::{Error, ParseError};
    let Err(e) = fancy_regex::Expr::parse_tree(re) else {
        return;
    };
    let definite = match &e {
        Error::ParseError(pos, kind) => match kind {
            ParseError::UnclosedOpenParen | ParseError::TrailingBackslash => true,
            ParseError::GeneralParseError(m) => m == "end of string not reached",
            // A quantifier with nothing before it: `*a`, `(+a)`, `a|?b`.
            ParseError::TargetNotRepeatable => re
                .get(..*pos)
                .is_some_and(|b| b.is_empty() || b.ends_with(['(', '|'])),
            _ => false,
        },
        _ => false,
    };
    if definite {
        out.error(
            "P-9",
            span,
            format!("the MATCHES operand is not a valid regular expression: {e}"),
        );
    } else {
        out.warn(
            "P-9",
            span,
            format!(
                "the MATCHES operand could not be compiled here and may use a PCRE construct \
                 other engines lack: {e}"
            ),
        );
    }
}

/// P-5: comparisons joined by AND inside one observation expression must be satisfiable by
/// one object, so they cannot be on different object types. Under OR the operands may differ;
/// an AND of two expressions needs a type both can be about.
fn one_object_type_per_and(expr: &ComparisonExpr, out: &mut Out<'_>) {
    let mut first_type = None;
    let mut uniform = true;
    expr.for_each_comparison(&mut |c| match first_type {
        None => first_type = Some(&c.path.object_type),
        Some(t) => uniform &= t == &c.path.object_type,
    });
    if !uniform {
        possible_types(expr, out);
    }
}

/// The object types an expression can be satisfied by, reporting ANDs that leave none.
fn possible_types<'a>(expr: &'a ComparisonExpr, out: &mut Out<'_>) -> Vec<&'a str> {
    match expr {
        ComparisonExpr::Comparison(c) => vec![&*c.path.object_type],
        ComparisonExpr::Group(inner) => possible_types(inner, out),
        ComparisonExpr::Or(items) => {
            let mut all = Vec::new();
            for item in items {
                for t in possible_types(item, out) {
                    if !all.contains(&t) {
                        all.push(t);
                    }
                }
            }
            all
        }
        ComparisonExpr::And(items) => {
            let mut acc: Vec<&str> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let types = possible_types(item, out);
                if i == 0 {
                    acc = types;
                    continue;
                }
                let common: Vec<&str> = acc.iter().copied().filter(|t| types.contains(t)).collect();
                if common.is_empty() {
                    let mut span = Span::default();
                    item.for_each_comparison(&mut |c| {
                        if span.end == 0 {
                            span = c.span;
                        }
                    });
                    out.error(
                        "P-5",
                        span,
                        format!(
                            "AND joins comparisons on different object types ({} and {}) inside \
                             one observation expression; no single object can match: use OR, or \
                             separate observation expressions",
                            acc.join("/"),
                            types.join("/")
                        ),
                    );
                    // Continue with both sides so one mistake is reported once.
                    for t in types {
                        if !acc.contains(&t) {
                            acc.push(t);
                        }
                    }
                } else {
                    acc = common;
                }
            }
            acc
        }
    }
}

/// stix2-validator's type name rule: 3-250 characters of a-z, 0-9 and single hyphens.
fn valid_type_name(t: &str) -> bool {
    (3..=250).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !t.starts_with('-')
        && !t.ends_with('-')
        && !t.contains("--")
}

/// P-17 (warnings): object types that are not STIX 2.1 SCO types and do not look custom, and
/// properties a STIX 2.1 SCO type does not have.
fn object_type_and_property<'a>(p: &'a ObjectPath, out: &mut Out<'a>) {
    let key = (&*p.object_type, &*p.first);
    if out
        .unknown_reported
        .iter()
        .any(|&(t, f)| t == key.0 && (f == key.1 || f.is_empty()))
    {
        return;
    }
    match crate::model::spec_of(&p.object_type) {
        Some(spec) if spec.category == Category::Sco => {
            let known = spec.prop(&p.first).is_some()
                || crate::model::SCO_COMMON.iter().any(|c| c.name == &*p.first)
                || matches!(&*p.first, "type" | "id")
                || p.first.starts_with("x_");
            if !known {
                out.unknown_reported.push(key);
                out.warn(
                    "P-17",
                    p.span,
                    format!(
                        "{} has no property '{}' in STIX 2.1 (custom properties start with x_)",
                        p.object_type, p.first
                    ),
                );
            }
        }
        Some(_) => {
            out.unknown_reported.push((key.0, ""));
            out.warn(
                "P-17",
                p.span,
                format!(
                    "'{}' is not a cyber-observable type: patterns match SCOs",
                    p.object_type
                ),
            );
        }
        None if p.object_type.starts_with("x-") && valid_type_name(&p.object_type) => {}
        None => {
            out.unknown_reported.push((key.0, ""));
            out.warn(
                "P-17",
                p.span,
                format!(
                    "'{}' is not a STIX 2.1 cyber-observable type (custom types are named \
                     x-..., 3-250 characters of a-z, 0-9 and -)",
                    p.object_type
                ),
            );
        }
    }
}
