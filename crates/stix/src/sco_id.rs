//! Deterministic SCO identifiers (STIX 2.1 sections 2.9 and 3.4, S-16 to S-19).
//!
//! `id = <type>--UUIDv5(00abedb4-aa42-466c-9c01-fed23315a9b7, JCS({present ID contributing
//! properties}))`. For `hashes` only one entry contributes: MD5, else SHA-1, else SHA-256,
//! else SHA-512, else the first entry in document order (python-stix2's behaviour).

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::json::{Node, Object};
use crate::{StixId, jcs};

/// The STIX namespace for deterministic SCO ids.
pub const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

const HASH_PREFERENCE: [&str; 4] = ["MD5", "SHA-1", "SHA-256", "SHA-512"];

/// Why a deterministic id cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoIdError {
    #[error("'{0}' is not an SCO type with ID contributing properties defined by STIX 2.1")]
    NotAnSco(String),
    #[error("the object is not valid JSON: {0}")]
    Json(String),
    #[error("the object has no 'type' member")]
    NoType,
    #[error("'hashes' must be a non-empty dictionary to contribute to the id")]
    BadHashes,
}

/// The ID contributing properties of an SCO type (S-19); `Some(&[])` for `process`, which
/// has none and always uses a UUIDv4; `None` for types that are not SCOs of STIX 2.1.
pub fn contributing_properties(type_name: &str) -> Option<&'static [&'static str]> {
    Some(match type_name {
        "artifact" => &["hashes", "payload_bin"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["from_ref", "subject", "body"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "mutex" => &["name"],
        "network-traffic" => &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        "process" => &[],
        "software" => &["name", "cpe", "swid", "vendor", "version"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "windows-registry-key" => &["key", "values"],
        "x509-certificate" => &["hashes", "serial_number"],
        _ => return None,
    })
}

/// The exact UTF-8 string hashed for an object (RFC 8785 JSON of its present contributing
/// properties), or `None` when none is present (the id must then be a UUIDv4, S-17).
pub fn uuidv5_name(type_name: &str, obj: &Object<'_>) -> Result<Option<String>, ScoIdError> {
    let props = contributing_properties(type_name)
        .ok_or_else(|| ScoIdError::NotAnSco(type_name.to_owned()))?;
    let mut name = Map::new();
    for &p in props {
        let Some(node) = obj.get(p) else { continue };
        let value = if p == "hashes" {
            preferred_hash(node)?
        } else {
            node.to_json_value()
        };
        name.insert(p.to_owned(), value);
    }
    if name.is_empty() {
        return Ok(None);
    }
    Ok(Some(jcs::canonicalize(&Value::Object(name))))
}

fn preferred_hash(node: &Node<'_>) -> Result<Value, ScoIdError> {
    let hashes = node
        .as_object()
        .filter(|o| !o.is_empty())
        .ok_or(ScoIdError::BadHashes)?;
    let (k, v) = HASH_PREFERENCE
        .iter()
        .find_map(|alg| hashes.get(alg).map(|v| (*alg, v)))
        .or_else(|| hashes.iter().next())
        .ok_or(ScoIdError::BadHashes)?;
    let mut m = Map::new();
    m.insert(k.to_owned(), v.to_json_value());
    Ok(Value::Object(m))
}

/// The deterministic UUID of an SCO given as a parsed object, or `None` when it has no ID
/// contributing properties.
pub fn deterministic_uuid(type_name: &str, obj: &Object<'_>) -> Result<Option<Uuid>, ScoIdError> {
    Ok(uuidv5_name(type_name, obj)?.map(|name| Uuid::new_v5(&SCO_NAMESPACE, name.as_bytes())))
}

/// The deterministic id of an SCO given as JSON text (its `type` member selects the
/// contributing properties). `Ok(None)`: no contributing property is present; use a UUIDv4.
pub fn deterministic_id(json: &str) -> Result<Option<StixId>, ScoIdError> {
    let node = Node::parse(json).map_err(|e| ScoIdError::Json(e.to_string()))?;
    let obj = node
        .as_object()
        .ok_or_else(|| ScoIdError::Json("not a JSON object".into()))?;
    let ty = obj.get_str("type").ok_or(ScoIdError::NoType)?;
    Ok(deterministic_uuid(ty, obj)?.and_then(|u| StixId::new(ty, u).ok()))
}

/// For the validator: `None` when the type has no contributing property present.
pub(crate) fn expected_uuid_for(
    type_name: &str,
    obj: &Object<'_>,
) -> Option<Result<Uuid, ScoIdError>> {
    deterministic_uuid(type_name, obj).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example() {
        let id = deterministic_id(r#"{"type":"ipv4-addr","value":"198.51.100.3"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(
            id.as_str(),
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
        );
    }

    #[test]
    fn process_has_none() {
        assert_eq!(
            deterministic_id(r#"{"type":"process","pid":4}"#).unwrap(),
            None
        );
        assert_eq!(
            deterministic_id(r#"{"type":"file","size":4}"#).unwrap(),
            None
        );
    }

    #[test]
    fn hash_preference_then_document_order() {
        let n = Node::parse(r#"{"hashes":{"SHA-256":"aa","MD5":"bb"}}"#).unwrap();
        assert_eq!(
            uuidv5_name("file", n.as_object().unwrap())
                .unwrap()
                .unwrap(),
            r#"{"hashes":{"MD5":"bb"}}"#
        );
        let n = Node::parse(r#"{"hashes":{"TLSH":"t","SSDEEP":"s"}}"#).unwrap();
        assert_eq!(
            uuidv5_name("file", n.as_object().unwrap())
                .unwrap()
                .unwrap(),
            r#"{"hashes":{"TLSH":"t"}}"#
        );
    }
}
