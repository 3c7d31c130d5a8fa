//! STIX Cyber-observable Objects (section 6) and their predefined extensions (sections 3.10,
//! 6.x).
//!
//! Reviewed against the errata-01 text and the OASIS JSON schemas. Where they disagree, the
//! text wins, except for `window_title` (the errata markdown prints `windows_title`, a
//! conversion slip: the OS text, the schema and python-stix2 all use `window_title`).
//!
//! Nested structures are open (unknown members are custom properties, section 11.1 allows them
//! on SCO extensions too) except the PE optional header, whose member set mirrors the fixed
//! PE/COFF optional header layout and which the OASIS schema closes
//! (`additionalProperties: false`): an unknown member there can only be a mistake.
//!
//! Rules the tables cannot express live in [`crate::validate::rules`] (`sco.rs`).

use std::collections::BTreeMap;

use crate::model::{Dictionary, Hashes};
use crate::spec::{Kind, RefTarget, k};
use crate::vocab::{
    ACCOUNT_TYPE_OV, AccountType, ENCRYPTION_ALGORITHM_ENUM, EncryptionAlgorithm,
    NETWORK_SOCKET_ADDRESS_FAMILY_ENUM, NETWORK_SOCKET_TYPE_ENUM, NetworkSocketAddressFamily,
    NetworkSocketType, WINDOWS_INTEGRITY_LEVEL_ENUM, WINDOWS_PEBINARY_TYPE_OV,
    WINDOWS_REGISTRY_DATATYPE_ENUM, WINDOWS_SERVICE_START_TYPE_ENUM, WINDOWS_SERVICE_STATUS_ENUM,
    WINDOWS_SERVICE_TYPE_ENUM, WindowsIntegrityLevel, WindowsPebinaryType, WindowsRegistryDatatype,
    WindowsServiceStartType, WindowsServiceStatus, WindowsServiceType,
};
#[allow(unused_imports)]
use crate::{list_of, ref_to, refs_to};

use crate::validate::rules;

/// Dictionary whose values are strings (environment variables, PDF document info).
const DICT_OF_STRINGS: Kind = Kind::DictionaryOf(&k::STRING);
/// Identifiers of any SCO (`file.contains_refs`).
const SCO_REFS: Kind = Kind::List(&Kind::Identifier(RefTarget::Sco));

// ---------------------------------------------------------------------------------------------
// 6.1 Artifact

