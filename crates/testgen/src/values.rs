//! Realistic property values: identifiers, timestamps, hashes, network values, words, and the
//! STIX 2.1 vocabularies (section 10, with the errata-01 additions).

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::rng::Rng;

/// TLP 1.0 marking-definition ids (section 7.2.1.4).
pub const TLP_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
pub const TLP_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
pub const TLP_AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
pub const TLP_RED: &str = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";
/// The four TLP 1.0 markings: (id, name, colour).
pub const TLP: [(&str, &str, &str); 4] = [
    (TLP_WHITE, "TLP:WHITE", "white"),
    (TLP_GREEN, "TLP:GREEN", "green"),
    (TLP_AMBER, "TLP:AMBER", "amber"),
    (TLP_RED, "TLP:RED", "red"),
];

// ---- vocabularies (section 10; errata-01 additions marked) ----

pub const ACCOUNT_TYPE: &[&str] = &[
    "facebook",
    "ldap",
    "nis",
    "openid",
    "radius",
    "skype",
    "tacacs",
    "twitter",
    "unix",
    "windows-local",
    "windows-domain",
];
pub const ATTACK_MOTIVATION: &[&str] = &[
    "accidental",
    "coercion",
    "dominance",
    "ideology",
    "notoriety",
    "organizational-gain",
    "personal-gain",
    "personal-satisfaction",
    "revenge",
    "unpredictable",
];
pub const ATTACK_RESOURCE_LEVEL: &[&str] = &[
    "individual",
    "club",
    "contest",
    "team",
    "organization",
    "government",
];
pub const GROUPING_CONTEXT: &[&str] = &["suspicious-activity", "malware-analysis", "unspecified"];
pub const IDENTITY_CLASS: &[&str] = &[
    "individual",
    "group",
    "system",
    "organization",
    "class",
    "unknown",
];
/// `rust` added by errata 01.
pub const IMPLEMENTATION_LANGUAGE: &[&str] = &[
    "applescript",
    "bash",
    "c",
    "c++",
    "c#",
    "go",
    "java",
    "javascript",
    "lua",
    "objective-c",
    "perl",
    "php",
    "powershell",
    "python",
    "ruby",
    "rust",
    "scala",
    "swift",
    "typescript",
    "visual-basic",
    "x86-32",
    "x86-64",
];
pub const INDICATOR_TYPE: &[&str] = &[
    "anomalous-activity",
    "anonymization",
    "benign",
    "compromised",
    "malicious-activity",
    "attribution",
    "unknown",
];
/// `legal` added by errata 01.
pub const INDUSTRY_SECTOR: &[&str] = &[
    "agriculture",
    "aerospace",
    "automotive",
    "chemical",
    "commercial",
    "communications",
    "construction",
    "defense",
    "education",
    "energy",
    "engineering",
    "entertainment",
    "financial-services",
    "government",
    "emergency-services",
    "government-local",
    "government-national",
    "government-public-services",
    "government-regional",
    "healthcare",
    "hospitality-leisure",
    "infrastructure",
    "dams",
    "nuclear",
    "water",
    "insurance",
    "legal",
    "manufacturing",
    "mining",
    "non-profit",
    "pharmaceuticals",
    "retail",
    "technology",
    "telecommunications",
    "transportation",
    "utilities",
];
pub const INFRASTRUCTURE_TYPE: &[&str] = &[
    "amplification",
    "anonymization",
    "botnet",
    "command-and-control",
    "control-system",
    "exfiltration",
    "firewall",
    "hosting-malware",
    "hosting-target-lists",
    "phishing",
    "reconnaissance",
    "routers-switches",
    "staging",
    "workstation",
    "unknown",
];
pub const MALWARE_RESULT: &[&str] = &["malicious", "suspicious", "benign", "unknown"];
pub const MALWARE_CAPABILITIES: &[&str] = &[
    "accesses-remote-machines",
    "anti-debugging",
    "anti-disassembly",
    "anti-emulation",
    "anti-memory-forensics",
    "anti-sandbox",
    "anti-vm",
    "captures-input-peripherals",
    "captures-output-peripherals",
    "captures-system-state-data",
    "cleans-traces-of-infection",
    "commits-fraud",
    "communicates-with-c2",
    "compromises-data-availability",
    "compromises-data-integrity",
    "compromises-system-availability",
    "controls-local-machine",
    "degrades-security-software",
    "degrades-system-updates",
    "determines-c2-server",
    "emails-spam",
    "escalates-privileges",
    "evades-av",
    "exfiltrates-data",
    "fingerprints-host",
    "hides-artifacts",
    "hides-executing-code",
    "infects-files",
    "infects-remote-machines",
    "installs-other-components",
    "persists-after-system-reboot",
    "prevents-artifact-access",
    "prevents-artifact-deletion",
    "probes-network-environment",
    "self-modifies",
    "steals-authentication-credentials",
    "violates-system-operational-integrity",
];
pub const MALWARE_TYPE: &[&str] = &[
    "adware",
    "backdoor",
    "bot",
    "bootkit",
    "ddos",
    "downloader",
    "dropper",
    "exploit-kit",
    "keylogger",
    "ransomware",
    "remote-access-trojan",
    "resource-exploitation",
    "rogue-security-software",
    "rootkit",
    "screen-capture",
    "spyware",
    "trojan",
    "unknown",
    "virus",
    "webshell",
    "wiper",
    "worm",
];
pub const PATTERN_TYPE: &[&str] = &["stix", "pcre", "sigma", "snort", "suricata", "yara"];
pub const PROCESSOR_ARCHITECTURE: &[&str] = &[
    "alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64",
];
pub const REGION: &[&str] = &[
    "africa",
    "eastern-africa",
    "middle-africa",
    "northern-africa",
    "southern-africa",
    "western-africa",
    "americas",
    "caribbean",
    "central-america",
    "latin-america-caribbean",
    "northern-america",
    "south-america",
    "asia",
    "central-asia",
    "eastern-asia",
    "southern-asia",
    "south-eastern-asia",
    "western-asia",
    "europe",
    "eastern-europe",
    "northern-europe",
    "southern-europe",
    "western-europe",
    "oceania",
    "antarctica",
    "australia-new-zealand",
    "melanesia",
    "micronesia",
    "polynesia",
];
/// `incident` added by errata 01.
pub const REPORT_TYPE: &[&str] = &[
    "attack-pattern",
    "campaign",
    "identity",
    "incident",
    "indicator",
    "intrusion-set",
    "malware",
    "observed-data",
    "threat-actor",
    "threat-report",
    "tool",
    "vulnerability",
];
/// `private-sector` added by errata 01.
pub const THREAT_ACTOR_TYPE: &[&str] = &[
    "activist",
    "competitor",
    "crime-syndicate",
    "criminal",
    "hacker",
    "insider-accidental",
    "insider-disgruntled",
    "nation-state",
    "private-sector",
    "sensationalist",
    "spy",
    "terrorist",
    "unknown",
];
pub const THREAT_ACTOR_ROLE: &[&str] = &[
    "agent",
    "director",
    "independent",
    "infrastructure-architect",
    "infrastructure-operator",
    "malware-author",
    "sponsor",
];
pub const THREAT_ACTOR_SOPHISTICATION: &[&str] = &[
    "none",
    "minimal",
    "intermediate",
    "advanced",
    "expert",
    "innovator",
    "strategic",
];
pub const TOOL_TYPE: &[&str] = &[
    "denial-of-service",
    "exploitation",
    "information-gathering",
    "network-capture",
    "credential-exploitation",
    "remote-access",
    "vulnerability-scanning",
    "unknown",
];
pub const WINDOWS_PEBINARY_TYPE: &[&str] = &["dll", "exe", "sys"];
pub const ENCRYPTION_ALGORITHM: &[&str] =
    &["AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"];
