//! Vocabularies used by SDOs, SROs and meta objects (section 10).

crate::open_vocab! {
    /// indicator-type-ov (section 10.11)
    IndicatorType, INDICATOR_TYPE_OV = "indicator-type-ov" {
        AnomalousActivity = "anomalous-activity",
        Anonymization = "anonymization",
        Benign = "benign",
        Compromised = "compromised",
        MaliciousActivity = "malicious-activity",
        Attribution = "attribution",
        Unknown = "unknown",
    }
}

crate::open_vocab! {
    /// pattern-type-ov (section 10.16)
    PatternType, PATTERN_TYPE_OV = "pattern-type-ov" {
        Stix = "stix",
        Pcre = "pcre",
        Sigma = "sigma",
        Snort = "snort",
        Suricata = "suricata",
        Yara = "yara",
    }
}
