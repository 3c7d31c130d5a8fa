//! TAXII 2.1 resources (sections 3.6.1, 3.7, 4, 5) as serde types.
//!
//! They serialize for the server and deserialize for the federation client, which reads
//! other servers; so on input they are lenient (unknown properties ignored, absent lists
//! read as empty) and on output strict: optional properties that are `None` are left out, and lists the spec says must not be empty are left out when empty
//! (T-27, `{}` rather than `"objects": []`).
//!
//! The objects envelope on the read path is not serialized from these types: the server
//! splices stored bytes with [`envelope`] so objects go out exactly as received.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// `discovery` (4.1.1, T-37 ... T-39).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Must be one of `api_roots` (T-38).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_roots: Vec<String>,
}

/// `api-root` (4.2.1, T-43).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiRoot {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Required and never empty: must include `application/taxii+json;version=2.1`.
    pub versions: Vec<String>,
    /// Octets; a positive integer.
    pub max_content_length: u64,
}

/// `collections` (5.1.1, T-52): `{}` when there are none.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Collections {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<Collection>,
}

/// The name the server code uses for [`ApiRoot`].
pub type ApiRootResource = ApiRoot;

/// The name the server code uses for [`Collection`].
pub type CollectionResource = Collection;

/// `collection` (5.2.1, T-53, T-54).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    /// A UUID (T-28). A string here so a client can still list a peer that gets it wrong.
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// For this requester (T-54).
    pub can_read: bool,
    pub can_write: bool,
    /// Absent means `application/stix+json` (T-53).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media_types: Vec<String>,
}

/// `manifest` (5.3.1, T-59). `next` is our addition where the spec only has `more`
/// (medallion sends it too); clients that ignore it page by `added_after`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// Absent means false (T-91).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<ManifestRecord>,
}

/// `manifest-record` (5.3.1, T-60): one version of one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRecord {
    pub id: String,
    /// TAXII timestamp (T-29), see [`crate::time::format_timestamp`].
    pub date_added: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// `versions` (5.8.1, T-81); `next` as for [`Manifest`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Versions {
    /// Absent means false (T-91).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

/// The `status` property of a status resource (T-47, T-50).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusKind {
    Complete,
    Pending,
}

/// `status` (4.3.1, T-47, T-48).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub id: String,
    pub status: StatusKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timestamp: Option<String>,
    pub total_count: u64,
    pub success_count: u64,
    pub failure_count: u64,
    pub pending_count: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub successes: Vec<StatusDetails>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<StatusDetails>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pendings: Vec<StatusDetails>,
}

/// `status-details` (4.3.1, T-49).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDetails {
    pub id: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `error` (3.6.1, T-34). Build it with [`crate::error::TaxiiError::resource`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResource {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The HTTP status as a string, equal to the response's (T-34).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_details: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The `more`/`next` header fields of an `envelope` (3.7, T-91), for a client that wants the
/// paging state without the objects.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EnvelopeHeader {
    /// Absent means false (T-91).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// An incoming `envelope` (POST body, or a page read from a peer) with each object kept as
/// its raw bytes, borrowed from the input: ingest stores them as received (DESIGN.md 2).
/// Unknown top-level properties are ignored (T-96); duplicate keys are refused by serde.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Envelope<'a> {
    /// Absent means false (T-91).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<&'a RawValue>,
}

/// Writes an objects envelope around already-serialized objects, which are copied byte for
/// byte (T-64, T-91): `{"more":<bool>,"next":"<token>","objects":[<b1>,<b2>]}` with `next`
/// left out when `None` and `objects` left out when there are none (T-27: `{"more":false}`).
/// Each body must be one complete JSON value, as the store returns it.
pub fn envelope(more: bool, next: Option<&str>, bodies: &[&str]) -> String {
    let len: usize =
        bodies.iter().map(|b| b.len() + 1).sum::<usize>() + next.map_or(0, |n| n.len() + 12) + 32;
    let mut out = String::with_capacity(len);
    out.push_str(if more {
        "{\"more\":true"
    } else {
        "{\"more\":false"
    });
    if let Some(n) = next {
        out.push_str(",\"next\":");
        push_json_string(&mut out, n);
    }
    if !bodies.is_empty() {
        out.push_str(",\"objects\":[");
        for (i, b) in bodies.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(b);
        }
        out.push(']');
    }
    out.push('}');
    out
}

