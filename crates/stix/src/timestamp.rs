//! STIX timestamps (STIX 2.1 section 2.16): `YYYY-MM-DDTHH:MM:SS[.s+]Z`, UTC only.
//!
//! chrono, time and jiff all accept forms STIX forbids (lowercase `t`/`z`, a space, `+00:00`),
//! so the shape is checked here byte by byte and the value computed without them.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A STIX timestamp. Keeps its original text (written back unchanged) and compares by
/// instant at full precision: `...01.1Z == ...01.100Z`, `...01.1234567891Z > ...01.123456789Z`.
#[derive(Clone)]
pub struct StixTimestamp {
    text: Box<str>,
    /// Seconds since the Unix epoch; a leap second (`:60`) counts as the next second.
    secs: i64,
}

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error(
        "timestamp '{0}' is not of the form YYYY-MM-DDTHH:MM:SS[.fraction]Z (uppercase T and Z, UTC, no offset)"
    )]
    Shape(String),
    #[error("timestamp '{0}' is not a calendar date or time of day")]
    Calendar(String),
}

impl StixTimestamp {
    /// Parses strictly per S-22 and checks the calendar (S-26): `2016-02-30` is rejected.
    /// Second 60 (leap second) is allowed, as in RFC 3339 and the OASIS schema.
    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        let secs = Self::check(s)?;
        Ok(StixTimestamp {
            text: s.into(),
            secs,
        })
    }

    /// Checks a timestamp without keeping it (no allocation) and returns its whole seconds
    /// since the epoch. The number of fractional digits is `s.len() - 21` when positive.
    pub fn check(s: &str) -> Result<i64, TimestampError> {
        let b = s.as_bytes();
        let shape = || TimestampError::Shape(s.to_owned());
        if b.len() < 20 || b[b.len() - 1] != b'Z' {
            return Err(shape());
        }
        let digits = |r: std::ops::Range<usize>| -> Result<u32, TimestampError> {
            let mut v = 0u32;
            for &c in &b[r] {
                if !c.is_ascii_digit() {
                    return Err(shape());
                }
                v = v * 10 + u32::from(c - b'0');
            }
            Ok(v)
        };
        if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return Err(shape());
        }
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        match b.len() {
            20 => {}
            21 => return Err(shape()), // "." without digits
            n => {
                if b[19] != b'.' || !b[20..n - 1].iter().all(u8::is_ascii_digit) {
                    return Err(shape());
                }
            }
        }
        let calendar = || TimestampError::Calendar(s.to_owned());
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(calendar());
        }
        if hour > 23 || minute > 59 || second > 60 {
            return Err(calendar());
        }
        let days = days_from_civil(i64::from(year), month, day);
        let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
        Ok(secs)
    }

    /// Builds a timestamp from microseconds since the epoch, written with 6 fractional
    /// digits (the TAXII timestamp form, T-29).
    pub fn from_micros(micros: i64) -> Self {
        let secs = micros.div_euclid(1_000_000);
        let frac = micros.rem_euclid(1_000_000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let text = format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:06}Z",
            sod / 3600,
            sod % 3600 / 60,
            sod % 60
        );
        StixTimestamp {
            text: text.into(),
            secs,
        }
    }

    /// The original text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whole seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// Microseconds since the epoch, truncating finer digits. Used as an index key; two
    /// timestamps that differ only below a microsecond map to the same key.
    pub fn micros(&self) -> i64 {
        let frac = self.fraction();
        let mut us = 0i64;
        for i in 0..6 {
            us = us * 10 + frac.as_bytes().get(i).map_or(0, |c| i64::from(c - b'0'));
        }
        self.secs.saturating_mul(1_000_000).saturating_add(us)
    }

    /// The fractional-second digits as written (empty when there are none).
    pub fn fraction(&self) -> &str {
        let t = &self.text;
        if t.len() > 21 {
            &t[20..t.len() - 1]
        } else {
            ""
        }
    }

    /// Number of fractional digits written (S-23 wants at least 3 on `created`/`modified`).
    pub fn precision(&self) -> usize {
        self.fraction().len()
    }

    /// The same instant written with exactly 6 fractional digits (TAXII form).
    pub fn to_taxii_string(&self) -> String {
        StixTimestamp::from_micros(self.micros()).text.into_string()
    }

    fn significant_fraction(&self) -> &str {
        self.fraction().trim_end_matches('0')
    }
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl PartialEq for StixTimestamp {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for StixTimestamp {}

impl Hash for StixTimestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.secs.hash(state);
        self.significant_fraction().hash(state);
    }
}

