//! STIX Cyber-observable Objects (section 6) and their predefined extensions.

use crate::model::{Dictionary, ExternalReference, Hashes, KillChainPhase};
use crate::spec::{Kind, k};
#[allow(unused_imports)]
use crate::{list_of, ref_to, refs_to};

stix_sco! {
    /// The Artifact Object permits capturing an array of bytes (8-bits), as a base64-encoded string string, or linking to a file-like payload.
    Artifact = "artifact" {
        required {
        }
        optional {
            mime_type: String = "mime_type" => k::STRING,
            payload_bin: String = "payload_bin" => k::BINARY,
            url: String = "url" => k::URL,
            hashes: Hashes = "hashes" => k::HASHES,
            encryption_algorithm: serde_json::Value = "encryption_algorithm" => k::ANY /* FIXME */,
            decryption_key: String = "decryption_key" => k::STRING,
        }
    }
}

stix_sco! {
    /// The AS object represents the properties of an Autonomous Systems (AS).
    AutonomousSystem = "autonomous-system" {
        required {
            number: i64 = "number" => k::INT,
        }
        optional {
            name: String = "name" => k::STRING,
            rir: String = "rir" => k::STRING,
        }
    }
}

stix_sco! {
    /// The Directory Object represents the properties common to a file system directory.
    Directory = "directory" {
        required {
            path: String = "path" => k::STRING,
        }
        optional {
            path_enc: String = "path_enc" => k::STRING,
            ctime: crate::StixTimestamp = "ctime" => k::TIMESTAMP,
            mtime: crate::StixTimestamp = "mtime" => k::TIMESTAMP,
            atime: crate::StixTimestamp = "atime" => k::TIMESTAMP,
            contains_refs: Vec<crate::StixId> = "contains_refs" => k::ANY_REFS,
        }
    }
}

stix_sco! {
    /// The Domain Name represents the properties of a network domain name.
    DomainName = "domain-name" {
        required {
            value: String = "value" => k::STRING,
        }
        optional {
            resolves_to_refs: Vec<crate::StixId> = "resolves_to_refs" => k::ANY_REFS,
        }
    }
}

stix_sco! {
    /// The Email Address Object represents a single email address.
    EmailAddr = "email-addr" {
        required {
            value: String = "value" => k::STRING,
        }
        optional {
            display_name: String = "display_name" => k::STRING,
            belongs_to_ref: crate::StixId = "belongs_to_ref" => k::ANY_REF,
        }
    }
}

stix_sco! {
    /// The Email Message Object represents an instance of an email message.
    EmailMessage = "email-message" {
        required {
        }
        optional {
            date: crate::StixTimestamp = "date" => k::TIMESTAMP,
            content_type: String = "content_type" => k::STRING,
            from_ref: crate::StixId = "from_ref" => k::ANY_REF,
            sender_ref: crate::StixId = "sender_ref" => k::ANY_REF,
            to_refs: Vec<crate::StixId> = "to_refs" => k::ANY_REFS,
            cc_refs: Vec<crate::StixId> = "cc_refs" => k::ANY_REFS,
            bcc_refs: Vec<crate::StixId> = "bcc_refs" => k::ANY_REFS,
            message_id: String = "message_id" => k::STRING,
            subject: String = "subject" => k::STRING,
            received_lines: Vec<String> = "received_lines" => k::STRINGS,
            additional_header_fields: serde_json::Value = "additional_header_fields" => k::ANY /* FIXME */,
            raw_email_ref: crate::StixId = "raw_email_ref" => k::ANY_REF,
        }
    }
}

