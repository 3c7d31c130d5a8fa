//! The ingest path (DESIGN.md section 2): read the envelope into raw slices, validate each
//! object with the STIX validator, and prepare the bytes as received for the store. Every
//! object gets its own outcome in the status resource; an invalid object never stops the
//! valid ones (T-70).

use actix_web::web;
use serde_json::value::RawValue;
use stix::raw::{ShallowObject, line_column, split_array};
use stix::registry;
use stix::validate::validate_object_json;
use store::{NewObject, StatusDetail, Version};
use taxii::error::TaxiiError;

/// At most this many error findings are quoted in one failure message.
const FINDINGS_IN_MESSAGE: usize = 5;

/// Reads a request body, refusing anything larger than the API root's `max_content_length`
/// (413, T-44: never for a smaller body). A declared `Content-Length` above the limit is refused
/// before reading.
pub async fn read_body(
    payload: web::Payload,
    limit: u64,
    declared: Option<u64>,
) -> Result<web::Bytes, TaxiiError> {
    if declared.is_some_and(|n| n > limit) {
        return Err(TaxiiError::PayloadTooLarge { limit });
    }
    match payload
        .to_bytes_limited(usize::try_from(limit).unwrap_or(usize::MAX))
        .await
    {
        Err(_) => Err(TaxiiError::PayloadTooLarge { limit }),
        Ok(Err(e)) => Err(TaxiiError::BadRequest(format!(
            "could not read the request body: {e}"
        ))),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}

/// Objects ready for the store, and the objects refused before storage.
#[derive(Debug, Default)]
pub struct Prepared {
    pub objects: Vec<NewObject>,
    pub failures: Vec<StatusDetail>,
    pub total: u64,
}

/// Parses and validates an envelope (T-67): request-level problems are errors (400 for JSON
/// that cannot be read, 422 for JSON that is not an envelope); per-object problems are failures.
pub fn prepare(body: &[u8]) -> Result<Prepared, TaxiiError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        TaxiiError::BadRequest(format!(
            "the request body is not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let top: ShallowObject<'_> = serde_json::from_str(text).map_err(|e| {
        if e.classify() == serde_json::error::Category::Data {
            TaxiiError::Unprocessable(
                "the request body must be a TAXII envelope: a JSON object with an 'objects' list"
                    .into(),
            )
        } else {
            TaxiiError::BadRequest(format!(
                "the request body is not valid JSON: {} at line {} column {}",
                strip_position(&e),
                e.line(),
                e.column()
            ))
        }
    })?;
    // I-JSON (T-21): with two `objects` members, which one was meant is unknowable.
    if let Some(name) = top.duplicate_names().first() {
        return Err(TaxiiError::Unprocessable(format!(
            "the envelope has the member '{}' more than once (I-JSON forbids duplicate names)",
            name.chars().take(64).collect::<String>()
        )));
    }
    // A STIX bundle is read as an envelope: its `objects` are the objects to add and its `type`
    // and `id` are ignored like any property an envelope does not define (T-96). TAXII 2.1
    // clients should send envelopes, but the OASIS stix2 library's TAXIICollectionSink (and so
    // TAXIICollectionStore.add) posts a bundle.
    let Some(objects) = top.get("objects") else {
        return Err(TaxiiError::Unprocessable(
            "the envelope has no 'objects' list".into(),
        ));
    };
    let items = split_array(objects).map_err(|_| {
        TaxiiError::Unprocessable("'objects' must be a list of STIX objects".into())
    })?;
    if items.is_empty() {
        return Err(TaxiiError::Unprocessable(
            "'objects' is empty: there is nothing to add".into(),
        ));
    }
    let mut out = Prepared {
        total: items.len() as u64,
        ..Prepared::default()
    };
    for (i, raw) in items.iter().enumerate() {
        match prepare_one(raw) {
            Ok(o) => out.objects.push(o),
            Err(detail) => {
                let (line, column) = stix::raw::offset_in(text, raw.get())
                    .map_or((0, 0), |off| line_column(text, off));
                let mut d = detail;
                let message = d.message.take().unwrap_or_default();
                d.message = Some(format!(
                    "objects[{i}] (line {line}, column {column}): {message}"
                ));
                out.failures.push(d);
            }
        }
    }
    Ok(out)
}