pub const EXTENSION_TYPE: &[&str] = &[
    "new-sdo",
    "new-sco",
    "new-sro",
    "property-extension",
    "toplevel-property-extension",
];
pub const SOCKET_ADDRESS_FAMILY: &[&str] = &[
    "AF_UNSPEC",
    "AF_INET",
    "AF_IPX",
    "AF_APPLETALK",
    "AF_NETBIOS",
    "AF_INET6",
    "AF_IRDA",
    "AF_BTH",
];
pub const SOCKET_TYPE: &[&str] = &[
    "SOCK_STREAM",
    "SOCK_DGRAM",
    "SOCK_RAW",
    "SOCK_RDM",
    "SOCK_SEQPACKET",
];
pub const OPINION: &[&str] = &[
    "strongly-disagree",
    "disagree",
    "neutral",
    "agree",
    "strongly-agree",
];
pub const WINDOWS_INTEGRITY_LEVEL: &[&str] = &["low", "medium", "high", "system"];
pub const WINDOWS_REGISTRY_DATATYPE: &[&str] = &[
    "REG_NONE",
    "REG_SZ",
    "REG_EXPAND_SZ",
    "REG_BINARY",
    "REG_DWORD",
    "REG_DWORD_BIG_ENDIAN",
    "REG_DWORD_LITTLE_ENDIAN",
    "REG_LINK",
    "REG_MULTI_SZ",
    "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTION",
    "REG_RESOURCE_REQUIREMENTS_LIST",
    "REG_QWORD",
    "REG_INVALID_TYPE",
];
pub const WINDOWS_SERVICE_START_TYPE: &[&str] = &[
    "SERVICE_AUTO_START",
    "SERVICE_BOOT_START",
    "SERVICE_DEMAND_START",
    "SERVICE_DISABLED",
    "SERVICE_SYSTEM_ALERT",
];
pub const WINDOWS_SERVICE_TYPE: &[&str] = &[
    "SERVICE_KERNEL_DRIVER",
    "SERVICE_FILE_SYSTEM_DRIVER",
    "SERVICE_WIN32_OWN_PROCESS",
    "SERVICE_WIN32_SHARE_PROCESS",
];
pub const WINDOWS_SERVICE_STATUS: &[&str] = &[
    "SERVICE_CONTINUE_PENDING",
    "SERVICE_PAUSE_PENDING",
    "SERVICE_PAUSED",
    "SERVICE_RUNNING",
    "SERVICE_START_PENDING",
    "SERVICE_STOP_PENDING",
    "SERVICE_STOPPED",
];

