//! Vocabularies and enumerations used by SCOs and their extensions (section 10).

crate::open_vocab! {
    /// hash-algorithm-ov (section 10.7)
    HashAlgorithm, HASH_ALGORITHM_OV = "hash-algorithm-ov" {
        Md5 = "MD5",
        Sha1 = "SHA-1",
        Sha256 = "SHA-256",
        Sha512 = "SHA-512",
        Sha3_256 = "SHA3-256",
        Sha3_512 = "SHA3-512",
        Ssdeep = "SSDEEP",
        Tlsh = "TLSH",
    }
}

crate::open_vocab! {
    /// account-type-ov (section 10.1): `user-account.account_type`. The errata-01 values are
    /// hyphenated (`windows-local`); the OASIS JSON schema still lists the older spelled-out
    /// forms and `kavi`, which are not suggested values of STIX 2.1.
    AccountType, ACCOUNT_TYPE_OV = "account-type-ov" {
        Facebook = "facebook",
        Ldap = "ldap",
        Nis = "nis",
        Openid = "openid",
        Radius = "radius",
        Skype = "skype",
        Tacacs = "tacacs",
        Twitter = "twitter",
        Unix = "unix",
        WindowsLocal = "windows-local",
        WindowsDomain = "windows-domain",
    }
}

crate::open_vocab! {
    /// windows-pebinary-type-ov (section 10.28): `windows-pebinary-ext.pe_type`.
    WindowsPebinaryType, WINDOWS_PEBINARY_TYPE_OV = "windows-pebinary-type-ov" {
        Dll = "dll",
        Exe = "exe",
        Sys = "sys",
    }
}

crate::closed_enum! {
    /// encryption-algorithm-enum (section 10.4): `artifact.encryption_algorithm`.
    EncryptionAlgorithm, ENCRYPTION_ALGORITHM_ENUM = "encryption-algorithm-enum" {
        Aes256Gcm = "AES-256-GCM",
        ChaCha20Poly1305 = "ChaCha20-Poly1305",
        MimeTypeIndicated = "mime-type-indicated",
    }
}

crate::closed_enum! {
    /// network-socket-address-family-enum (section 10.16): `socket-ext.address_family`.
    NetworkSocketAddressFamily, NETWORK_SOCKET_ADDRESS_FAMILY_ENUM = "network-socket-address-family-enum" {
        AfUnspec = "AF_UNSPEC",
        AfInet = "AF_INET",
        AfIpx = "AF_IPX",
        AfAppletalk = "AF_APPLETALK",
        AfNetbios = "AF_NETBIOS",
        AfInet6 = "AF_INET6",
        AfIrda = "AF_IRDA",
        AfBth = "AF_BTH",
    }
}

crate::closed_enum! {
    /// network-socket-type-enum (section 10.17): `socket-ext.socket_type`.
    NetworkSocketType, NETWORK_SOCKET_TYPE_ENUM = "network-socket-type-enum" {
        SockStream = "SOCK_STREAM",
        SockDgram = "SOCK_DGRAM",
        SockRaw = "SOCK_RAW",
        SockRdm = "SOCK_RDM",
        SockSeqpacket = "SOCK_SEQPACKET",
    }
}

crate::closed_enum! {
    /// windows-integrity-level-enum (section 10.27): `windows-process-ext.integrity_level`.
    WindowsIntegrityLevel, WINDOWS_INTEGRITY_LEVEL_ENUM = "windows-integrity-level-enum" {
        Low = "low",
        Medium = "medium",
        High = "high",
        System = "system",
    }
}

crate::closed_enum! {
    /// windows-registry-datatype-enum (section 10.29): `windows-registry-value-type.data_type`.
    WindowsRegistryDatatype, WINDOWS_REGISTRY_DATATYPE_ENUM = "windows-registry-datatype-enum" {
        RegNone = "REG_NONE",
        RegSz = "REG_SZ",
        RegExpandSz = "REG_EXPAND_SZ",
        RegBinary = "REG_BINARY",
        RegDword = "REG_DWORD",
        RegDwordBigEndian = "REG_DWORD_BIG_ENDIAN",
        RegDwordLittleEndian = "REG_DWORD_LITTLE_ENDIAN",
        RegLink = "REG_LINK",
        RegMultiSz = "REG_MULTI_SZ",
        RegResourceList = "REG_RESOURCE_LIST",
        RegFullResourceDescription = "REG_FULL_RESOURCE_DESCRIPTION",
        RegResourceRequirementsList = "REG_RESOURCE_REQUIREMENTS_LIST",
        RegQword = "REG_QWORD",
        RegInvalidType = "REG_INVALID_TYPE",
    }
}

crate::closed_enum! {
    /// windows-service-start-type-enum (section 10.30): `windows-service-ext.start_type`.
    WindowsServiceStartType, WINDOWS_SERVICE_START_TYPE_ENUM = "windows-service-start-type-enum" {
        ServiceAutoStart = "SERVICE_AUTO_START",
        ServiceBootStart = "SERVICE_BOOT_START",
        ServiceDemandStart = "SERVICE_DEMAND_START",
        ServiceDisabled = "SERVICE_DISABLED",
        ServiceSystemAlert = "SERVICE_SYSTEM_ALERT",
    }
}

crate::closed_enum! {
    /// windows-service-type-enum (section 10.31): `windows-service-ext.service_type`.
    WindowsServiceType, WINDOWS_SERVICE_TYPE_ENUM = "windows-service-type-enum" {
        ServiceKernelDriver = "SERVICE_KERNEL_DRIVER",
        ServiceFileSystemDriver = "SERVICE_FILE_SYSTEM_DRIVER",
        ServiceWin32OwnProcess = "SERVICE_WIN32_OWN_PROCESS",
        ServiceWin32ShareProcess = "SERVICE_WIN32_SHARE_PROCESS",
    }
}

crate::closed_enum! {
    /// windows-service-status-enum (section 10.32): `windows-service-ext.service_status`.
    WindowsServiceStatus, WINDOWS_SERVICE_STATUS_ENUM = "windows-service-status-enum" {
        ServiceContinuePending = "SERVICE_CONTINUE_PENDING",
        ServicePausePending = "SERVICE_PAUSE_PENDING",
        ServicePaused = "SERVICE_PAUSED",
        ServiceRunning = "SERVICE_RUNNING",
        ServiceStartPending = "SERVICE_START_PENDING",
        ServiceStopPending = "SERVICE_STOP_PENDING",
        ServiceStopped = "SERVICE_STOPPED",
    }
}
