//! Personal data (access-model-research.md 4.6): classes, dated designations, asset scopes and
//! detection by type.
//!
//! An object version carries a personal-data class at object level (stored beside it, part of
//! the read predicate) and, for individual properties, in its zones ([`crate::redact::Zone`]).
//! The class comes from the project's personal-data markings (NL-PII:PRESENT / CREDENTIAL /
//! NONE) and from detection by type, a safety net for producers that do not mark: the union of
//! the two counts, except that NL-PII:NONE overrides a *possible* detection (the producer knows
//! an IP address is an attacker's). NONE on a type that always holds personal data is an ingest
//! error.

use std::net::IpAddr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How personal an object or property is, least first. `Possible` is handled as personal data
/// for readers without a designation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum PiiClass {
    #[default]
    None,
    /// Detected by type as possibly personal (IP addresses where the collection says so,
    /// artifacts, contact information, certificate subjects).
    Possible,
    /// Personal data: marked NL-PII:PRESENT, or a type that always is (user-account,
    /// email-addr, email-message, mac-addr, individual identities).
    Present,
    /// Credentials: marked NL-PII:CREDENTIAL, or `user-account.credential`.
    Credential,
}

impl PiiClass {
    /// The storage rank (`0` none ... `3` credential).
    pub fn rank(self) -> u8 {
        self as u8
    }

    pub fn from_rank(r: u8) -> PiiClass {
        match r {
            0 => PiiClass::None,
            1 => PiiClass::Possible,
            2 => PiiClass::Present,
            _ => PiiClass::Credential,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PiiClass::None => "none",
            PiiClass::Possible => "possible",
            PiiClass::Present => "present",
            PiiClass::Credential => "credential",
        }
    }
}

/// What a designation allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DesignationKind {
    /// May receive personal data (classes possible and present).
    PersonalData,
    /// May receive credentials (leaked accounts with their passwords).
    Credential,
}

impl DesignationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DesignationKind::PersonalData => "personal-data",
            DesignationKind::Credential => "credential",
        }
    }
}

/// A designation of an organisation by law or ministerial order, valid on the days from
/// `valid_from` up to and including `valid_until`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Designation {
    pub kind: DesignationKind,
    /// The legal basis, as the audit records it ("Wbni art. 3 lid 1 sub b, aanwijzing ...").
    pub legal_basis: String,
    pub valid_from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
}

impl Designation {
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|u| day <= u)
    }
}

/// What a reader may receive of personal data, from its organisation's designations on the
/// day of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PersonalAccess {
    pub personal_data: bool,
    pub credential: bool,
}

impl PersonalAccess {
    /// The access the designations valid on `day` give.
    pub fn on(designations: &[Designation], day: NaiveDate) -> PersonalAccess {
        let valid = |k| designations.iter().any(|d| d.kind == k && d.valid_on(day));
        PersonalAccess {
            personal_data: valid(DesignationKind::PersonalData),
            credential: valid(DesignationKind::Credential),
        }
    }

    /// Whether data of `class` may go to this reader (affected parties aside).
    pub fn allows(self, class: PiiClass) -> bool {
        match class {
            PiiClass::None => true,
            PiiClass::Possible | PiiClass::Present => self.personal_data,
            PiiClass::Credential => self.credential,
        }
    }
}

/// The network ranges and domains of an organisation: an object about one of them concerns the
/// organisation (it is an affected party), so it may receive personal data about itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssetScope {
    /// CIDR ranges (`192.0.2.0/24`, `2001:db8::/32`) or single addresses.
    pub ip_ranges: Vec<String>,
    /// Domains; subdomains match too (`example.nl` matches `vpn.example.nl`).
    pub domains: Vec<String>,
}

/// Parses `a.b.c.d/n` or an address alone (a /32 or /128).
pub fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (s, None),
    };
    let addr: IpAddr = addr.trim().parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = len.unwrap_or(max);
    (len <= max).then_some((addr, len))
}