/// Values outside any vocabulary but well-formed (lowercase, hyphenated): allowed by an open
/// vocabulary (S-66, a SHOULD at most).
pub const OUT_OF_VOCAB: &[&str] = &[
    "supply-chain",
    "insider-threat",
    "cryptojacking",
    "hacktivism",
    "data-broker",
    "living-off-the-land",
];

// ---- words ----

pub const NAMES: &[&str] = &[
    "Poison Ivy",
    "Black Basta",
    "Emotet",
    "Sandworm",
    "Cozy Bear",
    "APT28",
    "Lazarus Group",
    "Operation Aurora",
    "Night Dragon",
    "Cobalt Strike",
    "Mimikatz",
    "PlugX",
    "WannaCry",
    "NotPetya",
    "Stuxnet",
    "Carbanak",
    "FIN7",
    "Turla",
    "Kimsuky",
    "Ryuk",
    "TrickBot",
    "QakBot",
    "Operation Ghost",
    "Red October",
    "Zürich Phishing Wave",
    "Équipe Rouge",
    "黑客行动",
    "Spear-phish Q3",
    "ACME Corp",
    "Mallory",
    "Bob's Bakery",
    "CERT-EU",
];
pub const SENTENCES: &[&str] = &[
    "Observed during the incident response engagement.",
    "This activity targets the financial sector in Western Europe.",
    "A backdoor that beacons over HTTPS every 300 seconds.",
    "Credential phishing with lookalike domains.",
    "Mitigate by blocking the listed domains at the proxy.",
    "Analysts assess with moderate confidence that the group is state sponsored.",
    "Die Kampagne nutzt präparierte Rechnungen als Köder.",
    "Le logiciel malveillant chiffre les fichiers et exige une rançon.",
    "Multi-line\ndescription with a tab\tand \"quotes\".",
    "Emoji in text are fine: 🔒🐛",
];
pub const DOMAINS: &[&str] = &[
    "example.com",
    "evil.example.net",
    "login-microsoft.example.org",
    "cdn.example.io",
    "xn--bcher-kva.example",
    "update.example.co.uk",
    "mail.example.de",
    "a.b.c.example.com",
];
pub const KILL_CHAINS: &[(&str, &[&str])] = &[
    (
        "lockheed-martin-cyber-kill-chain",
        &[
            "reconnaissance",
            "weaponization",
            "delivery",
            "exploitation",
            "installation",
            "command-and-control",
            "actions-on-objectives",
        ],
    ),
    (
        "mitre-attack",
        &[
            "initial-access",
            "execution",
            "persistence",
            "privilege-escalation",
            "defense-evasion",
            "credential-access",
            "discovery",
            "lateral-movement",
            "collection",
            "exfiltration",
            "impact",
        ],
    ),
];
/// RFC 5646 tags; the last ones are valid tags missing from some validators' fixed lists.
pub const LANG_TAGS: &[&str] = &["en", "fr", "de", "nl", "ja", "en-US", "de-CH", "pt-BR"];
pub const LANG_TAGS_RARE: &[&str] = &["zh-Hans", "es-419", "sr-Latn-RS", "gsw"];
/// IANA-registered media types.
pub const MIME_TYPES: &[&str] = &[
    "application/pdf",
    "text/plain",
    "image/png",
    "application/zip",
    "application/octet-stream",
    "text/html",
    "application/vnd.microsoft.portable-executable",
    "image/jpeg",
];
pub const CHARSETS: &[&str] = &[
    "UTF-8",
    "ISO-8859-1",
    "windows-1252",
    "US-ASCII",
    "Shift_JIS",
    "UTF-16LE",
];
pub const COUNTRIES: &[&str] = &["US", "DE", "NL", "FR", "JP", "BR", "CH", "GB", "KP", "UA"];