stix_sco! {
    /// The File Object represents the properties of a file.
    File = "file" {
        required {
        }
        optional {
            hashes: Hashes = "hashes" => k::HASHES,
            size: i64 = "size" => k::NON_NEG_INT,
            name: String = "name" => k::STRING,
            name_enc: String = "name_enc" => k::STRING,
            magic_number_hex: String = "magic_number_hex" => k::HEX,
            mime_type: String = "mime_type" => k::STRING,
            ctime: crate::StixTimestamp = "ctime" => k::TIMESTAMP,
            mtime: crate::StixTimestamp = "mtime" => k::TIMESTAMP,
            atime: crate::StixTimestamp = "atime" => k::TIMESTAMP,
            parent_directory_ref: crate::StixId = "parent_directory_ref" => k::ANY_REF,
            contains_refs: Vec<crate::StixId> = "contains_refs" => k::ANY_REFS,
            content_ref: crate::StixId = "content_ref" => k::ANY_REF,
        }
    }
}

stix_sco! {
    /// The IPv4 Address Object represents one or more IPv4 addresses expressed using CIDR notation.
    Ipv4Addr = "ipv4-addr" {
        required {
            value: String = "value" => k::STRING,
        }
        optional {
            resolves_to_refs: Vec<crate::StixId> = "resolves_to_refs" => k::ANY_REFS,
            belongs_to_refs: Vec<crate::StixId> = "belongs_to_refs" => k::ANY_REFS,
        }
    }
}

stix_sco! {
    /// The IPv6 Address Object represents one or more IPv6 addresses expressed using CIDR notation.
    Ipv6Addr = "ipv6-addr" {
        required {
            value: String = "value" => k::STRING,
        }
        optional {
            resolves_to_refs: Vec<crate::StixId> = "resolves_to_refs" => k::ANY_REFS,
            belongs_to_refs: Vec<crate::StixId> = "belongs_to_refs" => k::ANY_REFS,
        }
    }
}

stix_sco! {
    /// The MAC Address Object represents a single Media Access Control (MAC) address.
    MacAddr = "mac-addr" {
        required {
            value: String = "value" => k::STRING,
        }
        optional {
        }
    }
}

stix_sco! {
    /// The Mutex Object represents the properties of a mutual exclusion (mutex) object.
    Mutex = "mutex" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
        }
    }
}

stix_sco! {
    /// The Network Traffic Object represents arbitrary network traffic that originates from a source and is addressed to a destination.
    NetworkTraffic = "network-traffic" {
        required {
            protocols: Vec<String> = "protocols" => k::STRINGS,
        }
        optional {
            start: crate::StixTimestamp = "start" => k::TIMESTAMP,
            end: crate::StixTimestamp = "end" => k::TIMESTAMP,
            src_ref: crate::StixId = "src_ref" => k::ANY_REF,
            dst_ref: crate::StixId = "dst_ref" => k::ANY_REF,
            src_port: i64 = "src_port" => k::int(0, 65535),
            dst_port: i64 = "dst_port" => k::int(0, 65535),
            src_byte_count: i64 = "src_byte_count" => k::INT,
            dst_byte_count: i64 = "dst_byte_count" => k::INT,
            src_packets: i64 = "src_packets" => k::INT,
            dst_packets: i64 = "dst_packets" => k::INT,
            ipfix: Dictionary = "ipfix" => k::DICT,
            src_payload_ref: crate::StixId = "src_payload_ref" => k::ANY_REF,
            dst_payload_ref: crate::StixId = "dst_payload_ref" => k::ANY_REF,
            encapsulates_refs: Vec<crate::StixId> = "encapsulates_refs" => k::ANY_REFS,
            encapsulated_by_ref: crate::StixId = "encapsulated_by_ref" => k::ANY_REF,
        }
    }
}

stix_sco! {
    /// The Process Object represents common properties of an instance of a computer program as executed on an operating system.
    Process = "process" {
        required {
        }
        optional {
            is_hidden: bool = "is_hidden" => k::BOOL,
            pid: i64 = "pid" => k::INT,
            created_time: crate::StixTimestamp = "created_time" => k::TIMESTAMP,
            cwd: String = "cwd" => k::STRING,
            command_line: String = "command_line" => k::STRING,
            environment_variables: Dictionary = "environment_variables" => k::DICT,
            opened_connection_refs: Vec<crate::StixId> = "opened_connection_refs" => k::ANY_REFS,
            creator_user_ref: crate::StixId = "creator_user_ref" => k::ANY_REF,
            image_ref: crate::StixId = "image_ref" => k::ANY_REF,
            parent_ref: crate::StixId = "parent_ref" => k::ANY_REF,
            child_refs: Vec<crate::StixId> = "child_refs" => k::ANY_REFS,
        }
    }
}

