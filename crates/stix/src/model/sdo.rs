//! STIX Domain Objects (section 4) and STIX Relationship Objects (section 5).
//!
//! Property tables follow the STIX 2.1 errata 01 text, except where checklist S-59 tells us to
//! follow the OASIS JSON schemas (grouping `name` optional, malware `is_family` required).

use crate::model::{Dictionary, KillChainPhase};
use crate::spec::{Kind, RefTarget, k};
use crate::validate::rules;
use crate::vocab::*;
use crate::{StixId, StixTimestamp};

const KILL_CHAIN_PHASES: Kind = Kind::List(&Kind::Object(KillChainPhase::SPEC));

/// An open-vocabulary value (S-66: a value outside the list is a warning).
macro_rules! ov {
    ($v:ident) => {
        Kind::OpenVocab(&$v)
    };
}

/// A non-empty list of open-vocabulary values. The item kind lives in a static because a
/// constant cannot borrow a temporary that refers to a static (the vocabulary).
macro_rules! ov_list {
    ($v:ident) => {{
        static ITEM: Kind = Kind::OpenVocab(&$v);
        Kind::List(&ITEM)
    }};
}

stix_sdo! {
    /// Attack Pattern (section 4.1): a TTP describing how adversaries try to compromise targets.
    AttackPattern = "attack-pattern" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
            aliases: Vec<String> = "aliases" => k::STRINGS,
            kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases" => KILL_CHAIN_PHASES,
        }
        rules = rules::sdo_common;
    }
}

stix_sdo! {
    /// Campaign (section 4.2): adversary behavior over a period of time against specific targets.
    Campaign = "campaign" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
            aliases: Vec<String> = "aliases" => k::STRINGS,
            first_seen: StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: StixTimestamp = "last_seen" => k::TIMESTAMP,
            objective: String = "objective" => k::STRING,
        }
        rules = rules::seen_window;
    }
}

stix_sdo! {
    /// Course of Action (section 4.3): a recommendation to prevent or respond to an attack.
    /// The reserved `action` property is rejected by the generic walk (S-44).
    CourseOfAction = "course-of-action" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
        }
        rules = rules::sdo_common;
    }
}

stix_sdo! {
    /// Grouping (section 4.4): referenced objects that share a context.
    Grouping = "grouping" {
        required {
            context: GroupingContext = "context" => ov!(GROUPING_CONTEXT_OV),
            object_refs: Vec<StixId> = "object_refs" => k::ANY_REFS,
        }
        optional {
            // Required in the errata markdown, optional in the OS schemas (S-59 note).
            name: String = "name" => k::STRING,
            description: String = "description" => k::STRING,
        }
        rules = rules::sdo_common;
    }
}

stix_sdo! {
    /// Identity (section 4.5): individuals, organizations, groups, or classes of them.
    Identity = "identity" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
            roles: Vec<String> = "roles" => k::STRINGS,
            identity_class: IdentityClass = "identity_class" => ov!(IDENTITY_CLASS_OV),
            sectors: Vec<IndustrySector> = "sectors" => ov_list!(INDUSTRY_SECTOR_OV),
            contact_information: String = "contact_information" => k::STRING,
        }
        rules = rules::sdo_common;
    }
}

stix_sdo! {
    /// Incident (section 4.6): a stub in STIX 2.1, meant to be extended.
    Incident = "incident" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
        }
        rules = rules::sdo_common;
    }
}

stix_sdo! {
    /// Indicator (section 4.7): a detection pattern for suspicious or malicious activity.
    Indicator = "indicator" {
        required {
            pattern: String = "pattern" => k::STRING,
            pattern_type: PatternType = "pattern_type" => ov!(PATTERN_TYPE_OV),
            valid_from: StixTimestamp = "valid_from" => k::TIMESTAMP,
        }
        optional {
            name: String = "name" => k::STRING,
            description: String = "description" => k::STRING,
            indicator_types: Vec<IndicatorType> = "indicator_types" => ov_list!(INDICATOR_TYPE_OV),
            pattern_version: String = "pattern_version" => k::STRING,
            valid_until: StixTimestamp = "valid_until" => k::TIMESTAMP,
            kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases" => KILL_CHAIN_PHASES,
        }
        rules = rules::indicator;
    }
}

stix_sdo! {
    /// Infrastructure (section 4.8): systems, services and resources serving some purpose.
    Infrastructure = "infrastructure" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
            infrastructure_types: Vec<InfrastructureType> = "infrastructure_types" => ov_list!(INFRASTRUCTURE_TYPE_OV),
            aliases: Vec<String> = "aliases" => k::STRINGS,
            kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases" => KILL_CHAIN_PHASES,
            first_seen: StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: StixTimestamp = "last_seen" => k::TIMESTAMP,
        }
        rules = rules::seen_window;
    }
}

