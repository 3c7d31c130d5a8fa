//! STIX Domain Objects (section 4) and STIX Relationship Objects (section 5).

use crate::model::{Dictionary, ExternalReference, Hashes, KillChainPhase};
use crate::spec::{Kind, k};
#[allow(unused_imports)]
use crate::{list_of, ref_to, refs_to};

stix_sdo! {
    /// Attack Patterns are a type of TTP that describe ways that adversaries attempt to compromise targets.
    AttackPattern = "attack-pattern" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            aliases: Vec<String> = "aliases" => k::STRINGS,
            description: String = "description" => k::STRING,
            kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases" => Kind::List(&Kind::Object(KillChainPhase::SPEC)),
        }
    }
}

stix_sdo! {
    /// A Campaign is a grouping of adversary behavior that describes a set of malicious activities or attacks that occur over a period of time against a specific set of targets.
    Campaign = "campaign" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
            aliases: Vec<String> = "aliases" => k::STRINGS,
            first_seen: crate::StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: crate::StixTimestamp = "last_seen" => k::TIMESTAMP,
            objective: String = "objective" => k::STRING,
        }
    }
}

stix_sdo! {
    /// A Course of Action is an action taken either to prevent an attack or to respond to an attack that is in progress.
    CourseOfAction = "course-of-action" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
        }
    }
}

stix_sdo! {
    /// A Grouping object explicitly asserts that the referenced STIX Objects have a shared content.
    Grouping = "grouping" {
        required {
            context: String = "context" => k::STRING,
            object_refs: Vec<crate::StixId> = "object_refs" => k::ANY_REFS,
        }
        optional {
            name: String = "name" => k::STRING,
            description: String = "description" => k::STRING,
        }
    }
}

stix_sdo! {
    /// Identities can represent actual individuals, organizations, or groups (e.g., ACME, Inc.) as well as classes of individuals, organizations, or groups.
    Identity = "identity" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            roles: Vec<String> = "roles" => k::STRINGS,
            description: String = "description" => k::STRING,
            identity_class: String = "identity_class" => k::STRING, // identity-class-ov
            sectors: Vec<String> = "sectors" => k::STRINGS, // industry-sector-ov
            contact_information: String = "contact_information" => k::STRING,
        }
    }
}

stix_sdo! {
    /// The Incident object in STIX 2.1 is a stub, to be expanded in future STIX 2 releases.
    Incident = "incident" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
        }
    }
}

stix_sdo! {
    /// Indicators contain a pattern that can be used to detect suspicious or malicious cyber activity.
    Indicator = "indicator" {
        required {
            pattern: String = "pattern" => k::STRING,
            pattern_type: String = "pattern_type" => k::STRING,
            valid_from: crate::StixTimestamp = "valid_from" => k::TIMESTAMP,
        }
        optional {
            indicator_types: Vec<String> = "indicator_types" => k::STRINGS, // indicator-type-ov
            name: String = "name" => k::STRING,
            description: String = "description" => k::STRING,
            pattern_version: String = "pattern_version" => k::STRING,
            valid_until: crate::StixTimestamp = "valid_until" => k::TIMESTAMP,
            kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases" => Kind::List(&Kind::Object(KillChainPhase::SPEC)),
        }
    }
}

stix_sdo! {
    /// Infrastructure objects describe systems, software services, and associated physical or virtual resources.
    Infrastructure = "infrastructure" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
            infrastructure_types: Vec<String> = "infrastructure_types" => k::STRINGS, // infrastructure-type-ov
            aliases: Vec<String> = "aliases" => k::STRINGS,
            kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases" => Kind::List(&Kind::Object(KillChainPhase::SPEC)),
            first_seen: crate::StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: crate::StixTimestamp = "last_seen" => k::TIMESTAMP,
        }
    }
}

stix_sdo! {
    /// An Intrusion Set is a grouped set of adversary behavior and resources with common properties that is believed to be orchestrated by a single organization.
    IntrusionSet = "intrusion-set" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
            aliases: Vec<String> = "aliases" => k::STRINGS,
            first_seen: crate::StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: crate::StixTimestamp = "last_seen" => k::TIMESTAMP,
            goals: Vec<String> = "goals" => k::STRINGS,
            resource_level: String = "resource_level" => k::STRING, // attack-resource-level-ov
            primary_motivation: String = "primary_motivation" => k::STRING, // attack-motivation-ov
            secondary_motivations: Vec<String> = "secondary_motivations" => k::STRINGS, // attack-motivation-ov
        }
    }
}