/// A JSON string literal (RFC 8259 section 7); `next` tokens never need escaping, but the
/// function must stay correct for any input.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::media::{STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};
    use serde_json::{Value, json};

    fn to_value<T: Serialize>(t: &T) -> Value {
        serde_json::to_value(t).unwrap()
    }

    #[test]
    fn t64_t91_envelope_keeps_bodies_byte_identical() {
        let a = r#"{"type":"indicator","id":"indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb","name":"caf\u00e9 \"x\"","n":1.50}"#;
        let b = "{ \"type\" : \"malware\",\n  \"z\": [1, 2e3], \"a\": \"😀\" }";
        let s = envelope(true, Some("tok-_123"), &[a, b]);
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["more"], true);
        assert_eq!(v["next"], "tok-_123");
        let raw: Envelope = serde_json::from_str(&s).unwrap();
        assert_eq!(raw.objects.len(), 2);
        assert_eq!(raw.objects[0].get(), a);
        assert_eq!(raw.objects[1].get(), b);
        assert!(s.contains(a) && s.contains(b));
    }

    #[test]
    fn t64_t27_empty_envelope_has_no_objects_key() {
        let s = envelope(false, None, &[]);
        assert_eq!(s, r#"{"more":false}"#);
        let v: Value = serde_json::from_str(&s).unwrap();
        assert!(v.get("objects").is_none());
        assert!(v.get("next").is_none());
        // T-92: "more" with nothing in this page is legal.
        let s = envelope(true, Some("t"), &[]);
        assert_eq!(s, r#"{"more":true,"next":"t"}"#);
    }

    #[test]
    fn envelope_escapes_next() {
        let s = envelope(false, Some("a\"b\\c\u{1}\n"), &["{}"]);
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["next"], "a\"b\\c\u{1}\n");
        assert_eq!(v["objects"], json!([{}]));
    }

    #[test]
    fn envelope_reads_posts_and_ignores_unknown_properties() {
        let body = r#"{"objects":[{"type":"indicator"}],"x_acme_note":"hi"}"#;
        let e: Envelope = serde_json::from_str(body).unwrap();
        assert!(e.more.is_none() && e.next.is_none());
        assert_eq!(e.objects[0].get(), r#"{"type":"indicator"}"#);
        let e: Envelope = serde_json::from_str("{}").unwrap();
        assert!(e.objects.is_empty());
        // I-JSON (T-21): a duplicate key is an error, not a silent overwrite.
        assert!(serde_json::from_str::<Envelope>(r#"{"objects":[],"objects":[{}]}"#).is_err());
        let h: EnvelopeHeader =
            serde_json::from_str(r#"{"more":true,"next":"n","objects":[1]}"#).unwrap();
        assert_eq!(
            h,
            EnvelopeHeader {
                more: Some(true),
                next: Some("n".into())
            }
        );
    }

    #[test]
    fn t37_t38_discovery() {
        let d = Discovery {
            title: "Schakel".into(),
            description: None,
            contact: None,
            default: Some("/lds/".into()),
            api_roots: vec!["/lds/".into()],
        };
        assert_eq!(
            to_value(&d),
            json!({"title": "Schakel", "default": "/lds/", "api_roots": ["/lds/"]})
        );
        let bare = Discovery {
            default: None,
            api_roots: vec![],
            ..d
        };
        assert_eq!(to_value(&bare), json!({"title": "Schakel"}));
        assert_eq!(
            serde_json::from_value::<Discovery>(json!({"title": "Schakel"})).unwrap(),
            bare
        );
    }

    #[test]
    fn t43_api_root() {
        let r = ApiRoot {
            title: "LDS".into(),
            description: Some("Landelijk Dekkend Stelsel".into()),
            versions: vec![TAXII_MEDIA_TYPE.into()],
            max_content_length: 10_485_760,
        };
        let v = to_value(&r);
        assert_eq!(v["versions"], json!(["application/taxii+json;version=2.1"]));
        assert_eq!(v["max_content_length"], 10_485_760);
        assert_eq!(serde_json::from_value::<ApiRoot>(v).unwrap(), r);
    }

    #[test]
    fn t52_t53_collections() {
        assert_eq!(to_value(&Collections::default()), json!({}));
        let c = Collection {
            id: "9cfa669c-ee94-4ece-afd2-f8edac37d8fd".into(),
            title: "lds-partners".into(),
            description: None,
            alias: None,
            can_read: true,
            can_write: false,
            media_types: vec![STIX_MEDIA_TYPE.into()],
        };
        let v = to_value(&Collections {
            collections: vec![c.clone()],
        });
        assert_eq!(
            v,
            json!({"collections": [{
                "id": "9cfa669c-ee94-4ece-afd2-f8edac37d8fd",
                "title": "lds-partners",
                "can_read": true,
                "can_write": false,
                "media_types": ["application/stix+json;version=2.1"]
            }]})
        );
        let no_media = Collection {
            media_types: vec![],
            ..c
        };
        assert!(to_value(&no_media).get("media_types").is_none());
        assert_eq!(
            serde_json::from_value::<Collections>(json!({})).unwrap(),
            Collections::default()
        );
    }

    #[test]
    fn t59_t60_manifest() {
        assert_eq!(to_value(&Manifest::default()), json!({}));
        let m = Manifest {
            more: Some(true),
            next: Some("n".into()),
            objects: vec![ManifestRecord {
                id: "indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb".into(),
                date_added: "2024-01-01T00:00:01.000000Z".into(),
                version: "2016-11-03T12:30:59.000Z".into(),
                media_type: Some(STIX_MEDIA_TYPE.into()),
            }],
        };
        let v = to_value(&m);
        assert_eq!(v["objects"][0]["date_added"], "2024-01-01T00:00:01.000000Z");
        assert_eq!(serde_json::from_value::<Manifest>(v).unwrap(), m);
        assert_eq!(
            serde_json::from_value::<Manifest>(json!({})).unwrap(),
            Manifest::default()
        );
    }

    #[test]
    fn t81_versions() {
        assert_eq!(to_value(&Versions::default()), json!({}));
        let v = Versions {
            more: Some(false),
            next: None,
            versions: vec!["2016-11-03T12:30:59.000Z".into()],
        };
        assert_eq!(
            to_value(&v),
            json!({"more": false, "versions": ["2016-11-03T12:30:59.000Z"]})
        );
    }

    #[test]
    fn t47_t48_t49_status() {
        let s = Status {
            id: "2d086da7-4bdc-4f91-900e-d77486753710".into(),
            status: StatusKind::Complete,
            request_timestamp: Some("2024-01-01T00:00:01.000000Z".into()),
            total_count: 2,
            success_count: 1,
            failure_count: 1,
            pending_count: 0,
            successes: vec![StatusDetails {
                id: "indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb".into(),
                version: "2016-11-03T12:30:59.000Z".into(),
                message: None,
            }],
            failures: vec![StatusDetails {
                id: "malware--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb".into(),
                version: "2016-11-03T12:30:59.000Z".into(),
                message: Some("S-24: modified is before created".into()),
            }],
            pendings: vec![],
        };
        let v = to_value(&s);
        assert_eq!(v["status"], "complete");
        assert_eq!(v["pending_count"], 0);
        assert!(v.get("pendings").is_none());
        assert!(v["successes"][0].get("message").is_none());
        assert_eq!(serde_json::from_value::<Status>(v).unwrap(), s);
        assert_eq!(to_value(&StatusKind::Pending), json!("pending"));
    }

    #[test]
    fn t34_error_resource_round_trip() {
        let e = ErrorResource {
            title: "Bad Request".into(),
            description: None,
            error_id: None,
            error_code: None,
            http_status: Some("400".into()),
            external_details: None,
            details: None,
        };
        let v = to_value(&e);
        assert_eq!(v, json!({"title": "Bad Request", "http_status": "400"}));
        assert_eq!(serde_json::from_value::<ErrorResource>(v).unwrap(), e);
    }
}
