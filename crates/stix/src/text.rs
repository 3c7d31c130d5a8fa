//! Syntax checks for string-encoded STIX values: base64, URLs, language tags, hash values.

/// Standard base64 alphabet with `=` padding, length a multiple of 4 (RFC 4648 section 4).
pub fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return false;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 {
        return false;
    }
    b[..b.len() - pad]
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

/// An absolute URI per RFC 3986: a scheme, `:`, and no whitespace or control characters.
/// (Deliberately not stricter: real feeds carry defanged and non-ASCII URLs, and the OASIS
/// schema only asks for `format: uri`.)
pub fn is_url(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let scheme = &s.as_bytes()[..colon];
    !scheme.is_empty()
        && scheme[0].is_ascii_alphabetic()
        && scheme
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        && colon + 1 < s.len()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// An RFC 5646 language tag (well-formedness, not registry membership): a primary language
/// subtag of 2-3 letters (ISO 639; the grammar's 4-8 letter primary subtags are reserved or
/// unregistered, so `english` is refused), then subtags of 1-8 letters or digits; or a
/// private-use (`x-...`) or grandfathered irregular (`i-...`) tag.
pub fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let Some(first) = parts.next() else {
        return false;
    };
    let first_ok = match first.len() {
        1 => first.eq_ignore_ascii_case("x") || first.eq_ignore_ascii_case("i"),
        2..=3 => first.bytes().all(|c| c.is_ascii_alphabetic()),
        _ => false,
    };
    let mut rest_count = 0;
    let rest_ok = parts.all(|p| {
        rest_count += 1;
        (1..=8).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_alphanumeric())
    });
    first_ok && rest_ok && (first.len() > 1 || rest_count > 0)
}

/// Checks a hash value against its algorithm's format. `None` when the algorithm is not in
/// hash-algorithm-ov (the value cannot be checked).
pub fn hash_format_ok(algorithm: &str, value: &str) -> Option<bool> {
    let hex = |n: usize| value.len() == n && value.bytes().all(|c| c.is_ascii_hexdigit());
    Some(match algorithm {
        "MD5" => hex(32),
        "SHA-1" => hex(40),
        "SHA-256" | "SHA3-256" => hex(64),
        "SHA-512" | "SHA3-512" => hex(128),
        "SSDEEP" => is_ssdeep(value),
        // TLSH: 70 hex digits, or 72 with the "T1" version prefix.
        "TLSH" => {
            hex(70)
                || (value.len() == 72
                    && value.starts_with("T1")
                    && value[2..].bytes().all(|c| c.is_ascii_hexdigit()))
        }
        _ => return None,
    })
}

/// `blocksize:hash1:hash2` with base64-alphabet hashes (an optional `,"filename"` tail is
/// tolerated, as ssdeep prints it).
fn is_ssdeep(v: &str) -> bool {
    let v = v.split(',').next().unwrap_or(v);
    let mut parts = v.splitn(3, ':');
    let (Some(size), Some(h1), Some(h2)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let b64 = |s: &str| {
        s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
    };
    !size.is_empty()
        && size.bytes().all(|c| c.is_ascii_digit())
        && !h1.is_empty()
        && b64(h1)
        && b64(h2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert!(is_base64("aGVsbG8gd29ybGQ="));
        assert!(is_base64("dGhpcyBpcyBhIHRlc3Q="));
        assert!(is_base64(""));
        assert!(!is_base64("===="));
        assert!(!is_base64("aGVsbG8gd29ybGQ"));
        assert!(!is_base64("aGVs bG8="));
    }

    #[test]
    fn urls() {
        assert!(is_url("https://example.com/a?b=c"));
        assert!(is_url("mailto:a@example.com"));
        assert!(!is_url("example.com/path"));
        assert!(!is_url("http://exa mple.com"));
        assert!(!is_url("1http://x"));
    }

    #[test]
    fn language_tags() {
        for ok in [
            "en",
            "en-US",
            "zh-Hant-TW",
            "de-CH-1996",
            "x-klingon",
            "i-navajo",
            "nl",
        ] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "english language",
            "english",
            "e",
            "en_US",
            "",
            "en--US",
            "toolongtag1",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn hash_formats() {
        assert_eq!(
            hash_format_ok("MD5", "3773a88f65a5e780c8dff9cdc3a056f3"),
            Some(true)
        );
        assert_eq!(hash_format_ok("SHA-256", "f00"), Some(false));
        assert_eq!(
            hash_format_ok("SSDEEP", "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"),
            Some(true)
        );
        assert_eq!(hash_format_ok("sha256", "x"), None);
    }
}