stix_sdo! {
    /// A Location represents a geographic location. The location may be described as any, some or all of the following: region (e.g., North America), civic address (e.g. New York, US), latitude and longitude.
    Location = "location" {
        required {
        }
        optional {
            description: String = "description" => k::STRING,
            name: String = "name" => k::STRING,
            latitude: f64 = "latitude" => k::FLOAT,
            longitude: f64 = "longitude" => k::FLOAT,
            precision: f64 = "precision" => k::FLOAT,
            region: String = "region" => k::STRING,
            country: String = "country" => k::STRING,
            administrative_area: String = "administrative_area" => k::STRING,
            city: String = "city" => k::STRING,
            street_address: String = "street_address" => k::STRING,
            postal_code: String = "postal_code" => k::STRING,
        }
    }
}

stix_sdo! {
    /// Malware Analysis captures the metadata and results of a particular analysis performed (static or dynamic) on the malware instance or family.
    MalwareAnalysis = "malware-analysis" {
        required {
            product: String = "product" => k::STRING,
        }
        optional {
            version: String = "version" => k::STRING,
            configuration_version: String = "configuration_version" => k::STRING,
            modules: Vec<String> = "modules" => k::STRINGS,
            analysis_engine_version: String = "analysis_engine_version" => k::STRING,
            analysis_definition_version: String = "analysis_definition_version" => k::STRING,
            submitted: crate::StixTimestamp = "submitted" => k::TIMESTAMP,
            analysis_started: crate::StixTimestamp = "analysis_started" => k::TIMESTAMP,
            analysis_ended: crate::StixTimestamp = "analysis_ended" => k::TIMESTAMP,
            result_name: String = "result_name" => k::STRING,
            result: String = "result" => k::STRING,
            host_vm_ref: crate::StixId = "host_vm_ref" => k::ANY_REF,
            operating_system_ref: crate::StixId = "operating_system_ref" => k::ANY_REF,
            installed_software_refs: Vec<crate::StixId> = "installed_software_refs" => k::ANY_REFS,
            analysis_sco_refs: Vec<crate::StixId> = "analysis_sco_refs" => k::ANY_REFS,
            sample_ref: crate::StixId = "sample_ref" => k::ANY_REF,
        }
    }
}

stix_sdo! {
    /// Malware is a type of TTP that is also known as malicious code and malicious software, refers to a program that is inserted into a system, usually covertly, with the intent of compromising the confidentiality, integrity, or availability of the victim's data, applications, or operating system (OS) or of otherwise annoying or disrupting the victim.
    Malware = "malware" {
        required {
        }
        optional {
            aliases: Vec<String> = "aliases" => k::STRINGS,
            first_seen: crate::StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: crate::StixTimestamp = "last_seen" => k::TIMESTAMP,
            operating_system_refs: Vec<crate::StixId> = "operating_system_refs" => k::ANY_REFS,
            architecture_execution_envs: Vec<String> = "architecture_execution_envs" => k::STRINGS,
            implementation_languages: Vec<String> = "implementation_languages" => k::STRINGS, // implementation-language-ov
            capabilities: Vec<String> = "capabilities" => k::STRINGS, // malware-capabilities-ov
            sample_refs: Vec<crate::StixId> = "sample_refs" => k::ANY_REFS,
            malware_types: Vec<String> = "malware_types" => k::STRINGS, // malware-type-ov
            name: String = "name" => k::STRING,
            description: String = "description" => k::STRING,
            kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases" => Kind::List(&Kind::Object(KillChainPhase::SPEC)),
        }
    }
}

stix_sdo! {
    /// A Note is a comment or note containing informative text to help explain the context of one or more STIX Objects (SDOs or SROs) or to provide additional analysis that is not contained in the original object.
    Note = "note" {
        required {
            content: String = "content" => k::STRING,
            object_refs: Vec<crate::StixId> = "object_refs" => k::ANY_REFS,
        }
        optional {
            abstract_: String = "abstract" => k::STRING,
            authors: Vec<String> = "authors" => k::STRINGS,
        }
    }
}

stix_sdo! {
    /// Observed data conveys information that was observed on systems and networks, such as log data or network traffic, using the Cyber Observable specification.
    ObservedData = "observed-data" {
        required {
            first_observed: crate::StixTimestamp = "first_observed" => k::TIMESTAMP,
            last_observed: crate::StixTimestamp = "last_observed" => k::TIMESTAMP,
            number_observed: i64 = "number_observed" => k::int(1, 999999999),
        }
        optional {
            objects: Dictionary = "objects" => k::DICT /* FIXME structure */,
            object_refs: Vec<crate::StixId> = "object_refs" => k::ANY_REFS,
        }
    }
}