fn prepare_one(raw: &RawValue) -> Result<NewObject, StatusDetail> {
    let report = validate_object_json(raw.get()).map_err(|e| StatusDetail {
        id: String::new(),
        version: String::new(),
        message: Some(format!("not valid JSON: {e}")),
    })?;
    let index = report.index.as_ref();
    let id = index.map(|i| i.id.to_string()).unwrap_or_default();
    let version = index
        .and_then(|i| i.version())
        .map(|v| v.to_string())
        .unwrap_or_default();
    let errors: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.is_error())
        .map(|f| {
            format!(
                "{} {}: {}",
                f.rule,
                if f.pointer.is_empty() {
                    "/"
                } else {
                    &f.pointer
                },
                f.message
            )
        })
        .collect();
    let Some(index) = report.index.filter(|_| errors.is_empty()) else {
        let more = errors.len().saturating_sub(FINDINGS_IN_MESSAGE);
        let mut message = format!(
            "invalid STIX 2.1: {}",
            errors
                .iter()
                .take(FINDINGS_IN_MESSAGE)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        );
        if more > 0 {
            message.push_str(&format!(" (and {more} more)"));
        }
        if errors.is_empty() {
            message = "the object has no readable 'type' and 'id'".into();
        }
        return Err(StatusDetail {
            id,
            version,
            message: Some(message),
        });
    };
    let tlp = registry::effective_tlp(index.object_marking_refs.iter().map(|m| m.as_str()))
        .map(|t| t as u8);
    Ok(NewObject {
        id: index.id.to_string(),
        type_name: index.type_name.to_string(),
        spec_version: index.spec_version.as_deref().unwrap_or("2.1").to_owned(),
        version: index.version().map(|v| Version {
            text: v.to_string(),
            micros: v.micros(),
        }),
        body: raw.get().to_owned(),
        tlp,
        keep_date_added: None,
    })
}

fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    s.split(" at line ").next().unwrap_or(&s).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const IND: &str = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2016-04-06T20:03:48.000Z","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}"#;

    #[test]
    fn valid_and_invalid_objects_get_their_own_outcome() {
        let body = format!(
            r#"{{"objects":[{IND}, {{"type":"indicator","id":"indicator--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}}]}}"#
        );
        let p = prepare(body.as_bytes()).unwrap();
        assert_eq!(p.total, 2);
        assert_eq!(p.objects.len(), 1);
        assert_eq!(p.objects[0].body, IND, "bytes as received");
        assert_eq!(p.objects[0].tlp, Some(2));
        assert_eq!(
            p.objects[0].version.as_ref().map(|v| v.text.as_str()),
            Some("2016-04-06T20:03:48.000Z")
        );
        assert_eq!(p.failures.len(), 1);
        let msg = p.failures[0].message.as_deref().unwrap();
        assert!(msg.contains("objects[1]") && msg.contains("S-"), "{msg}");
        assert_eq!(
            p.failures[0].id,
            "indicator--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        );
    }

    #[test]
    fn request_level_errors() {
        assert!(matches!(
            prepare(b"{\"objects\": [").unwrap_err(),
            TaxiiError::BadRequest(_)
        ));
        assert!(matches!(
            prepare(b"[1,2]").unwrap_err(),
            TaxiiError::Unprocessable(_)
        ));
        assert!(matches!(
            prepare(b"{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[]}").unwrap_err(),
            TaxiiError::Unprocessable(_)
        ));
        // A bundle with objects is read as an envelope (what stix2's TAXIICollectionSink posts).
        let bundle = format!(
            r#"{{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{IND}]}}"#
        );
        let p = prepare(bundle.as_bytes()).unwrap();
        assert_eq!((p.total, p.objects.len()), (1, 1));
        assert_eq!(p.objects[0].body, IND);
        assert!(matches!(
            prepare(b"{\"objects\": 5}").unwrap_err(),
            TaxiiError::Unprocessable(_)
        ));
        assert!(matches!(
            prepare(b"{\"objects\": []}").unwrap_err(),
            TaxiiError::Unprocessable(_)
        ));
        assert!(matches!(
            prepare(b"\xff\xfe{}").unwrap_err(),
            TaxiiError::BadRequest(_)
        ));
    }
}