// ---- identifiers ----

/// A random UUIDv4 (version and variant bits set).
pub fn uuid4(r: &mut Rng) -> Uuid {
    uuid::Builder::from_random_bytes(r.bytes16()).into_uuid()
}

/// `<type>--<UUIDv4>`.
pub fn id(r: &mut Rng, ty: &str) -> String {
    format!("{ty}--{}", uuid4(r))
}

/// `<type>--<UUIDv5>` in a namespace that is not the STIX SCO one (for references to SCOs).
pub fn sco_ref(r: &mut Rng, ty: &str) -> String {
    let name = r.next_u64().to_string();
    format!(
        "{ty}--{}",
        Uuid::new_v5(&stix::sco_id::SCO_NAMESPACE, name.as_bytes())
    )
}

/// Reference to an object of one of `types` (SCO types get v5 UUIDs, as real ones would).
pub fn ref_to(r: &mut Rng, types: &[&str]) -> String {
    let ty = *r.pick(types);
    if stix::sco_id::contributing_properties(ty).is_some_and(|p| !p.is_empty()) {
        sco_ref(r, ty)
    } else {
        id(r, ty)
    }
}

/// 1..=max references to objects of `types`.
pub fn refs_to(r: &mut Rng, types: &[&str], max: usize) -> Value {
    let n = 1 + r.below(max);
    Value::Array((0..n).map(|_| Value::String(ref_to(r, types))).collect())
}

/// The SDO types (section 4): the first 19 of [`crate::ALL_TYPES`].
pub const SDO_TYPES: &[&str] = crate::ALL_TYPES.split_at(19).0;
/// The SCO types (section 6): the 18 after the two SROs in [`crate::ALL_TYPES`].
pub const SCO_TYPES: &[&str] = crate::ALL_TYPES.split_at(21).1.split_at(18).0;

// ---- timestamps ----

/// Seconds since the Unix epoch and nanoseconds: a point in time to format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    pub secs: i64,
    pub nanos: u32,
}

/// How many fractional digits to print.
#[derive(Debug, Clone, Copy)]
pub enum Precision {
    Seconds,
    Millis,
    Micros,
    Nanos,
}

impl Instant {
    /// A random instant between 2012 and 2026, on a millisecond boundary.
    pub fn random(r: &mut Rng) -> Self {
        Instant {
            secs: r.range(1_325_376_000, 1_767_225_599),
            nanos: r.range(0, 999) as u32 * 1_000_000,
        }
    }

    /// An instant `0..=max_secs` seconds later (0 keeps it equal, which `>=` rules allow).
    pub fn later(self, r: &mut Rng, max_secs: i64) -> Self {
        Instant {
            secs: self.secs + r.range(0, max_secs),
            nanos: self.nanos,
        }
    }

    /// An instant strictly later (for `>` rules).
    pub fn strictly_later(self, r: &mut Rng, max_secs: i64) -> Self {
        Instant {
            secs: self.secs + r.range(1, max_secs.max(1)),
            nanos: self.nanos,
        }
    }

    /// An instant strictly earlier.
    pub fn earlier(self, r: &mut Rng, max_secs: i64) -> Self {
        Instant {
            secs: self.secs - r.range(1, max_secs.max(1)),
            nanos: self.nanos,
        }
    }

