//! Rules of SCOs (section 6) and their predefined extensions (sections 3.10, 6.x).
//!
//! Rule ids: S-63 presence and co-constraints of SCOs and their embedded types, S-57 the
//! content of predefined extensions, S-65 value formats, S-4 `_enc` siblings, S-2 value types
//! inside dictionaries whose value type the property table cannot state. MUST-level problems
//! are errors, SHOULD-level ones warnings. Value-format MUSTs are reported as warnings on an
//! object with `defanged: true`, whose values are altered on purpose (`example[.]com`).

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::finding::Severity;
use crate::json::Node;
use crate::validate::RuleCtx;

/// Checks shared by every SCO: `_enc` properties (S-4, section 3.9.1).
pub fn sco_common(c: &mut RuleCtx<'_, '_>) {
    let enc: Vec<(String, Option<String>)> = c
        .obj
        .iter()
        .filter(|(k, _)| k.len() > "_enc".len() && k.ends_with("_enc"))
        .map(|(k, v)| (k.to_owned(), v.as_str().map(str::to_owned)))
        .collect();
    for (key, value) in enc {
        let base = &key[..key.len() - "_enc".len()];
        if !c.has(base) {
            c.error(
                "S-4",
                &key,
                format!("'{key}' must not be present without its base property '{base}'"),
            );
        }
        if let Some(v) = value
            && !is_charset_name(&v)
        {
            c.error(
                "S-65",
                &key,
                format!("'{v}' is not an IANA character set name (section 3.9.1)"),
            );
        }
    }
}

/// Syntax of an IANA character set name (printable ASCII without spaces; the OASIS schema's
/// pattern). Registry membership is not checked.
fn is_charset_name(s: &str) -> bool {
    (2..=250).contains(&s.len())
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'+' | b'_' | b':' | b'-')
        })
}

/// `defanged: true` on the object being checked.
fn is_defanged(c: &RuleCtx<'_, '_>) -> bool {
    c.bool("defanged") == Some(true)
}

/// Reports a value-format MUST violation: an error, or a warning on a defanged object.
fn format_violation(c: &mut RuleCtx<'_, '_>, prop: &str, msg: String) {
    if is_defanged(c) {
        c.warn(
            "S-65",
            prop,
            format!("{msg} (tolerated: the object is defanged)"),
        );
    } else {
        c.error("S-65", prop, msg);
    }
}

/// Reports `rule` when none of `props` is present.
fn require_one_of(c: &mut RuleCtx<'_, '_>, rule: &'static str, props: &[&str], what: &str) {
    if !props.iter().any(|p| c.has(p)) {
        c.error(
            rule,
            "",
            format!("{what} must contain at least one of: {}", props.join(", ")),
        );
    }
}

/// Reports `rule` when both or neither of `a` and `b` are present.
fn require_exactly_one(c: &mut RuleCtx<'_, '_>, rule: &'static str, a: &str, b: &str, what: &str) {
    match (c.has(a), c.has(b)) {
        (true, true) => c.error(
            rule,
            b,
            format!("{what} must not have both '{a}' and '{b}'"),
        ),
        (false, false) => c.error(rule, "", format!("{what} must have one of '{a}' or '{b}'")),
        _ => {}
    }
}

/// The SCO type named by an identifier-valued property (`ipv4-addr` for
/// `ipv4-addr--...`), without validating the UUID (done by the property walk).
fn ref_type<'s>(c: &'s RuleCtx<'_, '_>, prop: &str) -> Option<&'s str> {
    c.str(prop)
        .and_then(|s| s.split_once("--"))
        .map(|(ty, _)| ty)
}

// ---------------------------------------------------------------------------------------------
// Artifact, Autonomous System, Directory, Mutex