stix_sco! {
    /// Artifact (section 6.1): bytes as base64 (`payload_bin`) or a link to them (`url`).
    Artifact = "artifact" {
        required {}
        optional {
            mime_type: String = "mime_type" => k::STRING,
            payload_bin: String = "payload_bin" => k::BINARY,
            url: String = "url" => k::URL,
            hashes: Hashes = "hashes" => k::HASHES,
            encryption_algorithm: EncryptionAlgorithm = "encryption_algorithm" => Kind::Enum(&ENCRYPTION_ALGORITHM_ENUM),
            decryption_key: String = "decryption_key" => k::STRING,
        }
        rules = rules::artifact;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.2 Autonomous System

stix_sco! {
    /// Autonomous System (section 6.2).
    AutonomousSystem = "autonomous-system" {
        required {
            number: i64 = "number" => k::INT,
        }
        optional {
            name: String = "name" => k::STRING,
            rir: String = "rir" => k::STRING,
        }
        rules = rules::sco_common;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.3 Directory

stix_sco! {
    /// Directory (section 6.3).
    Directory = "directory" {
        required {
            path: String = "path" => k::STRING,
        }
        optional {
            path_enc: String = "path_enc" => k::STRING,
            ctime: crate::StixTimestamp = "ctime" => k::TIMESTAMP,
            mtime: crate::StixTimestamp = "mtime" => k::TIMESTAMP,
            atime: crate::StixTimestamp = "atime" => k::TIMESTAMP,
            contains_refs: Vec<crate::StixId> = "contains_refs" => refs_to!("file", "directory"),
        }
        rules = rules::sco_common;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.4 Domain Name

stix_sco! {
    /// Domain Name (section 6.4).
    DomainName = "domain-name" {
        required {
            value: String = "value" => k::STRING,
        }
        optional {
            resolves_to_refs: Vec<crate::StixId> = "resolves_to_refs" => refs_to!("ipv4-addr", "ipv6-addr", "domain-name"),
        }
        rules = rules::domain_name;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.5 Email Address

stix_sco! {
    /// Email Address (section 6.5): an RFC 5322 addr-spec without display name.
    EmailAddr = "email-addr" {
        required {
            value: String = "value" => k::STRING,
        }
        optional {
            display_name: String = "display_name" => k::STRING,
            belongs_to_ref: crate::StixId = "belongs_to_ref" => ref_to!("user-account"),
        }
        rules = rules::email_addr;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.6 Email Message

stix_nested! {
    /// Email MIME component (section 6.6.2): exactly one of `body` / `body_raw_ref`.
    EmailMimePart = "email-mime-part-type" {
        required {}
        optional {
            body: String = "body" => k::STRING,
            body_raw_ref: crate::StixId = "body_raw_ref" => ref_to!("artifact", "file"),
            content_type: String = "content_type" => k::STRING,
            content_disposition: String = "content_disposition" => k::STRING,
        }
        rules = rules::email_mime_part;
    }
}

stix_sco! {
    /// Email Message (section 6.6).
    EmailMessage = "email-message" {
        required {
            is_multipart: bool = "is_multipart" => k::BOOL,
        }
        optional {
            date: crate::StixTimestamp = "date" => k::TIMESTAMP,
            content_type: String = "content_type" => k::STRING,
            from_ref: crate::StixId = "from_ref" => ref_to!("email-addr"),
            sender_ref: crate::StixId = "sender_ref" => ref_to!("email-addr"),
            to_refs: Vec<crate::StixId> = "to_refs" => refs_to!("email-addr"),
            cc_refs: Vec<crate::StixId> = "cc_refs" => refs_to!("email-addr"),
            bcc_refs: Vec<crate::StixId> = "bcc_refs" => refs_to!("email-addr"),
            message_id: String = "message_id" => k::STRING,
            subject: String = "subject" => k::STRING,
            received_lines: Vec<String> = "received_lines" => k::STRINGS,
            // Values are lists of strings (a plain string is tolerated with a warning: the
            // specification's own example uses one), so the kind is a plain dictionary and the
            // values are checked by the rule.
            additional_header_fields: Dictionary = "additional_header_fields" => k::DICT,
            body: String = "body" => k::STRING,
            body_multipart: Vec<EmailMimePart> = "body_multipart" => Kind::List(&Kind::Object(EmailMimePart::SPEC)),
            raw_email_ref: crate::StixId = "raw_email_ref" => ref_to!("artifact"),
        }
        rules = rules::email_message;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.7 File and its extensions

stix_nested! {
    /// Archive File extension (section 6.7.2).
    ArchiveExt = "archive-ext" {
        required {
            contains_refs: Vec<crate::StixId> = "contains_refs" => refs_to!("file", "directory"),
        }
        optional {
            comment: String = "comment" => k::STRING,
        }
    }
}

stix_nested! {
    /// NTFS alternate data stream (section 6.7.3).
    AlternateDataStream = "alternate-data-stream-type" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            hashes: Hashes = "hashes" => k::HASHES,
            size: i64 = "size" => k::NON_NEG_INT,
        }
    }
}

stix_nested! {
    /// NTFS File extension (section 6.7.3): at least one property.
    NtfsExt = "ntfs-ext" {
        required {}
        optional {
            sid: String = "sid" => k::STRING,
            alternate_data_streams: Vec<AlternateDataStream> = "alternate_data_streams" => Kind::List(&Kind::Object(AlternateDataStream::SPEC)),
        }
        rules = rules::ntfs_ext;
    }
}

stix_nested! {
    /// PDF File extension (section 6.7.4): at least one property.
    PdfExt = "pdf-ext" {
        required {}
        optional {
            version: String = "version" => k::STRING,
            is_optimized: bool = "is_optimized" => k::BOOL,
            document_info_dict: BTreeMap<String, String> = "document_info_dict" => DICT_OF_STRINGS,
            pdfid0: String = "pdfid0" => k::STRING,
            pdfid1: String = "pdfid1" => k::STRING,
        }
        rules = rules::pdf_ext;
    }
}

stix_nested! {
    /// Raster Image File extension (section 6.7.5): at least one property.
    RasterImageExt = "raster-image-ext" {
        required {}
        optional {
            image_height: i64 = "image_height" => k::INT,
            image_width: i64 = "image_width" => k::INT,
            bits_per_pixel: i64 = "bits_per_pixel" => k::INT,
            // Values are integers or strings: checked by the rule.
            exif_tags: Dictionary = "exif_tags" => k::DICT,
        }
        rules = rules::raster_image_ext;
    }
}

stix_nested! {
    /// Windows PE optional header (section 6.7.6). Closed: see the module documentation.
    WindowsPeOptionalHeader = "windows-pe-optional-header-type" {
        required {}
        optional {
            magic_hex: String = "magic_hex" => k::HEX,
            major_linker_version: i64 = "major_linker_version" => k::INT,
            minor_linker_version: i64 = "minor_linker_version" => k::INT,
            size_of_code: i64 = "size_of_code" => k::NON_NEG_INT,
            size_of_initialized_data: i64 = "size_of_initialized_data" => k::NON_NEG_INT,
            size_of_uninitialized_data: i64 = "size_of_uninitialized_data" => k::NON_NEG_INT,
            address_of_entry_point: i64 = "address_of_entry_point" => k::INT,
            base_of_code: i64 = "base_of_code" => k::INT,
            base_of_data: i64 = "base_of_data" => k::INT,
            image_base: i64 = "image_base" => k::INT,
            section_alignment: i64 = "section_alignment" => k::INT,
            file_alignment: i64 = "file_alignment" => k::INT,
            major_os_version: i64 = "major_os_version" => k::INT,
            minor_os_version: i64 = "minor_os_version" => k::INT,
            major_image_version: i64 = "major_image_version" => k::INT,
            minor_image_version: i64 = "minor_image_version" => k::INT,
            major_subsystem_version: i64 = "major_subsystem_version" => k::INT,
            minor_subsystem_version: i64 = "minor_subsystem_version" => k::INT,
            win32_version_value_hex: String = "win32_version_value_hex" => k::HEX,
            size_of_image: i64 = "size_of_image" => k::NON_NEG_INT,
            size_of_headers: i64 = "size_of_headers" => k::NON_NEG_INT,
            checksum_hex: String = "checksum_hex" => k::HEX,
            subsystem_hex: String = "subsystem_hex" => k::HEX,
            dll_characteristics_hex: String = "dll_characteristics_hex" => k::HEX,
            size_of_stack_reserve: i64 = "size_of_stack_reserve" => k::NON_NEG_INT,
            size_of_stack_commit: i64 = "size_of_stack_commit" => k::NON_NEG_INT,
            size_of_heap_reserve: i64 = "size_of_heap_reserve" => k::NON_NEG_INT,
            size_of_heap_commit: i64 = "size_of_heap_commit" => k::NON_NEG_INT,
            loader_flags_hex: String = "loader_flags_hex" => k::HEX,
            number_of_rva_and_sizes: i64 = "number_of_rva_and_sizes" => k::INT,
            hashes: Hashes = "hashes" => k::HASHES,
        }
        open = false;
    }
}

stix_nested! {
    /// Windows PE section (section 6.7.6).
    WindowsPeSection = "windows-pe-section-type" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            size: i64 = "size" => k::NON_NEG_INT,
            // Shannon entropy over bytes lies in [0, 8] by definition.
            entropy: f64 = "entropy" => Kind::Float { min: Some(0.0), max: Some(8.0) },
            hashes: Hashes = "hashes" => k::HASHES,
        }
    }
}

stix_nested! {
    /// Windows PE Binary File extension (section 6.7.6): `pe_type` plus at least one more.
    WindowsPebinaryExt = "windows-pebinary-ext" {
        required {
            pe_type: WindowsPebinaryType = "pe_type" => Kind::OpenVocab(&WINDOWS_PEBINARY_TYPE_OV),
        }
        optional {
            imphash: String = "imphash" => k::STRING,
            machine_hex: String = "machine_hex" => k::HEX,
            number_of_sections: i64 = "number_of_sections" => k::NON_NEG_INT,
            time_date_stamp: crate::StixTimestamp = "time_date_stamp" => k::TIMESTAMP,
            pointer_to_symbol_table_hex: String = "pointer_to_symbol_table_hex" => k::HEX,
            number_of_symbols: i64 = "number_of_symbols" => k::NON_NEG_INT,
            size_of_optional_header: i64 = "size_of_optional_header" => k::NON_NEG_INT,
            characteristics_hex: String = "characteristics_hex" => k::HEX,
            file_header_hashes: Hashes = "file_header_hashes" => k::HASHES,
            optional_header: WindowsPeOptionalHeader = "optional_header" => Kind::Object(WindowsPeOptionalHeader::SPEC),
            sections: Vec<WindowsPeSection> = "sections" => Kind::List(&Kind::Object(WindowsPeSection::SPEC)),
        }
        rules = rules::windows_pebinary_ext;
    }
}

stix_sco! {
    /// File (section 6.7): at least one of `hashes` and `name`.
    File = "file" {
        required {}
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
            parent_directory_ref: crate::StixId = "parent_directory_ref" => ref_to!("directory"),
            contains_refs: Vec<crate::StixId> = "contains_refs" => SCO_REFS,
            content_ref: crate::StixId = "content_ref" => ref_to!("artifact"),
        }
        extensions = [
            ArchiveExt::SPEC,
            NtfsExt::SPEC,
            PdfExt::SPEC,
            RasterImageExt::SPEC,
            WindowsPebinaryExt::SPEC,
        ];
        rules = rules::file;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.8 / 6.9 IP addresses, 6.10 MAC address, 6.11 Mutex

stix_sco! {
    /// IPv4 Address (section 6.8): one address or a CIDR block.
    Ipv4Addr = "ipv4-addr" {
        required {
            value: String = "value" => k::STRING,
        }
        optional {
            resolves_to_refs: Vec<crate::StixId> = "resolves_to_refs" => refs_to!("mac-addr"),
            belongs_to_refs: Vec<crate::StixId> = "belongs_to_refs" => refs_to!("autonomous-system"),
        }
        rules = rules::ipv4_addr;
    }
}

stix_sco! {
    /// IPv6 Address (section 6.9): one address or a CIDR block.
    Ipv6Addr = "ipv6-addr" {
        required {
            value: String = "value" => k::STRING,
        }
        optional {
            resolves_to_refs: Vec<crate::StixId> = "resolves_to_refs" => refs_to!("mac-addr"),
            belongs_to_refs: Vec<crate::StixId> = "belongs_to_refs" => refs_to!("autonomous-system"),
        }
        rules = rules::ipv6_addr;
    }
}

stix_sco! {
    /// MAC Address (section 6.10): lowercase, colon-separated MAC-48.
    MacAddr = "mac-addr" {
        required {
            value: String = "value" => k::STRING,
        }
        optional {}
        rules = rules::mac_addr;
    }
}

stix_sco! {
    /// Mutex (section 6.11).
    Mutex = "mutex" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {}
        rules = rules::sco_common;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.12 Network Traffic and its extensions

stix_nested! {
    /// HTTP Request extension (section 6.12.2).
    HttpRequestExt = "http-request-ext" {
        required {
            request_method: String = "request_method" => k::STRING,
            request_value: String = "request_value" => k::STRING,
        }
        optional {
            request_version: String = "request_version" => k::STRING,
            request_header: BTreeMap<String, Vec<String>> = "request_header" => Kind::DictionaryOf(&k::STRINGS),
            message_body_length: i64 = "message_body_length" => k::NON_NEG_INT,
            message_body_data_ref: crate::StixId = "message_body_data_ref" => ref_to!("artifact"),
        }
        rules = rules::http_request_ext;
    }
}

stix_nested! {
    /// ICMP extension (section 6.12.3).
    IcmpExt = "icmp-ext" {
        required {
            icmp_type_hex: String = "icmp_type_hex" => k::HEX,
            icmp_code_hex: String = "icmp_code_hex" => k::HEX,
        }
        optional {}
        rules = rules::icmp_ext;
    }
}

stix_nested! {
    /// Network Socket extension (section 6.12.4).
    SocketExt = "socket-ext" {
        required {
            address_family: NetworkSocketAddressFamily = "address_family" => Kind::Enum(&NETWORK_SOCKET_ADDRESS_FAMILY_ENUM),
        }
        optional {
            is_blocking: bool = "is_blocking" => k::BOOL,
            is_listening: bool = "is_listening" => k::BOOL,
            options: BTreeMap<String, i64> = "options" => Kind::DictionaryOf(&k::INT),
            socket_type: NetworkSocketType = "socket_type" => Kind::Enum(&NETWORK_SOCKET_TYPE_ENUM),
            socket_descriptor: i64 = "socket_descriptor" => k::NON_NEG_INT,
            socket_handle: i64 = "socket_handle" => k::INT,
        }
        rules = rules::socket_ext;
    }
}

stix_nested! {
    /// TCP extension (section 6.12.5): at least one property.
    TcpExt = "tcp-ext" {
        required {}
        optional {
            src_flags_hex: String = "src_flags_hex" => k::HEX,
            dst_flags_hex: String = "dst_flags_hex" => k::HEX,
        }
        rules = rules::tcp_ext;
    }
}

stix_sco! {
    /// Network Traffic (section 6.12): `protocols` and at least one of `src_ref` / `dst_ref`.
    NetworkTraffic = "network-traffic" {
        required {
            protocols: Vec<String> = "protocols" => k::STRINGS,
        }
        optional {
            start: crate::StixTimestamp = "start" => k::TIMESTAMP,
            end: crate::StixTimestamp = "end" => k::TIMESTAMP,
            is_active: bool = "is_active" => k::BOOL,
            src_ref: crate::StixId = "src_ref" => ref_to!("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
            dst_ref: crate::StixId = "dst_ref" => ref_to!("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
            src_port: i64 = "src_port" => k::int(0, 65535),
            dst_port: i64 = "dst_port" => k::int(0, 65535),
            src_byte_count: i64 = "src_byte_count" => k::NON_NEG_INT,
            dst_byte_count: i64 = "dst_byte_count" => k::NON_NEG_INT,
            src_packets: i64 = "src_packets" => k::NON_NEG_INT,
            dst_packets: i64 = "dst_packets" => k::NON_NEG_INT,
            // Values are integers or strings: checked by the rule.
            ipfix: Dictionary = "ipfix" => k::DICT,
            src_payload_ref: crate::StixId = "src_payload_ref" => ref_to!("artifact"),
            dst_payload_ref: crate::StixId = "dst_payload_ref" => ref_to!("artifact"),
            encapsulates_refs: Vec<crate::StixId> = "encapsulates_refs" => refs_to!("network-traffic"),
            encapsulated_by_ref: crate::StixId = "encapsulated_by_ref" => ref_to!("network-traffic"),
        }
        extensions = [
            HttpRequestExt::SPEC,
            IcmpExt::SPEC,
            SocketExt::SPEC,
            TcpExt::SPEC,
        ];
        rules = rules::network_traffic;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.13 Process and its extensions

stix_nested! {
    /// Windows Process extension (section 6.13.2): at least one property.
    WindowsProcessExt = "windows-process-ext" {
        required {}
        optional {
            aslr_enabled: bool = "aslr_enabled" => k::BOOL,
            dep_enabled: bool = "dep_enabled" => k::BOOL,
            priority: String = "priority" => k::STRING,
            owner_sid: String = "owner_sid" => k::STRING,
            window_title: String = "window_title" => k::STRING,
            startup_info: Dictionary = "startup_info" => k::DICT,
            integrity_level: WindowsIntegrityLevel = "integrity_level" => Kind::Enum(&WINDOWS_INTEGRITY_LEVEL_ENUM),
        }
        rules = rules::windows_process_ext;
    }
}

stix_nested! {
    /// Windows Service extension (section 6.13.3): at least one property.
    WindowsServiceExt = "windows-service-ext" {
        required {}
        optional {
            service_name: String = "service_name" => k::STRING,
            descriptions: Vec<String> = "descriptions" => k::STRINGS,
            display_name: String = "display_name" => k::STRING,
            group_name: String = "group_name" => k::STRING,
            start_type: WindowsServiceStartType = "start_type" => Kind::Enum(&WINDOWS_SERVICE_START_TYPE_ENUM),
            service_dll_refs: Vec<crate::StixId> = "service_dll_refs" => refs_to!("file"),
            service_type: WindowsServiceType = "service_type" => Kind::Enum(&WINDOWS_SERVICE_TYPE_ENUM),
            service_status: WindowsServiceStatus = "service_status" => Kind::Enum(&WINDOWS_SERVICE_STATUS_ENUM),
        }
        rules = rules::windows_service_ext;
    }
}

stix_sco! {
    /// Process (section 6.13): at least one property besides the common ones; always a UUIDv4
    /// id (no ID contributing properties).
    Process = "process" {
        required {}
        optional {
            is_hidden: bool = "is_hidden" => k::BOOL,
            pid: i64 = "pid" => k::INT,
            created_time: crate::StixTimestamp = "created_time" => k::TIMESTAMP,
            cwd: String = "cwd" => k::STRING,
            command_line: String = "command_line" => k::STRING,
            environment_variables: BTreeMap<String, String> = "environment_variables" => DICT_OF_STRINGS,
            opened_connection_refs: Vec<crate::StixId> = "opened_connection_refs" => refs_to!("network-traffic"),
            creator_user_ref: crate::StixId = "creator_user_ref" => ref_to!("user-account"),
            image_ref: crate::StixId = "image_ref" => ref_to!("file"),
            parent_ref: crate::StixId = "parent_ref" => ref_to!("process"),
            child_refs: Vec<crate::StixId> = "child_refs" => refs_to!("process"),
        }
        extensions = [
            WindowsProcessExt::SPEC,
            WindowsServiceExt::SPEC,
        ];
        rules = rules::process;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.14 Software, 6.15 URL

stix_sco! {
    /// Software (section 6.14).
    Software = "software" {
        required {
            name: String = "name" => k::STRING,
        }
        optional {
            cpe: String = "cpe" => k::STRING,
            swid: String = "swid" => k::STRING,
            languages: Vec<String> = "languages" => Kind::List(&k::LANG),
            vendor: String = "vendor" => k::STRING,
            version: String = "version" => k::STRING,
        }
        rules = rules::software;
    }
}

stix_sco! {
    /// URL (section 6.15). The value is checked by the rule (S-65) rather than by the `URL`
    /// kind so that the finding names the SCO format rule and respects `defanged`.
    Url = "url" {
        required {
            value: String = "value" => k::STRING,
        }
        optional {}
        rules = rules::url;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.16 User Account

stix_nested! {
    /// UNIX Account extension (section 6.16.2): at least one property.
    UnixAccountExt = "unix-account-ext" {
        required {}
        optional {
            gid: i64 = "gid" => k::INT,
            groups: Vec<String> = "groups" => k::STRINGS,
            home_dir: String = "home_dir" => k::STRING,
            shell: String = "shell" => k::STRING,
        }
        rules = rules::unix_account_ext;
    }
}

stix_sco! {
    /// User Account (section 6.16): at least one property besides the common ones.
    UserAccount = "user-account" {
        required {}
        optional {
            user_id: String = "user_id" => k::STRING,
            credential: String = "credential" => k::STRING,
            account_login: String = "account_login" => k::STRING,
            account_type: AccountType = "account_type" => Kind::OpenVocab(&ACCOUNT_TYPE_OV),
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
        extensions = [UnixAccountExt::SPEC];
        rules = rules::user_account;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.17 Windows Registry Key

stix_nested! {
    /// Windows registry value (section 6.17.2): at least one property. `name` is `""` for the
    /// default value of a key.
    WindowsRegistryValue = "windows-registry-value-type" {
        required {}
        optional {
            name: String = "name" => k::STRING,
            data: String = "data" => k::STRING,
            data_type: WindowsRegistryDatatype = "data_type" => Kind::Enum(&WINDOWS_REGISTRY_DATATYPE_ENUM),
        }
        rules = rules::windows_registry_value;
    }
}

stix_sco! {
    /// Windows Registry Key (section 6.17): at least one property; the hive fully expanded.
    WindowsRegistryKey = "windows-registry-key" {
        required {}
        optional {
            key: String = "key" => k::STRING,
            values: Vec<WindowsRegistryValue> = "values" => Kind::List(&Kind::Object(WindowsRegistryValue::SPEC)),
            modified_time: crate::StixTimestamp = "modified_time" => k::TIMESTAMP,
            creator_user_ref: crate::StixId = "creator_user_ref" => ref_to!("user-account"),
            number_of_subkeys: i64 = "number_of_subkeys" => k::NON_NEG_INT,
        }
        rules = rules::windows_registry_key;
    }
}

// ---------------------------------------------------------------------------------------------
// 6.18 X.509 Certificate

stix_nested! {
    /// X.509 v3 extensions (section 6.18.2): at least one property.
    X509V3Extensions = "x509-v3-extensions-type" {
        required {}
        optional {
            basic_constraints: String = "basic_constraints" => k::STRING,
            name_constraints: String = "name_constraints" => k::STRING,
            policy_constraints: String = "policy_constraints" => k::STRING,
            key_usage: String = "key_usage" => k::STRING,
            extended_key_usage: String = "extended_key_usage" => k::STRING,
            subject_key_identifier: String = "subject_key_identifier" => k::STRING,
            authority_key_identifier: String = "authority_key_identifier" => k::STRING,
            subject_alternative_name: String = "subject_alternative_name" => k::STRING,
            issuer_alternative_name: String = "issuer_alternative_name" => k::STRING,
            subject_directory_attributes: String = "subject_directory_attributes" => k::STRING,
            crl_distribution_points: String = "crl_distribution_points" => k::STRING,
            inhibit_any_policy: String = "inhibit_any_policy" => k::STRING,
            private_key_usage_period_not_before: crate::StixTimestamp = "private_key_usage_period_not_before" => k::TIMESTAMP,
            private_key_usage_period_not_after: crate::StixTimestamp = "private_key_usage_period_not_after" => k::TIMESTAMP,
            certificate_policies: String = "certificate_policies" => k::STRING,
            policy_mappings: String = "policy_mappings" => k::STRING,
        }
        rules = rules::x509_v3_extensions;
    }
}

stix_sco! {
    /// X.509 Certificate (section 6.18): at least one object-specific property.
    X509Certificate = "x509-certificate" {
        required {}
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
            x509_v3_extensions: X509V3Extensions = "x509_v3_extensions" => Kind::Object(X509V3Extensions::SPEC),
        }
        rules = rules::x509_certificate;
    }
}

/// Specifications of every predefined SCO extension (section 3.10, S-57), keyed by their
/// extension name, with the SCO type that defines them.
pub static PREDEFINED_EXTENSIONS: &[(&str, &crate::spec::TypeSpec)] = &[
    ("file", ArchiveExt::SPEC),
    ("file", NtfsExt::SPEC),
    ("file", PdfExt::SPEC),
    ("file", RasterImageExt::SPEC),
    ("file", WindowsPebinaryExt::SPEC),
    ("network-traffic", HttpRequestExt::SPEC),
    ("network-traffic", IcmpExt::SPEC),
    ("network-traffic", SocketExt::SPEC),
    ("network-traffic", TcpExt::SPEC),
    ("process", WindowsProcessExt::SPEC),
    ("process", WindowsServiceExt::SPEC),
    ("user-account", UnixAccountExt::SPEC),
];
