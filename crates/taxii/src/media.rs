//! Media types and content negotiation (T-13 ... T-20, interop contract 6).
//!
//! Clients disagree on spelling (`application/taxii+json; version=2.1`, `Application/TAXII+JSON`,
//! no version, q-values, lists), and one server comparing strings exactly cost OpenTAXII users
//! their 415s (#247). So headers are parsed per RFC 7231 and compared by meaning.

use crate::error::TaxiiError;
use crate::time::truncate_for_message;

/// The only response media type (T-14).
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// The STIX content media type: collection `media_types` and manifest `media_type` (T-20).
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// One media range: lowercase type and subtype, parameters with lowercase names.
#[derive(Debug)]
struct MediaRange {
    ty: String,
    subtype: String,
    params: Vec<(String, String)>,
}

impl MediaRange {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `version` parameter is absent (= latest, T-13, T-18) or 2.1.
    fn version_ok(&self) -> bool {
        self.param("version").is_none_or(|v| v == "2.1")
    }

    /// The quality in thousandths. A malformed q is read as 1: a typo should not turn an
    /// otherwise acceptable request into a 406.
    fn quality(&self) -> u16 {
        self.param("q").and_then(parse_qvalue).unwrap_or(1000)
    }
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )` in thousandths.
fn parse_qvalue(s: &str) -> Option<u16> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths = 0u16;
    for i in 0..3 {
        let d = frac.as_bytes().get(i).map_or(0, |b| u16::from(b - b'0'));
        thousandths = thousandths * 10 + d;
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// Splits on `sep` outside quoted strings (a parameter value may be `"a,b"`).
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

fn unquote(v: &str) -> String {
    match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => v.to_owned(),
    }
}

/// Parses one media type or range; `None` when it is not `type/subtype[;params]`.
fn parse_range(s: &str) -> Option<MediaRange> {
    let mut parts = split_unquoted(s, ';').into_iter();
    let essence = parts.next()?.trim();
    let (ty, subtype) = essence.split_once('/')?;
    let (ty, subtype) = (ty.trim(), subtype.trim());
    let token = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
    if !token(ty) || !token(subtype) {
        return None;
    }
    let mut params = Vec::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        // A parameter without '=' is ignored rather than voiding the whole range.
        if let Some((k, v)) = p.split_once('=') {
            params.push((k.trim().to_ascii_lowercase(), unquote(v.trim())));
        }
    }
    Some(MediaRange {
        ty: ty.to_ascii_lowercase(),
        subtype: subtype.to_ascii_lowercase(),
        params,
    })
}

/// How specifically a range names what we send (`application/taxii+json;version=2.1`);
/// `None` when it does not cover it.
fn specificity(r: &MediaRange) -> Option<u8> {
    match (r.ty.as_str(), r.subtype.as_str()) {
        ("*", "*") => Some(0),
        ("application", "*") => Some(1),
        // T-20: the manifest's documented Accept names the STIX type; we answer taxii+json.
        ("application", "taxii+json" | "stix+json") if r.version_ok() => {
            Some(if r.param("version").is_some() { 3 } else { 2 })
        }
        _ => None,
    }
}

/// Checks a request's `Accept` header (T-15 ... T-18, T-20).
///
/// Acceptable: no header, `*/*`, `application/*`, `application/taxii+json` with or without
/// `version=2.1`, and `application/stix+json[;version=2.1]` (T-20), in any case, spacing or
/// parameter order, alone or in a list. The most specific range covering our response
/// decides (RFC 7231 5.3.2), so `application/taxii+json;q=0` refuses it even beside `*/*`.
/// Anything else (only `version=2.0`/`2.2`, only non-TAXII types) is 406 (T-17).
pub fn check_accept(accept: Option<&str>) -> Result<(), TaxiiError> {
    let Some(accept) = accept else {
        return Ok(());
    };
    if accept.trim().is_empty() {
        return Ok(());
    }
    let mut best: Option<(u8, u16)> = None;
    for item in split_unquoted(accept, ',') {
        if item.trim().is_empty() {
            continue;
        }
        let Some(range) = parse_range(item) else {
            continue;
        };
        let Some(spec) = specificity(&range) else {
            continue;
        };
        let q = range.quality();
        best = match best {
            Some((s, bq)) if s > spec || (s == spec && bq >= q) => Some((s, bq)),
            _ => Some((spec, q)),
        };
    }
    match best {
        Some((_, q)) if q > 0 => Ok(()),
        _ => Err(TaxiiError::NotAcceptable(format!(
            "Accept '{}' does not allow {TAXII_MEDIA_TYPE}, the only media type this server returns",
            truncate_for_message(accept)
        ))),
    }
}

/// Checks a POST `Content-Type` (T-19): `application/taxii+json` with no version or
/// `version=2.1` (other parameters such as `charset` are ignored). Everything else,
/// including a missing header, `application/json` and `application/stix+json`, is 415.
pub fn check_content_type(ct: Option<&str>) -> Result<(), TaxiiError> {
    let unsupported = |what: String| {
        TaxiiError::UnsupportedMediaType(format!(
            "Content-Type {what} is not supported; send {TAXII_MEDIA_TYPE} with an envelope"
        ))
    };
    let Some(ct) = ct else {
        return Err(unsupported("(missing)".to_owned()));
    };
    match parse_range(ct) {
        Some(r) if r.ty == "application" && r.subtype == "taxii+json" && r.version_ok() => Ok(()),
        _ => Err(unsupported(format!("'{}'", truncate_for_message(ct)))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn t15_t16_acceptable_accept_headers() {
        for ok in [
            "application/taxii+json;version=2.1",
            "application/taxii+json",
            "application/taxii+json; version=2.1",
            "application/taxii+json ; version = 2.1",
            "Application/TAXII+JSON;Version=2.1",
            "application/taxii+json;version=\"2.1\"",
            "application/taxii+json;charset=utf-8;version=2.1",
            "application/taxii+json;version=2.1;q=0.5",
            "application/taxii+json;q=1.000",
            "*/*",
            "application/*",
            "text/html, */*;q=0.1",
            "application/json, application/taxii+json;version=2.1",
            "application/taxii+json;version=2.0, application/taxii+json;version=2.1",
            "application/taxii+json;version=2.0,application/taxii+json",
            "  application/taxii+json;version=2.1  ",
            // taxii2-client 2.3 sends exactly this.
            "application/taxii+json;version=2.1",
            // Elastic / generic HTTP clients.
            "application/json, */*",
            "",
        ] {
            assert_eq!(check_accept(Some(ok)), Ok(()), "{ok}");
        }
        assert_eq!(check_accept(None), Ok(()));
    }

    #[test]
    fn t20_manifest_leftover_stix_accept_is_ok() {
        for ok in [
            "application/taxii+json;version=2.1,application/stix+json;version=2.1",
            "application/stix+json;version=2.1",
            "application/stix+json",
        ] {
            assert_eq!(check_accept(Some(ok)), Ok(()), "{ok}");
        }
    }

    #[test]
    fn t17_unacceptable_accept_headers_are_406() {
        for bad in [
            "application/taxii+json;version=2.0",
            "application/taxii+json;version=2.2",
            "application/taxii+json;version=2",
            "application/stix+json;version=2.0",
            "application/json",
            "text/html",
            "text/*",
            "image/png, text/plain",
            "garbage",
            "application/taxii+json;q=0",
            "application/taxii+json;version=2.1;q=0, */*",
            "*/*;q=0",
            "application/vnd.oasis.taxii+json; version=2.0",
        ] {
            let e = check_accept(Some(bad)).unwrap_err();
            assert_eq!(e.status(), 406, "{bad}");
        }
    }

    #[test]
    fn most_specific_range_decides() {
        // RFC 7231 5.3.2: the specific range with q=0 overrides a wildcard.
        assert!(check_accept(Some("*/*, application/taxii+json;q=0")).is_err());
        // A specific positive range overrides a wildcard q=0.
        assert!(check_accept(Some("*/*;q=0, application/taxii+json")).is_ok());
        // Malformed q does not turn an acceptable range into a refusal.
        assert!(check_accept(Some("application/taxii+json;q=high")).is_ok());
    }

    #[test]
    fn qvalues() {
        assert_eq!(parse_qvalue("0"), Some(0));
        assert_eq!(parse_qvalue("0.5"), Some(500));
        assert_eq!(parse_qvalue("0.001"), Some(1));
        assert_eq!(parse_qvalue("1"), Some(1000));
        assert_eq!(parse_qvalue("1.000"), Some(1000));
        assert_eq!(parse_qvalue("1.5"), None);
        assert_eq!(parse_qvalue("0.0001"), None);
        assert_eq!(parse_qvalue("2"), None);
    }

    #[test]
    fn t19_post_content_type() {
        for ok in [
            "application/taxii+json;version=2.1",
            "application/taxii+json",
            "application/taxii+json; version=2.1",
            "Application/Taxii+Json;VERSION=2.1",
            "application/taxii+json;charset=utf-8",
            "application/taxii+json; charset=UTF-8; version=\"2.1\"",
        ] {
            assert_eq!(check_content_type(Some(ok)), Ok(()), "{ok}");
        }
        for bad in [
            None,
            Some(""),
            Some("application/json"),
            Some("application/stix+json;version=2.1"),
            Some("application/stix+json"),
            Some("application/taxii+json;version=2.0"),
            Some("text/plain"),
            Some("application/*"),
            Some("application/taxii+json, application/json"),
        ] {
            let e = check_content_type(bad).unwrap_err();
            assert_eq!(e.status(), 415, "{bad:?}");
        }
    }

    #[test]
    fn quoted_commas_do_not_split() {
        assert!(check_accept(Some("text/html;foo=\"a,application/taxii+json\"")).is_err());
        assert!(check_accept(Some("text/html;foo=\"a,b\", application/taxii+json")).is_ok());
    }
}
