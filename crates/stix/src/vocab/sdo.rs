//! Vocabularies used by SDOs, SROs and meta objects (section 10).
//!
//! Values follow the STIX 2.1 errata 01 text of section 10, which adds values that the JSON
//! schemas' `definitions` lack (`rust`, `legal`, `incident`, `intrusion-set`, `private-sector`,
//! the four new infrastructure types) and fixes their region list.

crate::open_vocab! {
    /// attack-motivation-ov (section 10.2)
    AttackMotivation, ATTACK_MOTIVATION_OV = "attack-motivation-ov" {
        Accidental = "accidental",
        Coercion = "coercion",
        Dominance = "dominance",
        Ideology = "ideology",
        Notoriety = "notoriety",
        OrganizationalGain = "organizational-gain",
        PersonalGain = "personal-gain",
        PersonalSatisfaction = "personal-satisfaction",
        Revenge = "revenge",
        Unpredictable = "unpredictable",
    }
}

crate::open_vocab! {
    /// attack-resource-level-ov (section 10.3)
    AttackResourceLevel, ATTACK_RESOURCE_LEVEL_OV = "attack-resource-level-ov" {
        Individual = "individual",
        Club = "club",
        Contest = "contest",
        Team = "team",
        Organization = "organization",
        Government = "government",
    }
}

crate::closed_enum! {
    /// extension-type-enum (section 10.5)
    ExtensionType, EXTENSION_TYPE_ENUM = "extension-type-enum" {
        NewSdo = "new-sdo",
        NewSco = "new-sco",
        NewSro = "new-sro",
        PropertyExtension = "property-extension",
        ToplevelPropertyExtension = "toplevel-property-extension",
    }
}

crate::open_vocab! {
    /// grouping-context-ov (section 10.6)
    GroupingContext, GROUPING_CONTEXT_OV = "grouping-context-ov" {
        SuspiciousActivity = "suspicious-activity",
        MalwareAnalysis = "malware-analysis",
        Unspecified = "unspecified",
    }
}

crate::open_vocab! {
    /// identity-class-ov (section 10.8)
    IdentityClass, IDENTITY_CLASS_OV = "identity-class-ov" {
        Individual = "individual",
        Group = "group",
        System = "system",
        Organization = "organization",
        Class = "class",
        Unknown = "unknown",
    }
}

crate::open_vocab! {
    /// implementation-language-ov (section 10.9; errata 01 adds `rust`)
    ImplementationLanguage, IMPLEMENTATION_LANGUAGE_OV = "implementation-language-ov" {
        Applescript = "applescript",
        Bash = "bash",
        C = "c",
        CPlusPlus = "c++",
        CSharp = "c#",
        Go = "go",
        Java = "java",
        Javascript = "javascript",
        Lua = "lua",
        ObjectiveC = "objective-c",
        Perl = "perl",
        Php = "php",
        Powershell = "powershell",
        Python = "python",
        Ruby = "ruby",
        Rust = "rust",
        Scala = "scala",
        Swift = "swift",
        Typescript = "typescript",
        VisualBasic = "visual-basic",
        X86_32 = "x86-32",
        X86_64 = "x86-64",
    }
}

crate::open_vocab! {
    /// indicator-type-ov (section 10.10)
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
    /// industry-sector-ov (section 10.11; errata 01 adds `legal`)
    IndustrySector, INDUSTRY_SECTOR_OV = "industry-sector-ov" {
        Agriculture = "agriculture",
        Aerospace = "aerospace",
        Automotive = "automotive",
        Chemical = "chemical",
        Commercial = "commercial",
        Communications = "communications",
        Construction = "construction",
        Defense = "defense",
        Education = "education",
        Energy = "energy",
        Entertainment = "entertainment",
        FinancialServices = "financial-services",
        Government = "government",
        EmergencyServices = "emergency-services",
        GovernmentLocal = "government-local",
        GovernmentNational = "government-national",
        GovernmentPublicServices = "government-public-services",
        GovernmentRegional = "government-regional",
        Healthcare = "healthcare",
        HospitalityLeisure = "hospitality-leisure",
        Infrastructure = "infrastructure",
        Dams = "dams",
        Nuclear = "nuclear",
        Water = "water",
        Insurance = "insurance",
        Legal = "legal",
        Manufacturing = "manufacturing",
        Mining = "mining",
        NonProfit = "non-profit",
        Pharmaceuticals = "pharmaceuticals",
        Retail = "retail",
        Technology = "technology",
        Telecommunications = "telecommunications",
        Transportation = "transportation",
        Utilities = "utilities",
    }
}

