//! STIX identifiers (`<type>--<UUID>`, STIX 2.1 section 2.9).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// A STIX identifier such as `indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f`.
///
/// The original text is kept: input may use uppercase hex (accepted, see S-13), and an
/// identifier is always written back exactly as it was read.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StixId {
    text: Box<str>,
    /// Byte length of the type prefix (the `--` follows it).
    type_len: u16,
    uuid: Uuid,
}

/// The parts of a checked identifier, borrowed from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdParts<'a> {
    pub object_type: &'a str,
    pub uuid: Uuid,
    /// The UUID part uses uppercase hex (allowed on input, a SHOULD-level finding).
    pub uppercase: bool,
    type_len: u16,
}

/// Why a string is not a STIX identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("identifier has no '--' separating the type from the UUID")]
    MissingSeparator,
    #[error("identifier type prefix '{0}' is not a valid STIX type name")]
    BadType(String),
    #[error("identifier UUID part '{0}' is not a UUID in 8-4-4-4-12 hex form")]
    BadUuid(String),
    #[error("identifier UUID '{0}' is not an RFC 4122 UUID (variant bits or version 1-5)")]
    NotRfc4122(String),
}

impl StixId {
    /// Parses an identifier strictly: a valid type name, `--`, and an RFC 4122 UUID
    /// (variant `10xx`, version 1 to 5) written as 36 hex characters with hyphens.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let parts = Self::check(s)?;
        Ok(StixId {
            text: s.into(),
            type_len: parts.type_len,
            uuid: parts.uuid,
        })
    }

    /// Checks an identifier without keeping it (no allocation): what the validator needs for
    /// every reference it sees.
    pub fn check(s: &str) -> Result<IdParts<'_>, IdError> {
        let b = s.as_bytes();
        // A type may contain single hyphens but never "--"; the first "--" is the separator.
        let sep = b
            .windows(2)
            .position(|w| w == b"--")
            .ok_or(IdError::MissingSeparator)?;
        let (ty, rest) = (&s[..sep], &s[sep + 2..]);
        if !is_type_name(ty) {
            return Err(IdError::BadType(ty.to_owned()));
        }
        let uuid = parse_hyphenated_uuid(rest).ok_or_else(|| IdError::BadUuid(rest.to_owned()))?;
        if uuid.get_variant() != uuid::Variant::RFC4122
            || !(1..=5).contains(&uuid.get_version_num())
        {
            return Err(IdError::NotRfc4122(rest.to_owned()));
        }
        let type_len = u16::try_from(sep).map_err(|_| IdError::BadType(ty.to_owned()))?;
        Ok(IdParts {
            object_type: ty,
            uuid,
            type_len,
            uppercase: rest.bytes().any(|c| c.is_ascii_uppercase()),
        })
    }

    /// Builds an identifier from a type and a UUID (lowercase hex, as RFC 4122 says to emit).
    pub fn new(ty: &str, uuid: Uuid) -> Result<Self, IdError> {
        Self::parse(&format!("{ty}--{uuid}"))
    }

    /// The type prefix, e.g. `indicator`.
    pub fn object_type(&self) -> &str {
        &self.text[..usize::from(self.type_len)]
    }

    pub fn uuid(&self) -> Uuid {
        self.uuid
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when the UUID part uses uppercase hex (allowed on input, a SHOULD-level finding).
    pub fn has_uppercase_hex(&self) -> bool {
        self.text[usize::from(self.type_len) + 2..]
            .bytes()
            .any(|b| b.is_ascii_uppercase())
    }
}

/// `[a-z0-9-]`, starting with a letter, no `--`, not ending in `-`, 3 to 250 characters
/// (S-3, S-46). The identifier schema additionally requires the last character to be
/// alphanumeric.
pub fn is_type_name(s: &str) -> bool {
    let b = s.as_bytes();
    (3..=250).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && !s.contains("--")
        && b[b.len() - 1] != b'-'
}

fn parse_hyphenated_uuid(s: &str) -> Option<Uuid> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    // Decoded here rather than by `Uuid::parse_str`, which accepts other forms (braces, URN,
    // no hyphens) and would scan the text a second time.
    let mut bytes = [0u8; 16];
    let mut n = 0;
    let mut high: Option<u8> = None;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        match high.take() {
            None => high = Some(v),
            Some(h) => {
                bytes[n] = (h << 4) | v;
                n += 1;
            }
        }
    }
    Some(Uuid::from_bytes(bytes))
}

impl fmt::Display for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StixId({})", self.text)
    }
}

impl FromStr for StixId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for StixId {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl Serialize for StixId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for StixId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        StixId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_splits() {
        let id = StixId::parse("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(id.object_type(), "indicator");
        assert_eq!(
            id.uuid().to_string(),
            "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        );
        assert!(!id.has_uppercase_hex());
        let id = StixId::parse("x-acme-widget--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F").unwrap();
        assert_eq!(id.object_type(), "x-acme-widget");
        assert!(id.has_uppercase_hex());
        assert_eq!(
            id.as_str(),
            "x-acme-widget--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "indicator",
            "indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "ab--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b17d44cbf938f98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3",
            "indicator--{8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f}",
            "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f", // variant bits
            "indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f", // version 0
            "indicator--8e2e2d2b-17d4-7cbf-938f-98ee46b3cd3f", // version 7 is not RFC 4122
            "x--acme--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        ] {
            assert!(StixId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn type_names() {
        assert!(is_type_name("indicator"));
        assert!(is_type_name("x-acme-widget"));
        assert!(is_type_name("ipv4-addr"));
        assert!(!is_type_name("x--acme"));
        assert!(!is_type_name("xy"));
        assert!(!is_type_name("acme-"));
        assert!(!is_type_name("1abc"));
        assert!(!is_type_name(&"a".repeat(251)));
    }
}