    /// RFC 3339 UTC text with the given precision.
    pub fn format(self, p: Precision) -> String {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let base = format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod % 3600 / 60,
            sod % 60
        );
        match p {
            Precision::Seconds => format!("{base}Z"),
            Precision::Millis => format!("{base}.{:03}Z", self.nanos / 1_000_000),
            Precision::Micros => format!("{base}.{:06}Z", self.nanos / 1_000),
            Precision::Nanos => format!("{base}.{:09}Z", self.nanos),
        }
    }

    /// Milliseconds or finer (what `created`/`modified` need, S-23).
    pub fn ms(self, r: &mut Rng) -> String {
        // Nanoseconds are rarer: stix2-validator compares them as strings (see the docs).
        let p = match r.below(20) {
            0..=12 => Precision::Millis,
            13..=18 => Precision::Micros,
            _ => Precision::Nanos,
        };
        self.format(p)
    }

    /// Any precision the timestamp type allows (S-22).
    pub fn any(self, r: &mut Rng) -> String {
        let p = *r.pick(&[
            Precision::Seconds,
            Precision::Millis,
            Precision::Millis,
            Precision::Micros,
        ]);
        self.format(p)
    }
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

// ---- encodings ----

/// `n` random lowercase hex digits.
pub fn hex(r: &mut Rng, n: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    (0..n).map(|_| DIGITS[r.below(16)] as char).collect()
}

/// Standard base64 with padding (RFC 4648 section 4).
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Random bytes as base64.
pub fn payload(r: &mut Rng) -> String {
    let n = 1 + r.below(48);
    let bytes: Vec<u8> = (0..n).map(|_| r.next_u64() as u8).collect();
    base64(&bytes)
}

/// A hashes dictionary (section 2.7) with 1-3 algorithms, usually including SHA-256.
pub fn hashes(r: &mut Rng) -> Value {
    let mut m = Map::new();
    if r.chance(0.8) {
        m.insert("SHA-256".into(), json!(hex(r, 64)));
    }
    if r.chance(0.4) {
        m.insert("MD5".into(), json!(hex(r, 32)));
    }
    if r.chance(0.3) {
        m.insert("SHA-1".into(), json!(hex(r, 40)));
    }
    if r.chance(0.1) {
        m.insert("SHA-512".into(), json!(hex(r, 128)));
    }
    if r.chance(0.05) {
        m.insert("SHA3-256".into(), json!(hex(r, 64)));
    }
    if r.chance(0.05) {
        m.insert(
            "SSDEEP".into(),
            json!(format!("96:{}:{}", hex(r, 20), hex(r, 12))),
        );
    }
    if m.is_empty() {
        m.insert("SHA-256".into(), json!(hex(r, 64)));
    }
    Value::Object(m)
}

// ---- network values ----

pub fn ipv4(r: &mut Rng) -> String {
    let base = *r.pick(&[[198u8, 51, 100], [203, 0, 113], [192, 0, 2], [10, 20, 30]]);
    let v = format!("{}.{}.{}.{}", base[0], base[1], base[2], r.below(256));
    if r.chance(0.15) {
        format!("{v}/{}", r.range(8, 32))
    } else {
        v
    }
}

pub fn ipv6(r: &mut Rng) -> String {
    match r.below(3) {
        0 => format!("2001:db8::{:x}", r.below(65536)),
        1 => format!(
            "2001:0db8:85a3:0000:0000:8a2e:{:04x}:{:04x}",
            r.below(65536),
            r.below(65536)
        ),
        _ => format!("2001:db8:{:x}::/48", r.below(65536)),
    }
}

pub fn mac(r: &mut Rng) -> String {
    (0..6)
        .map(|_| format!("{:02x}", r.below(256)))
        .collect::<Vec<_>>()
        .join(":")
}

pub fn domain(r: &mut Rng) -> String {
    let d = *r.pick(DOMAINS);
    if r.chance(0.3) {
        format!("{}.{d}", r.pick(&["www", "mail", "vpn", "api", "x1"]))
    } else {
        d.to_owned()
    }
}

pub fn url(r: &mut Rng) -> String {
    let scheme = *r.pick(&["http", "https", "https", "ftp"]);
    let path = *r.pick(&[
        "",
        "/",
        "/index.html",
        "/payload.bin",
        "/a/b?c=d&e=f",
        "/login#top",
    ]);
    format!("{scheme}://{}{path}", domain(r))
}

pub fn email(r: &mut Rng) -> String {
    let user = *r.pick(&["jdoe", "alice", "bob.smith", "noreply", "it-support", "x"]);
    format!("{user}@{}", domain(r))
}