stix_sco! {
    /// The Software Object represents high-level properties associated with software, including software products.
    Software = "software" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            cpe: String = "cpe" => k::STRING,
            swid: String = "swid" => k::STRING,
            languages: Vec<String> = "languages" => k::STRINGS,
            vendor: String = "vendor" => k::STRING,
            version: String = "version" => k::STRING,
        }
    }
}

stix_sco! {
    /// The URL Object represents the properties of a uniform resource locator (URL).
    Url = "url" {
        required {
            value: String = "value" => k::URL,
        }
        optional {
        }
    }
}

stix_sco! {
    /// The User Account Object represents an instance of any type of user account, including but not limited to operating system, device, messaging service, and social media platform accounts.
    UserAccount = "user-account" {
        required {
        }
        optional {
            user_id: String = "user_id" => k::STRING,
            credential: String = "credential" => k::STRING,
            account_login: String = "account_login" => k::STRING,
            account_type: String = "account_type" => k::STRING, // account-type-ov
            display_name: String = "display_name" => k::STRING,
            is_service_account: bool = "is_service_account" => k::BOOL,
            is_privileged: bool = "is_privileged" => k::BOOL,
            can_escalate_privs: bool = "can_escalate_privs" => k::BOOL,
            is_disabled: bool = "is_disabled" => k::BOOL,
            account_created: crate::StixTimestamp = "account_created" => k::TIMESTAMP,
            account_expires: crate::StixTimestamp = "account_expires" => k::TIMESTAMP,
            credential_last_changed: crate::StixTimestamp = "credential_last_changed" => k::TIMESTAMP,
            account_first_login: crate::StixTimestamp = "account_first_login" => k::TIMESTAMP,
            account_last_login: crate::StixTimestamp = "account_last_login" => k::TIMESTAMP,
        }
    }
}

stix_sco! {
    /// The Registry Key Object represents the properties of a Windows registry key.
    WindowsRegistryKey = "windows-registry-key" {
        required {
        }
        optional {
            key: String = "key" => k::STRING,
            values: Vec<serde_json::Value> = "values" => list_of!(k::ANY) /* FIXME item type */,
            modified_time: crate::StixTimestamp = "modified_time" => k::TIMESTAMP,
            creator_user_ref: crate::StixId = "creator_user_ref" => k::ANY_REF,
            number_of_subkeys: i64 = "number_of_subkeys" => k::INT,
        }
    }
}

stix_sco! {
    /// The X509 Certificate Object represents the properties of an X.509 certificate.
    X509Certificate = "x509-certificate" {
        required {
        }
        optional {
            is_self_signed: bool = "is_self_signed" => k::BOOL,
            hashes: Hashes = "hashes" => k::HASHES,
            version: String = "version" => k::STRING,
            serial_number: String = "serial_number" => k::STRING,
            signature_algorithm: String = "signature_algorithm" => k::STRING,
            issuer: String = "issuer" => k::STRING,
            validity_not_before: crate::StixTimestamp = "validity_not_before" => k::TIMESTAMP,
            validity_not_after: crate::StixTimestamp = "validity_not_after" => k::TIMESTAMP,
            subject: String = "subject" => k::STRING,
            subject_public_key_algorithm: String = "subject_public_key_algorithm" => k::STRING,
            subject_public_key_modulus: String = "subject_public_key_modulus" => k::STRING,
            subject_public_key_exponent: i64 = "subject_public_key_exponent" => k::INT,
            x509_v3_extensions: serde_json::Value = "x509_v3_extensions" => k::ANY /* FIXME */,
        }
    }
}
