//! TAXII timestamps (T-29): written with exactly six fractional digits and `Z`; read
//! leniently for `added_after` (interop contract 3), since clients send whatever precision
//! their date library produces (OpenCTI: milliseconds; Python: microseconds; some: none).

use stix::StixTimestamp;

use crate::error::TaxiiError;
use crate::query::Micros;

/// `0001-01-01T00:00:00.000000Z`: the first instant a four-digit year can write.
const MIN_MICROS: Micros = -62_135_596_800_000_000;
/// `9999-12-31T23:59:59.999999Z`: the last instant a four-digit year can write.
const MAX_MICROS: Micros = 253_402_300_799_999_999;

/// Writes microseconds since the epoch as a TAXII timestamp,
/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` (T-29, interop contract 2).
///
/// Values outside years 0001..=9999 are clamped to that range rather than written in a form
/// no client can parse: a header must never carry an invalid value (DESIGN.md 5.2).
pub fn format_timestamp(micros: Micros) -> String {
    StixTimestamp::from_micros(micros.clamp(MIN_MICROS, MAX_MICROS))
        .as_str()
        .to_owned()
}

/// Parses an `added_after` value: RFC 3339 in UTC with any number of fractional digits (or
/// none), ending in `Z`/`z` or a zero offset (`+00:00`, `-00:00`); `T` may be lowercase.
/// Digits below a microsecond are truncated: `date_added` values are whole microseconds, so
/// "strictly after floor(t)" selects exactly the rows strictly after `t` (T-84).
pub fn parse_added_after(s: &str) -> Result<Micros, TaxiiError> {
    let bad = || {
        TaxiiError::BadRequest(format!(
            "added_after '{}' is not an RFC 3339 UTC timestamp such as 2024-01-31T12:00:00.000000Z",
            truncate_for_message(s)
        ))
    };
    // Offsets other than zero are refused rather than converted: no TAXII client sends
    // them, and silently shifting a cursor by hours would skip or repeat records.
    let body = s
        .strip_suffix('Z')
        .or_else(|| s.strip_suffix('z'))
        .or_else(|| s.strip_suffix("+00:00"))
        .or_else(|| s.strip_suffix("-00:00"))
        .ok_or_else(bad)?;
    if body.len() < 19 || !body.is_ascii() {
        return Err(bad());
    }
    let mut normal = String::with_capacity(body.len() + 1);
    normal.push_str(&body[..10]);
    match body.as_bytes()[10] {
        b'T' | b't' => normal.push('T'),
        _ => return Err(bad()),
    }
    normal.push_str(&body[11..]);
    normal.push('Z');
    let ts = StixTimestamp::parse(&normal).map_err(|_| bad())?;
    Ok(ts.micros())
}

/// Keeps error messages bounded when a client sends something huge.
pub(crate) fn truncate_for_message(s: &str) -> String {
    const MAX: usize = 64;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    const T0: Micros = 1_704_067_201_000_000; // 2024-01-01T00:00:01Z

    #[test]
    fn t29_six_digits_and_z() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            format_timestamp(T0 + 123_456),
            "2024-01-01T00:00:01.123456Z"
        );
        assert_eq!(format_timestamp(T0 + 1), "2024-01-01T00:00:01.000001Z");
        assert_eq!(format_timestamp(-1), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn t29_out_of_range_is_clamped_never_invalid() {
        assert_eq!(format_timestamp(i64::MIN), "0001-01-01T00:00:00.000000Z");
        assert_eq!(format_timestamp(i64::MAX), "9999-12-31T23:59:59.999999Z");
        assert_eq!(
            parse_added_after(&format_timestamp(MIN_MICROS)),
            Ok(MIN_MICROS)
        );
        assert_eq!(
            parse_added_after(&format_timestamp(MAX_MICROS)),
            Ok(MAX_MICROS)
        );
    }

    #[test]
    fn t29_interop3_added_after_any_precision() {
        for (s, want) in [
            ("2024-01-01T00:00:01Z", T0),
            ("2024-01-01T00:00:01.1Z", T0 + 100_000),
            ("2024-01-01T00:00:01.123Z", T0 + 123_000),
            ("2024-01-01T00:00:01.123456Z", T0 + 123_456),
            // Below a microsecond: truncated (floor), exact for "strictly after" (T-84).
            ("2024-01-01T00:00:01.1234569Z", T0 + 123_456),
            ("2024-01-01T00:00:01.123456999999Z", T0 + 123_456),
            ("2024-01-01T00:00:01.000000Z", T0),
            ("2024-01-01T00:00:01+00:00", T0),
            ("2024-01-01T00:00:01.5-00:00", T0 + 500_000),
            ("2024-01-01t00:00:01z", T0),
        ] {
            assert_eq!(parse_added_after(s), Ok(want), "{s}");
        }
    }

    #[test]
    fn t83_malformed_added_after_is_400() {
        for s in [
            "",
            "yesterday",
            "2024-01-01",
            "2024-01-01T00:00:01",
            "2024-01-01T00:00:01.Z",
            "2024-01-01 00:00:01Z",
            "2024-01-01T00:00:01+01:00",
            "2024-01-01T00:00:01+0000",
            "2024-01-01T00:00Z",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T00:00:01.12a4Z",
            "1704067201",
            "２024-01-01T00:00:01Z",
            " 2024-01-01T00:00:01Z",
        ] {
            let e = parse_added_after(s).unwrap_err();
            assert_eq!(e.status(), 400, "{s}");
        }
    }

    #[test]
    fn format_then_parse_round_trips() {
        for m in [0, 1, -1, T0, T0 + 999_999, 4_102_444_800_000_000] {
            assert_eq!(parse_added_after(&format_timestamp(m)), Ok(m));
        }
    }

    #[test]
    fn long_input_is_truncated_in_the_message() {
        let s = "x".repeat(10_000);
        let TaxiiError::BadRequest(m) = parse_added_after(&s).unwrap_err() else {
            unreachable!()
        };
        assert!(m.len() < 200);
    }
}