fn in_range(ip: IpAddr, (net, len): (IpAddr, u8)) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn domain_matches(host: &str, domain: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    host == domain
        || host
            .strip_suffix(&domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

impl AssetScope {
    pub fn is_empty(&self) -> bool {
        self.ip_ranges.is_empty() && self.domains.is_empty()
    }

    /// What is wrong with the entries (for the provisioning check): ranges that do not parse
    /// or are wider than a /8 (IPv4) or /16 (IPv6), and domains without a dot, which would make
    /// the organisation an affected party of a whole top-level domain or of the internet.
    pub fn invalid_entries(&self) -> Vec<String> {
        let ranges = self.ip_ranges.iter().filter_map(|r| match parse_cidr(r) {
            None => Some(format!(
                "ip_ranges entry {r:?} is not an address or CIDR range"
            )),
            Some((ip, len)) if len < if ip.is_ipv4() { 8 } else { 16 } => Some(format!(
                "ip_ranges entry {r:?} is wider than a /8 (IPv4) or /16 (IPv6)"
            )),
            Some(_) => None,
        });
        let domains = self.domains.iter().filter_map(|d| {
            let t = d.trim_end_matches('.');
            (t.starts_with('.') || !t.contains('.') || t.contains(char::is_whitespace))
                .then(|| format!("domains entry {d:?} is not a domain below a top-level domain"))
        });
        ranges.chain(domains).collect()
    }

    /// Whether an observable of `type_name` with `value` (an address or a range, a domain, an
    /// e-mail address, a URL) lies inside this scope.
    pub fn matches(&self, type_name: &str, value: &str) -> bool {
        match type_name {
            "ipv4-addr" | "ipv6-addr" => parse_cidr(value).is_some_and(|(ip, len)| {
                self.ip_ranges
                    .iter()
                    .filter_map(|r| parse_cidr(r))
                    .any(|net| {
                        // A range is inside the scope when the scope's network contains it.
                        len >= net.1 && in_range(ip, net)
                    })
            }),
            "domain-name" => self.domains.iter().any(|d| domain_matches(value, d)),
            "email-addr" => value
                .rsplit_once('@')
                .is_some_and(|(_, host)| self.domains.iter().any(|d| domain_matches(host, d))),
            "url" => url_host(value).is_some_and(|host| {
                match host.trim_start_matches('[').trim_end_matches(']').parse() {
                    Ok(ip) => self
                        .ip_ranges
                        .iter()
                        .filter_map(|r| parse_cidr(r))
                        .any(|net| in_range(ip, net)),
                    Err(_) => self.domains.iter().any(|d| domain_matches(host, d)),
                }
            }),
            _ => false,
        }
    }
}

fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.starts_with('[') {
        return host.split_inclusive(']').next();
    }
    Some(host.rsplit_once(':').map_or(host, |(h, _)| h))
}

/// Types whose every instance is personal data (NL-PII:NONE on them is an ingest error, and a
/// reference to one leaks a confirmable hash of its value: STIX 2.9 deterministic ids).
pub fn always_personal_type(type_name: &str) -> bool {
    matches!(
        type_name,
        "user-account" | "email-addr" | "email-message" | "mac-addr"
    )
}

/// What detection by type finds in one object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Detected {
    /// The class of the object as a whole.
    pub object: PiiClass,
    /// The object is personal data whatever it is marked (NL-PII:NONE is refused).
    pub always: bool,
    /// Properties (as selectors) that are personal data on their own.
    pub properties: Vec<(String, PiiClass)>,
}

/// Object paths of the STIX patterning language that compare personal data.
const PERSONAL_PATTERN_PATHS: [&str; 3] = ["email-addr:", "email-message:", "user-account:"];