stix_sdo! {
    /// Intrusion Set (section 4.9): adversarial behaviors and resources of one organization.
    IntrusionSet = "intrusion-set" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
            aliases: Vec<String> = "aliases" => k::STRINGS,
            first_seen: StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: StixTimestamp = "last_seen" => k::TIMESTAMP,
            goals: Vec<String> = "goals" => k::STRINGS,
            resource_level: AttackResourceLevel = "resource_level" => ov!(ATTACK_RESOURCE_LEVEL_OV),
            primary_motivation: AttackMotivation = "primary_motivation" => ov!(ATTACK_MOTIVATION_OV),
            secondary_motivations: Vec<AttackMotivation> = "secondary_motivations" => ov_list!(ATTACK_MOTIVATION_OV),
        }
        rules = rules::seen_window;
    }
}

stix_sdo! {
    /// Location (section 4.10): a region, civic address, or coordinates. At least one of
    /// `region`, `country`, or `latitude` + `longitude` is required (checked by the rule).
    Location = "location" {
        required {}
        optional {
            name: String = "name" => k::STRING,
            description: String = "description" => k::STRING,
            latitude: f64 = "latitude" => Kind::Float { min: Some(-90.0), max: Some(90.0) },
            longitude: f64 = "longitude" => Kind::Float { min: Some(-180.0), max: Some(180.0) },
            precision: f64 = "precision" => k::FLOAT,
            region: Region = "region" => ov!(REGION_OV),
            country: String = "country" => k::STRING,
            administrative_area: String = "administrative_area" => k::STRING,
            city: String = "city" => k::STRING,
            street_address: String = "street_address" => k::STRING,
            postal_code: String = "postal_code" => k::STRING,
        }
        rules = rules::location;
    }
}

stix_sdo! {
    /// Malware (section 4.11): a malware instance or family.
    Malware = "malware" {
        required {
            // Optional in the errata markdown, required in the OS schemas (S-59 note).
            is_family: bool = "is_family" => k::BOOL,
        }
        optional {
            name: String = "name" => k::STRING,
            description: String = "description" => k::STRING,
            malware_types: Vec<MalwareType> = "malware_types" => ov_list!(MALWARE_TYPE_OV),
            aliases: Vec<String> = "aliases" => k::STRINGS,
            kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases" => KILL_CHAIN_PHASES,
            first_seen: StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: StixTimestamp = "last_seen" => k::TIMESTAMP,
            operating_system_refs: Vec<StixId> = "operating_system_refs" => refs_to!("software"),
            architecture_execution_envs: Vec<ProcessorArchitecture> = "architecture_execution_envs" => ov_list!(PROCESSOR_ARCHITECTURE_OV),
            implementation_languages: Vec<ImplementationLanguage> = "implementation_languages" => ov_list!(IMPLEMENTATION_LANGUAGE_OV),
            capabilities: Vec<MalwareCapability> = "capabilities" => ov_list!(MALWARE_CAPABILITIES_OV),
            sample_refs: Vec<StixId> = "sample_refs" => refs_to!("file", "artifact"),
        }
        rules = rules::malware;
    }
}

stix_sdo! {
    /// Malware Analysis (section 4.12): metadata and results of one static or dynamic analysis.
    MalwareAnalysis = "malware-analysis" {
        required {
            product: String = "product" => k::STRING,
        }
        optional {
            version: String = "version" => k::STRING,
            host_vm_ref: StixId = "host_vm_ref" => ref_to!("software"),
            operating_system_ref: StixId = "operating_system_ref" => ref_to!("software"),
            installed_software_refs: Vec<StixId> = "installed_software_refs" => refs_to!("software"),
            configuration_version: String = "configuration_version" => k::STRING,
            modules: Vec<String> = "modules" => k::STRINGS,
            analysis_engine_version: String = "analysis_engine_version" => k::STRING,
            analysis_definition_version: String = "analysis_definition_version" => k::STRING,
            submitted: StixTimestamp = "submitted" => k::TIMESTAMP,
            analysis_started: StixTimestamp = "analysis_started" => k::TIMESTAMP,
            analysis_ended: StixTimestamp = "analysis_ended" => k::TIMESTAMP,
            result_name: String = "result_name" => k::STRING,
            result: MalwareResult = "result" => ov!(MALWARE_RESULT_OV),
            analysis_sco_refs: Vec<StixId> = "analysis_sco_refs" => Kind::List(&Kind::Identifier(RefTarget::Sco)),
            sample_ref: StixId = "sample_ref" => ref_to!("file", "network-traffic", "artifact"),
        }
        rules = rules::malware_analysis;
    }
}

stix_sdo! {
    /// Note (section 4.13): informative text about other objects, by anyone.
    Note = "note" {
        required {
            content: String = "content" => k::STRING,
            object_refs: Vec<StixId> = "object_refs" => k::ANY_REFS,
        }
        optional {
            abstract_: String = "abstract" => k::STRING,
            authors: Vec<String> = "authors" => k::STRINGS,
        }
        rules = rules::sdo_common;
    }
}