impl PartialOrd for StixTimestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for StixTimestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        // Digit strings right-padded with zeros compare like their values, so comparing the
        // trimmed fractions lexicographically is exact at any precision.
        self.secs.cmp(&other.secs).then_with(|| {
            self.significant_fraction()
                .cmp(other.significant_fraction())
        })
    }
}

impl fmt::Display for StixTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for StixTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StixTimestamp({})", self.text)
    }
}

impl FromStr for StixTimestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for StixTimestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for StixTimestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        StixTimestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> StixTimestamp {
        StixTimestamp::parse(s).unwrap()
    }

    #[test]
    fn accepts_spec_forms() {
        for ok in [
            "2016-05-12T08:17:27Z",
            "2016-05-12T08:17:27.000Z",
            "2016-05-12T08:17:27.123456789123Z",
            "2016-12-31T23:59:60Z",
            "2000-02-29T00:00:00Z",
            "0001-01-01T00:00:00Z",
        ] {
            assert_eq!(ts(ok).as_str(), ok);
        }
    }

    #[test]
    fn rejects_what_chrono_accepts() {
        for bad in [
            "2016-05-12t08:17:27z",
            "2016-05-12 08:17:27Z",
            "2016-05-12T08:17:27+00:00",
            "2016-05-12T08:17:27.Z",
            "2016-05-12T08:17:27",
            "2016-05-12T08:17Z",
            "2016-5-12T08:17:27Z",
            "2016-05-12T08:17:27.12aZ",
            "２016-05-12T08:17:27Z",
        ] {
            assert!(
                matches!(StixTimestamp::parse(bad), Err(TimestampError::Shape(_))),
                "{bad}"
            );
        }
        for bad in [
            "2016-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2016-13-01T00:00:00Z",
            "2016-00-01T00:00:00Z",
            "2016-01-00T00:00:00Z",
            "2016-01-01T24:00:00Z",
            "2016-01-01T23:60:00Z",
            "2016-01-01T23:59:61Z",
        ] {
            assert!(
                matches!(StixTimestamp::parse(bad), Err(TimestampError::Calendar(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn compares_by_instant() {
        assert_eq!(ts("2016-01-01T00:00:01.1Z"), ts("2016-01-01T00:00:01.100Z"));
        assert_eq!(ts("2016-01-01T00:00:01Z"), ts("2016-01-01T00:00:01.000Z"));
        assert!(ts("2016-01-01T00:00:01.1234567891Z") > ts("2016-01-01T00:00:01.123456789Z"));
        assert!(ts("2016-01-01T00:00:01.09Z") < ts("2016-01-01T00:00:01.1Z"));
        assert!(ts("2015-12-31T23:59:59.999Z") < ts("2016-01-01T00:00:00Z"));
    }

    #[test]
    fn micros_round_trip() {
        let t = ts("2024-01-01T00:00:01.1234567Z");
        assert_eq!(t.micros(), 1_704_067_201_123_456);
        assert_eq!(t.to_taxii_string(), "2024-01-01T00:00:01.123456Z");
        let back = StixTimestamp::from_micros(t.micros());
        assert_eq!(back.as_str(), "2024-01-01T00:00:01.123456Z");
        assert_eq!(
            StixTimestamp::from_micros(0).as_str(),
            "1970-01-01T00:00:00.000000Z"
        );
        assert_eq!(ts("1969-12-31T23:59:59.5Z").micros(), -500_000);
        assert_eq!(
            StixTimestamp::from_micros(-500_000).as_str(),
            "1969-12-31T23:59:59.500000Z"
        );
    }
}