/// A string from the pool, sometimes with a suffix so values repeat less.
pub fn name(r: &mut Rng) -> String {
    let n = *r.pick(NAMES);
    if r.chance(0.3) {
        format!("{n} {}", r.range(2, 2099))
    } else {
        n.to_owned()
    }
}

pub fn sentence(r: &mut Rng) -> String {
    (*r.pick(SENTENCES)).to_owned()
}

/// Values for an open-vocabulary property: usually from the vocabulary, sometimes not.
pub fn ov(r: &mut Rng, vocab: &[&str]) -> String {
    if r.chance(0.1) {
        (*r.pick(OUT_OF_VOCAB)).to_owned()
    } else {
        (*r.pick(vocab)).to_owned()
    }
}

/// A non-empty list of open-vocabulary values.
pub fn ov_list(r: &mut Rng, vocab: &[&str]) -> Value {
    let n = 1 + r.below(3);
    let mut out: Vec<String> = Vec::new();
    for _ in 0..n {
        let v = ov(r, vocab);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    json!(out)
}

/// A non-empty list of names.
pub fn names(r: &mut Rng) -> Value {
    let n = 1 + r.below(3);
    Value::Array((0..n).map(|_| json!(name(r))).collect())
}

/// A language tag (RFC 5646).
pub fn lang(r: &mut Rng) -> String {
    if r.chance(0.1) {
        (*r.pick(LANG_TAGS_RARE)).to_owned()
    } else {
        (*r.pick(LANG_TAGS)).to_owned()
    }
}

/// A list of kill chain phases (section 2.11).
pub fn kill_chain_phases(r: &mut Rng) -> Value {
    let n = 1 + r.below(2);
    Value::Array(
        (0..n)
            .map(|_| {
                let (chain, phases) = *r.pick(KILL_CHAINS);
                json!({"kill_chain_name": chain, "phase_name": r.pick(phases)})
            })
            .collect(),
    )
}

/// One external reference (section 2.5) of a random shape.
pub fn external_reference(r: &mut Rng) -> Value {
    match r.below(5) {
        0 => json!({"source_name": "capec", "external_id": format!("CAPEC-{}", r.range(1, 700))}),
        1 => json!({
            "source_name": "cve",
            "external_id": format!("CVE-{}-{}", r.range(1999, 2025), r.range(1000, 99999))
        }),
        2 => json!({"source_name": "veris", "description": sentence(r)}),
        3 => {
            let mut m = Map::new();
            m.insert("source_name".into(), json!("vendor-blog"));
            m.insert("url".into(), json!(url(r)));
            if r.chance(0.6) {
                m.insert("hashes".into(), json!({"SHA-256": hex(r, 64)}));
            }
            if r.chance(0.3) {
                m.insert("description".into(), json!(sentence(r)));
            }
            Value::Object(m)
        }
        _ => json!({
            "source_name": "mitre-attack",
            "external_id": format!("T{}", r.range(1000, 1600)),
            "url": format!("https://attack.mitre.org/techniques/T{}", r.range(1000, 1600)),
            "hashes": {"SHA-256": hex(r, 64)}
        }),
    }
}

/// True when `key` can be one component of a granular-marking selector (section 7.2.3):
/// anything that does not contain the selector syntax's own `.`, `[` and `]`.
pub fn is_selector_component(key: &str) -> bool {
    !key.is_empty() && !key.contains(['.', '[', ']'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_groups_are_the_right_slices_of_all_types() {
        assert_eq!(SDO_TYPES.len(), 19);
        assert_eq!(
            (SDO_TYPES[0], SDO_TYPES[18]),
            ("attack-pattern", "vulnerability")
        );
        assert_eq!(SCO_TYPES.len(), 18);
        assert_eq!(
            (SCO_TYPES[0], SCO_TYPES[17]),
            ("artifact", "x509-certificate")
        );
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn timestamps_format_known_instants() {
        let t = Instant {
            secs: 1_459_973_028,
            nanos: 0,
        };
        assert_eq!(t.format(Precision::Millis), "2016-04-06T20:03:48.000Z");
        let leap = Instant {
            secs: 951_782_400,
            nanos: 5_000,
        };
        assert_eq!(
            leap.format(Precision::Micros),
            "2000-02-29T00:00:00.000005Z"
        );
        assert_eq!(
            Instant { secs: 0, nanos: 0 }.format(Precision::Seconds),
            "1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn uuid4_has_version_4() {
        let mut r = Rng::new(3);
        assert_eq!(uuid4(&mut r).get_version_num(), 4);
    }
}