crate::open_vocab! {
    /// infrastructure-type-ov (section 10.12; errata 01 adds `control-system`, `firewall`,
    /// `routers-switches` and `workstation`)
    InfrastructureType, INFRASTRUCTURE_TYPE_OV = "infrastructure-type-ov" {
        Amplification = "amplification",
        Anonymization = "anonymization",
        Botnet = "botnet",
        CommandAndControl = "command-and-control",
        ControlSystem = "control-system",
        Exfiltration = "exfiltration",
        Firewall = "firewall",
        HostingMalware = "hosting-malware",
        HostingTargetLists = "hosting-target-lists",
        Phishing = "phishing",
        Reconnaissance = "reconnaissance",
        RoutersSwitches = "routers-switches",
        Staging = "staging",
        Workstation = "workstation",
        Unknown = "unknown",
    }
}

crate::open_vocab! {
    /// malware-capabilities-ov (section 10.13)
    MalwareCapability, MALWARE_CAPABILITIES_OV = "malware-capabilities-ov" {
        AccessesRemoteMachines = "accesses-remote-machines",
        AntiDebugging = "anti-debugging",
        AntiDisassembly = "anti-disassembly",
        AntiEmulation = "anti-emulation",
        AntiMemoryForensics = "anti-memory-forensics",
        AntiSandbox = "anti-sandbox",
        AntiVm = "anti-vm",
        CapturesInputPeripherals = "captures-input-peripherals",
        CapturesOutputPeripherals = "captures-output-peripherals",
        CapturesSystemStateData = "captures-system-state-data",
        CleansTracesOfInfection = "cleans-traces-of-infection",
        CommitsFraud = "commits-fraud",
        CommunicatesWithC2 = "communicates-with-c2",
        CompromisesDataAvailability = "compromises-data-availability",
        CompromisesDataIntegrity = "compromises-data-integrity",
        CompromisesSystemAvailability = "compromises-system-availability",
        ControlsLocalMachine = "controls-local-machine",
        DegradesSecuritySoftware = "degrades-security-software",
        DegradesSystemUpdates = "degrades-system-updates",
        DeterminesC2Server = "determines-c2-server",
        EmailsSpam = "emails-spam",
        EscalatesPrivileges = "escalates-privileges",
        EvadesAv = "evades-av",
        ExfiltratesData = "exfiltrates-data",
        FingerprintsHost = "fingerprints-host",
        HidesArtifacts = "hides-artifacts",
        HidesExecutingCode = "hides-executing-code",
        InfectsFiles = "infects-files",
        InfectsRemoteMachines = "infects-remote-machines",
        InstallsOtherComponents = "installs-other-components",
        PersistsAfterSystemReboot = "persists-after-system-reboot",
        PreventsArtifactAccess = "prevents-artifact-access",
        PreventsArtifactDeletion = "prevents-artifact-deletion",
        ProbesNetworkEnvironment = "probes-network-environment",
        SelfModifies = "self-modifies",
        StealsAuthenticationCredentials = "steals-authentication-credentials",
        ViolatesSystemOperationalIntegrity = "violates-system-operational-integrity",
    }
}

crate::open_vocab! {
    /// malware-result-ov (section 10.14)
    MalwareResult, MALWARE_RESULT_OV = "malware-result-ov" {
        Malicious = "malicious",
        Suspicious = "suspicious",
        Benign = "benign",
        Unknown = "unknown",
    }
}