/// Detection by type (access-model-research.md 4.6). `ip_personal_data` is the collection's
/// setting for IP addresses. `body` is parsed only for the types whose detection needs it.
pub fn detect(type_name: &str, body: &str, ip_personal_data: bool) -> Detected {
    let parse = || serde_json::from_str::<Value>(body).ok();
    // The text tests below look for property names; a name written with a JSON escape
    // (`"credenti\u0061l"`) would slip past them, so such bodies are always parsed.
    let escaped = body.contains("\\u");
    let has = |needle: &str| escaped || body.contains(needle);
    let mut d = Detected::default();
    match type_name {
        "email-addr" | "email-message" | "mac-addr" => {
            d.object = PiiClass::Present;
            d.always = true;
        }
        "user-account" => {
            d.object = PiiClass::Present;
            d.always = true;
            if has("\"credential\"") && parse().is_some_and(|v| v.get("credential").is_some()) {
                d.properties
                    .push(("credential".to_owned(), PiiClass::Credential));
            }
        }
        "identity" => {
            if let Some(v) = parse() {
                if v.get("identity_class").and_then(Value::as_str) == Some("individual") {
                    d.object = PiiClass::Present;
                    d.always = true;
                } else if v.get("contact_information").is_some() {
                    d.properties
                        .push(("contact_information".to_owned(), PiiClass::Possible));
                }
            }
        }
        "x509-certificate"
            if has("\"subject\"") && parse().is_some_and(|v| v.get("subject").is_some()) =>
        {
            d.properties
                .push(("subject".to_owned(), PiiClass::Possible));
        }
        "artifact" => d.object = PiiClass::Possible,
        "ipv4-addr" | "ipv6-addr" if ip_personal_data => d.object = PiiClass::Possible,
        // Observables embedded in observed-data's deprecated `objects` count as the object's.
        "observed-data" if has("\"objects\"") => {
            let embedded = parse()
                .and_then(|v| v.get("objects").and_then(Value::as_object).cloned())
                .unwrap_or_default();
            for o in embedded.values() {
                let ty = o.get("type").and_then(Value::as_str).unwrap_or_default();
                let inner = detect(ty, &o.to_string(), ip_personal_data);
                d.object = d.object.max(inner.object);
                d.always |= inner.always;
                if !inner.properties.is_empty() {
                    d.object = d.object.max(PiiClass::Possible);
                }
            }
        }
        "indicator" => {
            if PERSONAL_PATTERN_PATHS.iter().any(|p| has(p))
                && let Some(pattern) = parse()
                    .as_ref()
                    .and_then(|v| v.get("pattern"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                && PERSONAL_PATTERN_PATHS.iter().any(|p| pattern.contains(p))
            {
                d.object = PiiClass::Present;
            }
        }
        _ => {}
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn designations_count_on_the_days_they_are_valid() {
        let d = vec![
            Designation {
                kind: DesignationKind::PersonalData,
                legal_basis: "x".into(),
                valid_from: day("2022-12-01"),
                valid_until: Some(day("2024-12-31")),
            },
            Designation {
                kind: DesignationKind::Credential,
                legal_basis: "y".into(),
                valid_from: day("2023-01-01"),
                valid_until: None,
            },
        ];
        let on = |s| PersonalAccess::on(&d, day(s));
        assert_eq!(on("2022-11-30"), PersonalAccess::default());
        assert!(on("2022-12-01").personal_data && !on("2022-12-01").credential);
        assert!(on("2023-01-01").credential && on("2024-12-31").personal_data);
        assert!(!on("2025-01-01").personal_data && on("2025-01-01").credential);
    }

    #[test]
    fn access_by_class() {
        let none = PersonalAccess::default();
        let pd = PersonalAccess {
            personal_data: true,
            credential: false,
        };
        let cred = PersonalAccess {
            personal_data: false,
            credential: true,
        };
        assert!(none.allows(PiiClass::None));
        for c in [PiiClass::Possible, PiiClass::Present, PiiClass::Credential] {
            assert!(!none.allows(c), "{c:?}");
        }
        assert!(pd.allows(PiiClass::Possible) && pd.allows(PiiClass::Present));
        assert!(!pd.allows(PiiClass::Credential));
        assert!(cred.allows(PiiClass::Credential) && !cred.allows(PiiClass::Present));
    }

    #[test]
    fn asset_scope_matching() {
        let s = AssetScope {
            ip_ranges: vec!["198.51.100.0/24".into(), "2001:db8::/32".into()],
            domains: vec!["bedrijf-b.nl".into()],
        };
        assert!(s.matches("ipv4-addr", "198.51.100.7"));
        assert!(s.matches("ipv4-addr", "198.51.100.0/25"));
        assert!(
            !s.matches("ipv4-addr", "198.51.0.0/16"),
            "wider than the scope"
        );
        assert!(!s.matches("ipv4-addr", "198.51.101.7"));
        assert!(s.matches("ipv6-addr", "2001:db8::1"));
        assert!(s.matches("domain-name", "vpn.bedrijf-b.nl"));
        assert!(s.matches("domain-name", "BEDRIJF-B.NL."));
        assert!(!s.matches("domain-name", "notbedrijf-b.nl"));
        assert!(s.matches("email-addr", "jan@bedrijf-b.nl"));
        assert!(s.matches("url", "https://vpn.bedrijf-b.nl:443/dana-na/"));
        assert!(s.matches("url", "https://u:p@198.51.100.9/x"));
        assert!(!s.matches("url", "https://evil.example/bedrijf-b.nl"));
        assert!(!s.matches("file", "bedrijf-b.nl"));
        let bad = AssetScope {
            ip_ranges: vec![
                "198.51.100.0/33".into(),
                "x".into(),
                "10.0.0.1".into(),
                "0.0.0.0/0".into(),
                "2001::/8".into(),
            ],
            domains: vec!["nl".into(), "bedrijf-b.nl".into(), ".nl".into()],
        };
        let errors = bad.invalid_entries();
        assert_eq!(errors.len(), 6, "{errors:?}");
        for (entry, error) in ["198.51.100.0/33", "x", "0.0.0.0/0", "2001::/8", "nl", ".nl"]
            .iter()
            .zip(&errors)
        {
            assert!(error.contains(&format!("{entry:?}")), "{error}");
        }
    }

    #[test]
    fn detection_by_type() {
        let d = detect(
            "user-account",
            r#"{"type":"user-account","credential":"x"}"#,
            false,
        );
        assert_eq!((d.object, d.always), (PiiClass::Present, true));
        assert_eq!(
            d.properties,
            vec![("credential".to_owned(), PiiClass::Credential)]
        );
        assert!(detect("email-addr", "{}", false).always);
        assert!(detect("mac-addr", "{}", false).always);
        assert!(detect("email-message", "{}", false).always);
        let person = detect("identity", r#"{"identity_class":"individual"}"#, false);
        assert_eq!((person.object, person.always), (PiiClass::Present, true));
        let org = detect(
            "identity",
            r#"{"identity_class":"organization","contact_information":"x"}"#,
            false,
        );
        assert_eq!(org.object, PiiClass::None);
        assert_eq!(org.properties[0].0, "contact_information");
        assert_eq!(detect("ipv4-addr", "{}", false).object, PiiClass::None);
        assert_eq!(detect("ipv4-addr", "{}", true).object, PiiClass::Possible);
        assert_eq!(detect("artifact", "{}", false).object, PiiClass::Possible);
        let ind = detect(
            "indicator",
            r#"{"pattern":"[email-addr:value = 'a@b.nl']"}"#,
            false,
        );
        assert_eq!((ind.object, ind.always), (PiiClass::Present, false));
        // The path only in a description is not a personal pattern.
        let ind = detect(
            "indicator",
            r#"{"pattern":"[ipv4-addr:value = '1.2.3.4']","description":"not email-addr: x"}"#,
            false,
        );
        assert_eq!(ind.object, PiiClass::None);
        assert_eq!(detect("malware", "{}", true), Detected::default());
        // A property name written with an escape is found all the same.
        let d = detect(
            "user-account",
            r#"{"type":"user-account","credenti\u0061l":"x"}"#,
            false,
        );
        assert_eq!(d.properties.len(), 1);
        // Observables embedded in observed-data.
        let od = |inner: &str| {
            detect(
                "observed-data",
                &format!(r#"{{"type":"observed-data","objects":{{"0":{inner}}}}}"#),
                true,
            )
        };
        let d = od(r#"{"type":"email-addr","value":"jan@example.nl"}"#);
        assert_eq!((d.object, d.always), (PiiClass::Present, true));
        assert_eq!(
            od(r#"{"type":"ipv4-addr","value":"198.51.100.1"}"#).object,
            PiiClass::Possible
        );
        assert_eq!(
            od(r#"{"type":"file","name":"x.exe"}"#).object,
            PiiClass::None
        );
    }
}