stix_sdo! {
    /// An Opinion is an assessment of the correctness of the information in a STIX Object produced by a different entity and captures the level of agreement or disagreement using a fixed scale.
    Opinion = "opinion" {
        required {
            object_refs: Vec<crate::StixId> = "object_refs" => k::ANY_REFS,
            opinion: String = "opinion" => k::STRING, // enum strongly-disagree,disagree,neutral,agree,strongly-agree
        }
        optional {
            explanation: String = "explanation" => k::STRING,
            authors: Vec<String> = "authors" => k::STRINGS,
        }
    }
}

stix_sdo! {
    /// Reports are collections of threat intelligence focused on one or more topics, such as a description of a threat actor, malware, or attack technique, including context and related details.
    Report = "report" {
        required {
            name: String = "name" => k::STRING,
            published: crate::StixTimestamp = "published" => k::TIMESTAMP,
            object_refs: Vec<crate::StixId> = "object_refs" => k::ANY_REFS,
        }
        optional {
            report_types: Vec<String> = "report_types" => k::STRINGS, // report-type-ov
            description: String = "description" => k::STRING,
        }
    }
}

stix_sdo! {
    /// Threat Actors are actual individuals, groups, or organizations believed to be operating with malicious intent.
    ThreatActor = "threat-actor" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            threat_actor_types: Vec<String> = "threat_actor_types" => k::STRINGS, // threat-actor-type-ov
            description: String = "description" => k::STRING,
            aliases: Vec<String> = "aliases" => k::STRINGS,
            roles: Vec<String> = "roles" => k::STRINGS, // threat-actor-role-ov
            goals: Vec<String> = "goals" => k::STRINGS,
            first_seen: crate::StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: crate::StixTimestamp = "last_seen" => k::TIMESTAMP,
            sophistication: String = "sophistication" => k::STRING, // threat-actor-sophistication-ov
            resource_level: String = "resource_level" => k::STRING, // attack-resource-level-ov
            primary_motivation: String = "primary_motivation" => k::STRING, // attack-motivation-ov
            secondary_motivations: Vec<String> = "secondary_motivations" => k::STRINGS, // attack-motivation-ov
            personal_motivations: Vec<String> = "personal_motivations" => k::STRINGS, // attack-motivation-ov
        }
    }
}

stix_sdo! {
    /// Tools are legitimate software that can be used by threat actors to perform attacks.
    Tool = "tool" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            aliases: Vec<String> = "aliases" => k::STRINGS,
            tool_types: Vec<String> = "tool_types" => k::STRINGS, // tool-type-ov
            description: String = "description" => k::STRING,
            tool_version: String = "tool_version" => k::STRING,
            kill_chain_phases: Vec<KillChainPhase> = "kill_chain_phases" => Kind::List(&Kind::Object(KillChainPhase::SPEC)),
        }
    }
}

stix_sdo! {
    /// A Vulnerability is a mistake in software that can be directly used by a hacker to gain access to a system or network.
    Vulnerability = "vulnerability" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
        }
    }
}

stix_sro! {
    /// The Relationship object is used to link together two SDOs in order to describe how they are related to each other.
    Relationship = "relationship" {
        required {
            relationship_type: String = "relationship_type" => k::STRING,
            source_ref: crate::StixId = "source_ref" => k::ANY_REF,
            target_ref: crate::StixId = "target_ref" => k::ANY_REF,
        }
        optional {
            description: String = "description" => k::STRING,
            start_time: crate::StixTimestamp = "start_time" => k::TIMESTAMP,
            stop_time: crate::StixTimestamp = "stop_time" => k::TIMESTAMP,
        }
    }
}

stix_sro! {
    /// A Sighting denotes the belief that something in CTI (e.g., an indicator, malware, tool, threat actor, etc.) was seen.
    Sighting = "sighting" {
        required {
            sighting_of_ref: crate::StixId = "sighting_of_ref" => k::ANY_REF,
        }
        optional {
            description: String = "description" => k::STRING,
            first_seen: crate::StixTimestamp = "first_seen" => k::TIMESTAMP,
            last_seen: crate::StixTimestamp = "last_seen" => k::TIMESTAMP,
            count: i64 = "count" => k::int(0, 999999999),
            observed_data_refs: Vec<crate::StixId> = "observed_data_refs" => k::ANY_REFS,
            where_sighted_refs: Vec<crate::StixId> = "where_sighted_refs" => k::ANY_REFS,
            summary: bool = "summary" => k::BOOL,
        }
    }
}
