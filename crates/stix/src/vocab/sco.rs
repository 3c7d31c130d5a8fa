//! Vocabularies and enumerations used by SCOs and their extensions (section 10).

crate::open_vocab! {
    /// hash-algorithm-ov (section 10.10)
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