crate::open_vocab! {
    /// malware-type-ov (section 10.15)
    MalwareType, MALWARE_TYPE_OV = "malware-type-ov" {
        Adware = "adware",
        Backdoor = "backdoor",
        Bot = "bot",
        Bootkit = "bootkit",
        Ddos = "ddos",
        Downloader = "downloader",
        Dropper = "dropper",
        ExploitKit = "exploit-kit",
        Keylogger = "keylogger",
        Ransomware = "ransomware",
        RemoteAccessTrojan = "remote-access-trojan",
        ResourceExploitation = "resource-exploitation",
        RogueSecuritySoftware = "rogue-security-software",
        Rootkit = "rootkit",
        ScreenCapture = "screen-capture",
        Spyware = "spyware",
        Trojan = "trojan",
        Unknown = "unknown",
        Virus = "virus",
        Webshell = "webshell",
        Wiper = "wiper",
        Worm = "worm",
    }
}

crate::closed_enum! {
    /// opinion-enum (section 10.18), ordered from disagreement to agreement.
    OpinionValue, OPINION_ENUM = "opinion-enum" {
        StronglyDisagree = "strongly-disagree",
        Disagree = "disagree",
        Neutral = "neutral",
        Agree = "agree",
        StronglyAgree = "strongly-agree",
    }
}

crate::open_vocab! {
    /// pattern-type-ov (section 10.19)
    PatternType, PATTERN_TYPE_OV = "pattern-type-ov" {
        Stix = "stix",
        Pcre = "pcre",
        Sigma = "sigma",
        Snort = "snort",
        Suricata = "suricata",
        Yara = "yara",
    }
}

crate::open_vocab! {
    /// processor-architecture-ov (section 10.20)
    ProcessorArchitecture, PROCESSOR_ARCHITECTURE_OV = "processor-architecture-ov" {
        Alpha = "alpha",
        Arm = "arm",
        Ia64 = "ia-64",
        Mips = "mips",
        Powerpc = "powerpc",
        Sparc = "sparc",
        X86 = "x86",
        X86_64 = "x86-64",
    }
}

crate::open_vocab! {
    /// region-ov (section 10.21). The JSON schema's list has merged entries
    /// (`central-america northern-america`) and lacks `south-eastern-asia`; this is the
    /// specification's list.
    Region, REGION_OV = "region-ov" {
        Africa = "africa",
        EasternAfrica = "eastern-africa",
        MiddleAfrica = "middle-africa",
        NorthernAfrica = "northern-africa",
        SouthernAfrica = "southern-africa",
        WesternAfrica = "western-africa",
        Americas = "americas",
        Caribbean = "caribbean",
        CentralAmerica = "central-america",
        LatinAmericaCaribbean = "latin-america-caribbean",
        NorthernAmerica = "northern-america",
        SouthAmerica = "south-america",
        Asia = "asia",
        CentralAsia = "central-asia",
        EasternAsia = "eastern-asia",
        SouthernAsia = "southern-asia",
        SouthEasternAsia = "south-eastern-asia",
        WesternAsia = "western-asia",
        Europe = "europe",
        EasternEurope = "eastern-europe",
        NorthernEurope = "northern-europe",
        SouthernEurope = "southern-europe",
        WesternEurope = "western-europe",
        Oceania = "oceania",
        Antarctica = "antarctica",
        AustraliaNewZealand = "australia-new-zealand",
        Melanesia = "melanesia",
        Micronesia = "micronesia",
        Polynesia = "polynesia",
    }
}

crate::open_vocab! {
    /// report-type-ov (section 10.22; errata 01 adds `incident` and `intrusion-set`)
    ReportType, REPORT_TYPE_OV = "report-type-ov" {
        AttackPattern = "attack-pattern",
        Campaign = "campaign",
        Identity = "identity",
        Incident = "incident",
        Indicator = "indicator",
        IntrusionSet = "intrusion-set",
        Malware = "malware",
        ObservedData = "observed-data",
        ThreatActor = "threat-actor",
        ThreatReport = "threat-report",
        Tool = "tool",
        Vulnerability = "vulnerability",
    }
}

crate::open_vocab! {
    /// threat-actor-type-ov (section 10.23; errata 01 adds `private-sector`)
    ThreatActorType, THREAT_ACTOR_TYPE_OV = "threat-actor-type-ov" {
        Activist = "activist",
        Competitor = "competitor",
        CrimeSyndicate = "crime-syndicate",
        Criminal = "criminal",
        Hacker = "hacker",
        InsiderAccidental = "insider-accidental",
        InsiderDisgruntled = "insider-disgruntled",
        NationState = "nation-state",
        PrivateSector = "private-sector",
        Sensationalist = "sensationalist",
        Spy = "spy",
        Terrorist = "terrorist",
        Unknown = "unknown",
    }
}