/// S-63: exactly one of `payload_bin` / `url`; `hashes` MUST accompany `url`;
/// `decryption_key` MUST NOT appear without `encryption_algorithm`.
pub fn artifact(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    require_exactly_one(c, "S-63", "payload_bin", "url", "an artifact");
    if c.has("url") && !c.has("hashes") {
        c.error(
            "S-63",
            "url",
            "an artifact with a 'url' must carry 'hashes' of the content it resolves to",
        );
    }
    if c.has("decryption_key") && !c.has("encryption_algorithm") {
        c.error(
            "S-63",
            "decryption_key",
            "'decryption_key' must not be present when 'encryption_algorithm' is absent",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Domain Name, Email Address

/// S-65: the value is a domain name (RFC 1034 labels; RFC 5890 U-labels accepted leniently).
pub fn domain_name(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    let Some(v) = c.str("value") else { return };
    match check_domain(v) {
        Verdict::Ok => {}
        Verdict::Warn(msg) => c.warn("S-65", "value", format!("domain name '{v}': {msg}")),
        Verdict::Bad(msg) => {
            format_violation(c, "value", format!("'{v}' is not a domain name: {msg}"))
        }
    }
}

enum Verdict {
    Ok,
    Warn(String),
    Bad(String),
}

/// Domain name syntax. Strict on what RFC 1034/1123 and RFC 5890 clearly exclude (empty labels,
/// over-long labels, leading/trailing hyphens, spaces and punctuation, dotted-quad IPs);
/// lenient on non-ASCII labels (any non-space, non-control character: IDNA2008 validity
/// depends on Unicode tables we do not carry) and only warns on underscores and wildcard
/// labels, which real DNS data uses (`_dmarc.example.com`, `*.example.com`).
fn check_domain(v: &str) -> Verdict {
    let name = v.strip_suffix('.').unwrap_or(v);
    if name.is_empty() {
        return Verdict::Bad("it is empty".into());
    }
    if name.chars().count() > 253 {
        return Verdict::Bad("it is longer than 253 characters".into());
    }
    if name.parse::<Ipv4Addr>().is_ok() {
        return Verdict::Bad("it is an IPv4 address (use an ipv4-addr object)".into());
    }
    let mut warning = None;
    let labels: Vec<&str> = name.split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        if label.is_empty() {
            return Verdict::Bad("it has an empty label".into());
        }
        if label.chars().count() > 63 {
            return Verdict::Bad(format!("label '{label}' is longer than 63 characters"));
        }
        if *label == "*" && i == 0 {
            warning = Some("a wildcard label is zone-file syntax, not a domain name".to_owned());
            continue;
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Verdict::Bad(format!("label '{label}' starts or ends with a hyphen"));
        }
        for ch in label.chars() {
            let ok = ch.is_ascii_alphanumeric()
                || ch == '-'
                || (!ch.is_ascii() && !ch.is_whitespace() && !ch.is_control());
            if ch == '_' {
                warning = Some(format!(
                    "label '{label}' contains '_', outside the RFC 1034 host name syntax"
                ));
            } else if !ok {
                return Verdict::Bad(format!("label '{label}' contains '{ch}'"));
            }
        }
        let b = label.as_bytes();
        if b.len() >= 4 && &b[2..4] == b"--" && !label.to_ascii_lowercase().starts_with("xn--") {
            warning = Some(format!(
                "label '{label}' has '--' in positions 3-4 but is not an 'xn--' A-label (RFC 5890 reserved)"
            ));
        }
    }
    if let Some(tld) = labels.last()
        && labels.len() > 1
        && tld.bytes().all(|b| b.is_ascii_digit())
    {
        warning = Some(format!("the top-level label '{tld}' is all digits"));
    }
    match warning {
        Some(w) => Verdict::Warn(w),
        None => Verdict::Ok,
    }
}

/// S-65: `value` is an RFC 5322 addr-spec (`local@domain`) and MUST NOT include the display
/// name.
pub fn email_addr(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    let Some(v) = c.str("value") else { return };
    if let Some(msg) = addr_spec_problem(v) {
        format_violation(
            c,
            "value",
            format!("'{v}' is not an email address (addr-spec): {msg}"),
        );
    }
    if let Some(name) = c.str("display_name")
        && has_encoded_word(name)
    {
        c.warn(
            "S-65",
            "display_name",
            "the display name contains an RFC 2047 encoded-word: it should be decoded",
        );
    }
}

fn addr_spec_problem(v: &str) -> Option<String> {
    if v.contains('<') || v.contains('>') {
        return Some("it must not include the display name ('Name <addr>' form)".into());
    }
    let Some((local, domain)) = v.rsplit_once('@') else {
        return Some("there is no '@'".into());
    };
    if local.is_empty() || domain.is_empty() {
        return Some("the local part and the domain must both be non-empty".into());
    }
    let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
    if !quoted && local.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("the local part contains whitespace".into());
    }
    if domain.starts_with('[') && domain.ends_with(']') {
        return None; // domain-literal ([192.0.2.1])
    }
    match check_domain(domain) {
        Verdict::Bad(msg) => Some(format!("the domain {msg}")),
        _ => None,
    }
}

/// An RFC 2047 encoded-word (`=?charset?Q?...?=`), which STIX requires decoded.
fn has_encoded_word(s: &str) -> bool {
    let mut rest = s;
    while let Some(start) = rest.find("=?") {
        let after = &rest[start + 2..];
        let mut parts = after.splitn(4, '?');
        if let (Some(charset), Some(enc), Some(text), Some(tail)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
            && !charset.is_empty()
            && !charset.contains(char::is_whitespace)
            && matches!(enc, "Q" | "q" | "B" | "b")
            && !text.contains(char::is_whitespace)
            && tail.starts_with('=')
        {
            return true;
        }
        rest = after;
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Email Message

/// Header fields with their own Email Message property; section 6.6.1 excludes them from
/// `additional_header_fields`.
const DEDICATED_HEADERS: &[&str] = &[
    "date",
    "received",
    "content-type",
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "subject",
];

/// S-63: `is_multipart` true forbids `body`, false forbids `body_multipart`;
/// `additional_header_fields` values are lists of strings (S-2); header values are
/// RFC 2047-decoded (S-65).
pub fn email_message(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    match c.bool("is_multipart") {
        Some(true) if c.has("body") => c.error(
            "S-63",
            "body",
            "'body' must not be used when 'is_multipart' is true (use 'body_multipart')",
        ),
        Some(false) if c.has("body_multipart") => c.error(
            "S-63",
            "body_multipart",
            "'body_multipart' must not be used when 'is_multipart' is false (use 'body')",
        ),
        _ => {}
    }
    if let Some(subject) = c.str("subject")
        && has_encoded_word(subject)
    {
        c.error(
            "S-65",
            "subject",
            "header values must be RFC 2047-decoded; 'subject' contains an encoded-word",
        );
    }
    check_header_fields(c);
}

fn check_header_fields(c: &mut RuleCtx<'_, '_>) {
    let Some(fields) = c.get("additional_header_fields").and_then(Node::as_object) else {
        return;
    };
    let at = c.at("additional_header_fields");
    for (name, value) in fields.iter() {
        let p = at.key(name);
        if DEDICATED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            c.report(
                Severity::Warning,
                "S-63",
                &p,
                format!("header '{name}' has its own Email Message property and does not belong in 'additional_header_fields'"),
            );
        }
        let values: Vec<&Node<'_>> = match value {
            Node::String(_) => {
                c.report(
                    Severity::Warning,
                    "S-2",
                    &p,
                    format!("the value of header '{name}' should be a list of strings (one per occurrence), not a single string"),
                );
                vec![value]
            }
            Node::Array(items) if items.is_empty() => {
                c.report(
                    Severity::Error,
                    "S-5",
                    &p,
                    format!("the value of header '{name}' is an empty list"),
                );
                continue;
            }
            Node::Array(items) => items.iter().collect(),
            other => {
                c.report(
                    Severity::Error,
                    "S-2",
                    &p,
                    format!(
                        "the value of header '{name}' must be a list of strings, not {}",
                        other.kind()
                    ),
                );
                continue;
            }
        };
        for (i, v) in values.iter().enumerate() {
            match v.as_str() {
                None => c.report(
                    Severity::Error,
                    "S-2",
                    &p.index(i),
                    format!("header values must be strings, not {}", v.kind()),
                ),
                Some(s) if has_encoded_word(s) => c.report(
                    Severity::Error,
                    "S-65",
                    &p,
                    format!(
                        "header '{name}' must be RFC 2047-decoded; it contains an encoded-word"
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

/// S-63: a MIME part has exactly one of `body` and `body_raw_ref` (section 6.6.2).
pub fn email_mime_part(c: &mut RuleCtx<'_, '_>) {
    require_exactly_one(c, "S-63", "body", "body_raw_ref", "an email MIME part");
}

// ---------------------------------------------------------------------------------------------
// File and its extensions

/// S-63: at least one of `hashes` and `name`.
pub fn file(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    require_one_of(c, "S-63", &["hashes", "name"], "a file");
}

/// S-57: NTFS extension content.
pub fn ntfs_ext(c: &mut RuleCtx<'_, '_>) {
    require_one_of(c, "S-57", &["sid", "alternate_data_streams"], "ntfs-ext");
}

/// S-57: PDF extension content.
pub fn pdf_ext(c: &mut RuleCtx<'_, '_>) {
    require_one_of(
        c,
        "S-57",
        &[
            "version",
            "is_optimized",
            "document_info_dict",
            "pdfid0",
            "pdfid1",
        ],
        "pdf-ext",
    );
}

/// S-57: raster image extension content; `exif_tags` values are integers or strings (S-2).
pub fn raster_image_ext(c: &mut RuleCtx<'_, '_>) {
    require_one_of(
        c,
        "S-57",
        &["image_height", "image_width", "bits_per_pixel", "exif_tags"],
        "raster-image-ext",
    );
    check_int_or_string_values(c, "exif_tags");
}

/// Dictionary values that MUST be integers or strings (`exif_tags`, `ipfix`).
fn check_int_or_string_values(c: &mut RuleCtx<'_, '_>, prop: &str) {
    let Some(dict) = c.get(prop).and_then(Node::as_object) else {
        return;
    };
    let at = c.at(prop);
    for (k, v) in dict.iter() {
        let ok = v.as_str().is_some() || v.as_integer().is_some();
        if !ok {
            c.report(
                Severity::Error,
                "S-2",
                &at.key(k),
                format!(
                    "'{prop}' values must be integers or strings, not {}",
                    v.kind()
                ),
            );
        }
    }
}

/// S-57: `pe_type` plus at least one other property; S-65: `time_date_stamp` is precise to
/// the second.
pub fn windows_pebinary_ext(c: &mut RuleCtx<'_, '_>) {
    require_one_of(
        c,
        "S-57",
        &[
            "imphash",
            "machine_hex",
            "number_of_sections",
            "time_date_stamp",
            "pointer_to_symbol_table_hex",
            "number_of_symbols",
            "size_of_optional_header",
            "characteristics_hex",
            "file_header_hashes",
            "optional_header",
            "sections",
        ],
        "windows-pebinary-ext (besides 'pe_type')",
    );
    if let Some(ts) = c.timestamp("time_date_stamp") {
        let frac = ts.fraction();
        if frac.bytes().any(|b| b != b'0') {
            c.error(
                "S-65",
                "time_date_stamp",
                format!("'time_date_stamp' must be precise to the second (a PE header holds whole seconds), not '{ts}'"),
            );
        } else if !frac.is_empty() {
            c.warn(
                "S-65",
                "time_date_stamp",
                format!("'time_date_stamp' should be written to the second, without fractional digits: '{ts}'"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// IP and MAC addresses

/// S-65: one IPv4 address or a CIDR block (`a.b.c.d[/0-32]`).
pub fn ipv4_addr(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    let Some(v) = c.str("value") else { return };
    if let Err(msg) = check_cidr(v, 32, |a| a.parse::<Ipv4Addr>().is_ok()) {
        format_violation(
            c,
            "value",
            format!("'{v}' is not an IPv4 address or CIDR block: {msg}"),
        );
    }
}

/// S-65: one IPv6 address or a CIDR block (`addr[/0-128]`, an `%zone` suffix tolerated).
pub fn ipv6_addr(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    let Some(v) = c.str("value") else { return };
    let parse = |a: &str| {
        let a = a.split_once('%').map_or(a, |(addr, _zone)| addr);
        a.parse::<Ipv6Addr>().is_ok()
    };
    if let Err(msg) = check_cidr(v, 128, parse) {
        format_violation(
            c,
            "value",
            format!("'{v}' is not an IPv6 address or CIDR block: {msg}"),
        );
    }
}

/// `address[/prefix]` with a decimal prefix in `0..=max` (no sign, no leading zeros).
/// `std`'s parsers reject leading zeros in IPv4 octets, which are ambiguous (octal).
fn check_cidr(v: &str, max: u32, parse: impl Fn(&str) -> bool) -> Result<(), String> {
    let (addr, prefix) = match v.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (v, None),
    };
    if !parse(addr) {
        return Err(format!("'{addr}' is not a valid address"));
    }
    if let Some(p) = prefix {
        let digits_ok = !p.is_empty()
            && p.len() <= 3
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p == "0" || !p.starts_with('0'));
        match p.parse::<u32>() {
            Ok(n) if digits_ok && n <= max => {}
            _ => {
                return Err(format!(
                    "the prefix length '{p}' is not an integer in 0..{max}"
                ));
            }
        }
    }
    Ok(())
}

/// S-65: a single colon-delimited, lowercase MAC-48 address with leading zeros.
pub fn mac_addr(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    let Some(v) = c.str("value") else { return };
    if !is_mac48(v) {
        format_violation(
            c,
            "value",
            format!(
                "'{v}' must be a colon-delimited, lowercase MAC-48 address with leading zeros (e.g. 00:00:ab:cd:ef:01)"
            ),
        );
    }
}

fn is_mac48(v: &str) -> bool {
    let parts: Vec<&str> = v.split(':').collect();
    parts.len() == 6
        && parts.iter().all(|p| {
            p.len() == 2
                && p.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

// ---------------------------------------------------------------------------------------------
// Network Traffic and its extensions

/// Network-layer protocol names; they come before transport names in `protocols`.
const NETWORK_LAYER: &[&str] = &["ip", "ipv4", "ipv6"];
/// Transport-layer protocol names.
const TRANSPORT_LAYER: &[&str] = &["tcp", "udp", "sctp", "dccp"];

/// S-63: `protocols` (table) plus at least one of `src_ref` / `dst_ref`, SHOULD both ports,
/// `is_active: true` forbids `end`, `end >= start`; `ipfix` values integers or strings (S-2);
/// protocol names lowercase and outer to inner (S-65, heuristics: warnings); the protocol of
/// each protocol extension SHOULD be listed (S-57); socket-ext address family vs the address
/// types (S-65 warning).
pub fn network_traffic(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    require_one_of(
        c,
        "S-63",
        &["src_ref", "dst_ref"],
        "a network-traffic object",
    );
    let missing: Vec<&str> = ["src_port", "dst_port"]
        .into_iter()
        .filter(|p| !c.has(p))
        .collect();
    if !missing.is_empty() {
        c.warn(
            "S-63",
            "",
            format!(
                "a network-traffic object should contain 'src_port' and 'dst_port' (missing: {})",
                missing.join(", ")
            ),
        );
    }
    if c.bool("is_active") == Some(true) && c.has("end") {
        c.error(
            "S-63",
            "end",
            "'end' must not be present when 'is_active' is true",
        );
    }
    c.require_order("S-63", "start", "end", false);
    check_int_or_string_values(c, "ipfix");

    let protocols: Vec<String> = c
        .get("protocols")
        .and_then(Node::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Node::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    check_protocols(c, &protocols);
    check_extension_protocols(c, &protocols);
    check_socket_family(c);
}

fn check_protocols(c: &mut RuleCtx<'_, '_>, protocols: &[String]) {
    let at = c.at("protocols");
    for (i, p) in protocols.iter().enumerate() {
        if p.bytes().any(|b| b.is_ascii_uppercase()) {
            c.report(
                Severity::Warning,
                "S-65",
                &at.index(i),
                format!("protocol '{p}' should be lowercase, as in the IANA service name registry"),
            );
        }
    }
    let lower: Vec<String> = protocols.iter().map(|p| p.to_ascii_lowercase()).collect();
    let first_transport = lower
        .iter()
        .position(|p| TRANSPORT_LAYER.contains(&p.as_str()));
    let last_network = lower
        .iter()
        .rposition(|p| NETWORK_LAYER.contains(&p.as_str()));
    if let (Some(t), Some(n)) = (first_transport, last_network)
        && n > t
    {
        c.report(
            Severity::Warning,
            "S-65",
            &at.index(n),
            format!(
                "protocols must be listed from outer to inner; '{}' follows '{}'",
                protocols[n], protocols[t]
            ),
        );
    }
}

/// Section 6.12.2-6.12.5: "the corresponding protocol value for that extension SHOULD be
/// listed" in `protocols`.
fn check_extension_protocols(c: &mut RuleCtx<'_, '_>, protocols: &[String]) {
    let Some(exts) = c.get("extensions").and_then(Node::as_object) else {
        return;
    };
    let listed = |names: &[&str]| {
        protocols
            .iter()
            .any(|p| names.iter().any(|n| p.eq_ignore_ascii_case(n)))
    };
    let mut missing = Vec::new();
    for (key, _) in exts.iter() {
        let wanted: &[&str] = match key {
            "http-request-ext" => &["http"],
            "icmp-ext" => &["icmp", "icmpv6", "ipv6-icmp"],
            "tcp-ext" => &["tcp"],
            _ => continue,
        };
        if !listed(wanted) {
            missing.push((key.to_owned(), wanted[0]));
        }
    }
    let at = c.at("extensions");
    for (key, proto) in missing {
        c.report(
            Severity::Warning,
            "S-57",
            &at.key(&key),
            format!("'{key}' is present, so 'protocols' should list '{proto}'"),
        );
    }
}

/// A socket of family AF_INET cannot carry IPv6 endpoints, nor AF_INET6 IPv4 ones (the
/// endpoint types are visible in the reference ids).
fn check_socket_family(c: &mut RuleCtx<'_, '_>) {
    let family = c
        .get("extensions")
        .and_then(Node::as_object)
        .and_then(|e| e.get("socket-ext"))
        .and_then(Node::as_object)
        .and_then(|s| s.get_str("address_family"))
        .map(str::to_owned);
    let clash = match family.as_deref() {
        Some("AF_INET") => "ipv6-addr",
        Some("AF_INET6") => "ipv4-addr",
        _ => return,
    };
    for end in ["src_ref", "dst_ref"] {
        if ref_type(c, end) == Some(clash) {
            let fam = family.as_deref().unwrap_or_default();
            c.warn(
                "S-65",
                end,
                format!("'{end}' is an {clash} but socket-ext.address_family is {fam}"),
            );
        }
    }
}

/// HTTP method and version are written in lowercase (section 6.12.2; no normative keyword:
/// warnings).
pub fn http_request_ext(c: &mut RuleCtx<'_, '_>) {
    for prop in ["request_method", "request_version"] {
        if let Some(v) = c.str(prop)
            && v.bytes().any(|b| b.is_ascii_uppercase())
        {
            c.warn(
                "S-65",
                prop,
                format!("'{prop}' should be a lowercase string, not '{v}'"),
            );
        }
    }
}

/// S-65: the ICMP type and code are one byte each (two hex digits).
pub fn icmp_ext(c: &mut RuleCtx<'_, '_>) {
    for prop in ["icmp_type_hex", "icmp_code_hex"] {
        if let Some(v) = c.str(prop)
            && v.len() != 2
            && v.len().is_multiple_of(2)
            && v.bytes().all(|b| b.is_ascii_hexdigit())
        {
            c.error(
                "S-65",
                prop,
                format!("'{prop}' is one byte (two hex digits), not '{v}'"),
            );
        }
    }
}

/// Option name prefixes of section 6.12.4 (as in python-stix2).
const SOCKET_OPTION_PREFIXES: &[&str] = &[
    "SO_", "ICMP_", "ICMP6_", "IP_", "IPV6_", "MCAST_", "TCP_", "IRLMP_",
];

/// Socket option keys SHOULD be the case-preserved option names (`SO_ACCEPTCONN`); the
/// integer values are checked by the property table.
pub fn socket_ext(c: &mut RuleCtx<'_, '_>) {
    let Some(options) = c.get("options").and_then(Node::as_object) else {
        return;
    };
    let at = c.at("options");
    let bad: Vec<String> = options
        .iter()
        .filter(|(k, _)| !SOCKET_OPTION_PREFIXES.iter().any(|p| k.starts_with(p)))
        .map(|(k, _)| k.to_owned())
        .collect();
    for k in bad {
        c.report(
            Severity::Warning,
            "S-65",
            &at.key(&k),
            format!("socket option '{k}' should be an option name such as SO_ACCEPTCONN (SO_, IP_, IPV6_, TCP_, ... prefix, uppercase)"),
        );
    }
}

/// S-57: TCP extension content.
pub fn tcp_ext(c: &mut RuleCtx<'_, '_>) {
    require_one_of(c, "S-57", &["src_flags_hex", "dst_flags_hex"], "tcp-ext");
}

// ---------------------------------------------------------------------------------------------
// Process and its extensions

/// Object-specific properties of a process; with `extensions`, at least one MUST be present.
const PROCESS_PROPS: &[&str] = &[
    "extensions",
    "is_hidden",
    "pid",
    "created_time",
    "cwd",
    "command_line",
    "environment_variables",
    "opened_connection_refs",
    "creator_user_ref",
    "image_ref",
    "parent_ref",
    "child_refs",
];

/// S-63: at least one property other than the common ones (an extension counts).
pub fn process(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    require_one_of(c, "S-63", PROCESS_PROPS, "a process");
}

/// S-57: Windows process extension content; `priority` SHOULD end in `_CLASS` (S-65).
pub fn windows_process_ext(c: &mut RuleCtx<'_, '_>) {
    require_one_of(
        c,
        "S-57",
        &[
            "aslr_enabled",
            "dep_enabled",
            "priority",
            "owner_sid",
            "window_title",
            "startup_info",
            "integrity_level",
        ],
        "windows-process-ext",
    );
    if let Some(p) = c.str("priority")
        && !p.ends_with("_CLASS")
    {
        c.warn(
            "S-65",
            "priority",
            format!("'priority' should be a priority class name ending in '_CLASS', not '{p}'"),
        );
    }
}

/// S-57: Windows service extension content.
pub fn windows_service_ext(c: &mut RuleCtx<'_, '_>) {
    require_one_of(
        c,
        "S-57",
        &[
            "service_name",
            "descriptions",
            "display_name",
            "group_name",
            "start_type",
            "service_dll_refs",
            "service_type",
            "service_status",
        ],
        "windows-service-ext",
    );
}

// ---------------------------------------------------------------------------------------------
// Software, URL

/// S-65: `cpe` is a CPE 2.3 formatted string.
pub fn software(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    if let Some(cpe) = c.str("cpe")
        && let Err(msg) = check_cpe23(cpe)
    {
        c.error(
            "S-65",
            "cpe",
            format!("'{cpe}' is not a CPE 2.3 formatted string: {msg}"),
        );
    }
}

/// CPE 2.3 formatted string binding (NISTIR 7695 section 6.2): `cpe:2.3:` and 11 further
/// colon-separated components (`\` escapes a colon), part one of `a`, `h`, `o`, `*`, `-`.
fn check_cpe23(s: &str) -> Result<(), String> {
    let Some(rest) = s.strip_prefix("cpe:2.3:") else {
        return Err("it does not start with 'cpe:2.3:'".into());
    };
    let mut components = Vec::new();
    let mut current = String::new();
    let mut chars = rest.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => {
                current.push(ch);
                match chars.next() {
                    Some(next) => current.push(next),
                    None => return Err("it ends in a lone '\\'".into()),
                }
            }
            ':' => components.push(std::mem::take(&mut current)),
            c if c.is_whitespace() => return Err("it contains whitespace".into()),
            c => current.push(c),
        }
    }
    components.push(current);
    if components.len() != 11 {
        return Err(format!(
            "it has {} components after 'cpe:2.3:', not 11",
            components.len()
        ));
    }
    if components.iter().any(String::is_empty) {
        return Err("a component is empty (use '*' for ANY or '-' for NA)".into());
    }
    if !matches!(components[0].as_str(), "a" | "h" | "o" | "*" | "-") {
        return Err(format!("part '{}' is not one of a, h, o", components[0]));
    }
    Ok(())
}

/// S-65: `value` is a URL (RFC 3986).
pub fn url(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    let Some(v) = c.str("value") else { return };
    if !crate::text::is_url(v) {
        format_violation(c, "value", format!("'{v}' is not a URL (RFC 3986)"));
    }
}

// ---------------------------------------------------------------------------------------------
// User Account

/// Properties of the user-account table (section 6.16.1), `extensions` included.
const USER_ACCOUNT_PROPS: &[&str] = &[
    "extensions",
    "user_id",
    "credential",
    "account_login",
    "account_type",
    "display_name",
    "is_service_account",
    "is_privileged",
    "can_escalate_privs",
    "is_disabled",
    "account_created",
    "account_expires",
    "credential_last_changed",
    "account_first_login",
    "account_last_login",
];

/// S-63: at least one property of the table.
pub fn user_account(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    require_one_of(c, "S-63", USER_ACCOUNT_PROPS, "a user-account");
}

/// S-57: UNIX account extension content.
pub fn unix_account_ext(c: &mut RuleCtx<'_, '_>) {
    require_one_of(
        c,
        "S-57",
        &["gid", "groups", "home_dir", "shell"],
        "unix-account-ext",
    );
}

// ---------------------------------------------------------------------------------------------
// Windows Registry Key

/// Abbreviated hive names (section 6.17.1: "HKEY_LOCAL_MACHINE must be used instead of HKLM").
const HIVE_ABBREVIATIONS: &[(&str, &str)] = &[
    ("HKLM", "HKEY_LOCAL_MACHINE"),
    ("HKCU", "HKEY_CURRENT_USER"),
    ("HKCR", "HKEY_CLASSES_ROOT"),
    ("HKU", "HKEY_USERS"),
    ("HKCC", "HKEY_CURRENT_CONFIG"),
    ("HKPD", "HKEY_PERFORMANCE_DATA"),
    ("HKDD", "HKEY_DYN_DATA"),
];

/// S-63: at least one property of the table (extensions do not count: the table has none);
/// S-65: the hive of `key` is fully expanded (a MUST in section 6.17.1).
pub fn windows_registry_key(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    require_one_of(
        c,
        "S-63",
        &[
            "key",
            "values",
            "modified_time",
            "creator_user_ref",
            "number_of_subkeys",
        ],
        "a windows-registry-key",
    );
    let Some(key) = c.str("key") else { return };
    let hive = key.split(['\\', '/']).next().unwrap_or(key);
    if let Some((abbr, full)) = HIVE_ABBREVIATIONS
        .iter()
        .find(|(abbr, _)| hive.eq_ignore_ascii_case(abbr))
    {
        c.error(
            "S-65",
            "key",
            format!("the hive must be fully expanded: '{full}', not '{abbr}'"),
        );
    } else if !hive.to_ascii_uppercase().starts_with("HKEY_") {
        c.warn(
            "S-65",
            "key",
            format!("'{key}' should start with the full hive name (HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, ...)"),
        );
    }
}

/// S-63: a registry value has at least one property.
pub fn windows_registry_value(c: &mut RuleCtx<'_, '_>) {
    require_one_of(
        c,
        "S-63",
        &["name", "data", "data_type"],
        "a windows registry value",
    );
}

// ---------------------------------------------------------------------------------------------
// X.509 Certificate

/// S-63: at least one object-specific property (section 6.18: extensions do not count).
pub fn x509_certificate(c: &mut RuleCtx<'_, '_>) {
    sco_common(c);
    require_one_of(
        c,
        "S-63",
        &[
            "is_self_signed",
            "hashes",
            "version",
            "serial_number",
            "signature_algorithm",
            "issuer",
            "validity_not_before",
            "validity_not_after",
            "subject",
            "subject_public_key_algorithm",
            "subject_public_key_modulus",
            "subject_public_key_exponent",
            "x509_v3_extensions",
        ],
        "an x509-certificate",
    );
}

/// S-63: the X.509 v3 extensions type has at least one of its properties (section 6.18.2).
pub fn x509_v3_extensions(c: &mut RuleCtx<'_, '_>) {
    require_one_of(
        c,
        "S-63",
        &[
            "basic_constraints",
            "name_constraints",
            "policy_constraints",
            "key_usage",
            "extended_key_usage",
            "subject_key_identifier",
            "authority_key_identifier",
            "subject_alternative_name",
            "issuer_alternative_name",
            "subject_directory_attributes",
            "crl_distribution_points",
            "inhibit_any_policy",
            "private_key_usage_period_not_before",
            "private_key_usage_period_not_after",
            "certificate_policies",
            "policy_mappings",
        ],
        "x509_v3_extensions",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        for ok in [
            "example.com",
            "a-b.example.co.uk.",
            "xn--bcher-kva.example",
            "bücher.de",
            "localhost",
        ] {
            assert!(matches!(check_domain(ok), Verdict::Ok), "{ok}");
        }
        for warn in [
            "_dmarc.example.com",
            "*.example.com",
            "host.123",
            "ab--cd.example",
        ] {
            assert!(matches!(check_domain(warn), Verdict::Warn(_)), "{warn}");
        }
        for bad in [
            "",
            "exa mple.com",
            "-a.example",
            "a..b",
            "198.51.100.3",
            "a/b.com",
            &"a".repeat(64),
        ] {
            assert!(matches!(check_domain(bad), Verdict::Bad(_)), "{bad}");
        }
    }

    #[test]
    fn cidrs() {
        let v4 = |s: &str| check_cidr(s, 32, |a| a.parse::<Ipv4Addr>().is_ok());
        assert!(v4("198.51.100.0/24").is_ok());
        assert!(v4("10.2.4.5/0").is_ok());
        assert!(v4("10.2.4.5/33").is_err());
        assert!(v4("10.2.4.5/024").is_err());
        assert!(v4("010.2.4.5").is_err());
        assert!(v4("10.2.4").is_err());
        assert!(v4("10.2.4.5/").is_err());
    }

    #[test]
    fn cpe() {
        assert!(check_cpe23("cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*").is_ok());
        assert!(check_cpe23("cpe:2.3:a:foo\\:bar:baz:1.0:*:*:*:*:*:*:*").is_ok());
        assert!(check_cpe23("cpe:/a:microsoft:word:2000").is_err());
        assert!(check_cpe23("cpe:2.3:x:microsoft:word:2000:*:*:*:*:*:*:*").is_err());
        assert!(check_cpe23("cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*").is_err());
    }

    #[test]
    fn encoded_words() {
        assert!(has_encoded_word("=?iso-8859-1?q?this=20is=20some=20text?="));
        assert!(has_encoded_word("Re: =?UTF-8?B?w6k=?= x"));
        assert!(!has_encoded_word("this is some text"));
        assert!(!has_encoded_word("a =? b ?= c"));
    }

    #[test]
    fn mac() {
        assert!(is_mac48("00:00:ab:cd:ef:01"));
        assert!(!is_mac48("00:00:AB:cd:ef:01"));
        assert!(!is_mac48("0:0:ab:cd:ef:01"));
        assert!(!is_mac48("00-00-ab-cd-ef-01"));
    }
}