stix_sdo! {
    /// Observed Data (section 4.14): raw observations of SCOs. Exactly one of `object_refs` and
    /// the deprecated `objects` container is required (checked by the rule).
    ObservedData = "observed-data" {
        required {
            first_observed: StixTimestamp = "first_observed" => k::TIMESTAMP,
            last_observed: StixTimestamp = "last_observed" => k::TIMESTAMP,
            number_observed: i64 = "number_observed" => k::int(1, 999_999_999),
        }
        optional {
            // Deprecated observable container (section 2.13): keys are local references,
            // values SCOs (possibly in STIX 2.0 form); the rule checks what it can.
            objects: Dictionary = "objects" => k::DICT,
            object_refs: Vec<StixId> = "object_refs" => Kind::List(&Kind::Identifier(RefTarget::ScoOrSro)),
        }
        rules = rules::observed_data;
    }
}

stix_sdo! {
    /// Opinion (section 4.15): agreement or disagreement with the referenced objects.
    Opinion = "opinion" {
        required {
            opinion: OpinionValue = "opinion" => Kind::Enum(&OPINION_ENUM),
            object_refs: Vec<StixId> = "object_refs" => k::ANY_REFS,
        }
        optional {
            explanation: String = "explanation" => k::STRING,
            authors: Vec<String> = "authors" => k::STRINGS,
        }
        rules = rules::sdo_common;
    }
}

stix_sdo! {
    /// Report (section 4.16): threat intelligence on one or more topics, published as a whole.
    Report = "report" {
        required {
            name: String = "name" => k::STRING,
            published: StixTimestamp = "published" => k::TIMESTAMP,
            object_refs: Vec<StixId> = "object_refs" => k::ANY_REFS,
        }
        optional {
            description: String = "description" => k::STRING,
            report_types: Vec<ReportType> = "report_types" => ov_list!(REPORT_TYPE_OV),
        }
        rules = rules::sdo_common;
    }
}

stix_sdo! {
    /// Threat Actor (section 4.17): individuals, groups, or organizations with malicious intent.
    ThreatActor = "threat-actor" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
            threat_actor_types: Vec<ThreatActorType> = "threat_actor_types" => ov_list!(THREAT_ACTOR_TYPE_OV),
            aliases: Vec<String> = "aliases" => k::STRINGS,
            first_seen: StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: StixTimestamp = "last_seen" => k::TIMESTAMP,
            roles: Vec<ThreatActorRole> = "roles" => ov_list!(THREAT_ACTOR_ROLE_OV),
            goals: Vec<String> = "goals" => k::STRINGS,
            sophistication: ThreatActorSophistication = "sophistication" => ov!(THREAT_ACTOR_SOPHISTICATION_OV),
            resource_level: AttackResourceLevel = "resource_level" => ov!(ATTACK_RESOURCE_LEVEL_OV),
            primary_motivation: AttackMotivation = "primary_motivation" => ov!(ATTACK_MOTIVATION_OV),
            secondary_motivations: Vec<AttackMotivation> = "secondary_motivations" => ov_list!(ATTACK_MOTIVATION_OV),
            personal_motivations: Vec<AttackMotivation> = "personal_motivations" => ov_list!(ATTACK_MOTIVATION_OV),
        }
        rules = rules::seen_window;
    }
}

stix_sdo! {
    /// Tool (section 4.18): legitimate software that threat actors can use.
    Tool = "tool" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
            tool_types: Vec<ToolType> = "tool_types" => ov_list!(TOOL_TYPE_OV),
            aliases: Vec<String> = "aliases" => k::STRINGS,
            kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases" => KILL_CHAIN_PHASES,
            tool_version: String = "tool_version" => k::STRING,
        }
        rules = rules::sdo_common;
    }
}

stix_sdo! {
    /// Vulnerability (section 4.19): a mistake in software that can be exploited.
    Vulnerability = "vulnerability" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
        }
        rules = rules::sdo_common;
    }
}

stix_sro! {
    /// Relationship (section 5.1): an edge between two SDOs or SCOs.
    Relationship = "relationship" {
        required {
            relationship_type: String = "relationship_type" => k::STRING,
            source_ref: StixId = "source_ref" => Kind::Identifier(RefTarget::SdoOrSco),
            target_ref: StixId = "target_ref" => Kind::Identifier(RefTarget::SdoOrSco),
        }
        optional {
            description: String = "description" => k::STRING,
            start_time: StixTimestamp = "start_time" => k::TIMESTAMP,
            stop_time: StixTimestamp = "stop_time" => k::TIMESTAMP,
        }
        rules = rules::relationship;
    }
}

stix_sro! {
    /// Sighting (section 5.2): the belief that an SDO was seen.
    Sighting = "sighting" {
        required {
            sighting_of_ref: StixId = "sighting_of_ref" => Kind::Identifier(RefTarget::Sdo),
        }
        optional {
            description: String = "description" => k::STRING,
            first_seen: StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: StixTimestamp = "last_seen" => k::TIMESTAMP,
            count: i64 = "count" => k::int(0, 999_999_999),
            observed_data_refs: Vec<StixId> = "observed_data_refs" => refs_to!("observed-data"),
            where_sighted_refs: Vec<StixId> = "where_sighted_refs" => refs_to!("identity", "location"),
            summary: bool = "summary" => k::BOOL,
        }
        rules = rules::sighting;
    }
}