crate::open_vocab! {
    /// threat-actor-role-ov (section 10.24)
    ThreatActorRole, THREAT_ACTOR_ROLE_OV = "threat-actor-role-ov" {
        Agent = "agent",
        Director = "director",
        Independent = "independent",
        InfrastructureArchitect = "infrastructure-architect",
        InfrastructureOperator = "infrastructure-operator",
        MalwareAuthor = "malware-author",
        Sponsor = "sponsor",
    }
}

crate::open_vocab! {
    /// threat-actor-sophistication-ov (section 10.25)
    ThreatActorSophistication, THREAT_ACTOR_SOPHISTICATION_OV = "threat-actor-sophistication-ov" {
        None = "none",
        Minimal = "minimal",
        Intermediate = "intermediate",
        Advanced = "advanced",
        Expert = "expert",
        Innovator = "innovator",
        Strategic = "strategic",
    }
}

crate::open_vocab! {
    /// tool-type-ov (section 10.26)
    ToolType, TOOL_TYPE_OV = "tool-type-ov" {
        DenialOfService = "denial-of-service",
        Exploitation = "exploitation",
        InformationGathering = "information-gathering",
        NetworkCapture = "network-capture",
        CredentialExploitation = "credential-exploitation",
        RemoteAccess = "remote-access",
        VulnerabilityScanning = "vulnerability-scanning",
        Unknown = "unknown",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn errata_values_are_suggested() {
        assert!(IMPLEMENTATION_LANGUAGE_OV.contains("rust"));
        assert!(INDUSTRY_SECTOR_OV.contains("legal"));
        assert!(REPORT_TYPE_OV.contains("incident"));
        assert!(THREAT_ACTOR_TYPE_OV.contains("private-sector"));
        assert!(REGION_OV.contains("south-eastern-asia"));
        assert!(!REGION_OV.contains("central-america northern-america"));
    }

    #[test]
    fn vocabularies_have_no_duplicates() {
        for v in [
            &ATTACK_MOTIVATION_OV,
            &ATTACK_RESOURCE_LEVEL_OV,
            &GROUPING_CONTEXT_OV,
            &IDENTITY_CLASS_OV,
            &IMPLEMENTATION_LANGUAGE_OV,
            &INDICATOR_TYPE_OV,
            &INDUSTRY_SECTOR_OV,
            &INFRASTRUCTURE_TYPE_OV,
            &MALWARE_CAPABILITIES_OV,
            &MALWARE_RESULT_OV,
            &MALWARE_TYPE_OV,
            &PATTERN_TYPE_OV,
            &PROCESSOR_ARCHITECTURE_OV,
            &REGION_OV,
            &REPORT_TYPE_OV,
            &THREAT_ACTOR_TYPE_OV,
            &THREAT_ACTOR_ROLE_OV,
            &THREAT_ACTOR_SOPHISTICATION_OV,
            &TOOL_TYPE_OV,
            &OPINION_ENUM,
            &EXTENSION_TYPE_ENUM,
        ] {
            let mut seen = std::collections::HashSet::new();
            for value in v.values {
                assert!(seen.insert(value), "{} lists '{value}' twice", v.name);
                assert!(
                    value.bytes().all(|b| b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || b"-+#".contains(&b)),
                    "{}: '{value}' is not lowercase-hyphenated",
                    v.name
                );
            }
        }
    }

    #[test]
    fn open_vocab_and_enum_serde() {
        let v: Vec<MalwareType> = serde_json::from_str(r#"["ransomware","x-custom"]"#).unwrap();
        assert_eq!(v[0], MalwareType::Ransomware);
        assert_eq!(v[1], MalwareType::Other("x-custom".into()));
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"["ransomware","x-custom"]"#
        );
        assert!(serde_json::from_str::<OpinionValue>(r#""meh""#).is_err());
        assert_eq!(
            serde_json::from_str::<ExtensionType>(r#""new-sdo""#).unwrap(),
            ExtensionType::NewSdo
        );
    }
}
