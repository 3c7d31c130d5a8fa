//! Validating whole documents: a bundle, a TAXII envelope, or a single object, from bytes.
//!
//! The document is read one level deep and every object is parsed on its own from its raw
//! slice, so a 100 MB bundle never exists as one tree in memory and each finding can point at
//! the line where its object starts.

use serde_json::value::RawValue;

use crate::StixId;
use crate::finding::Finding;
use crate::json::Node;
use crate::raw::{ShallowObject, line_column, offset_in, split_array};
use crate::validate::{ObjectIndex, bundle, validate_node, validate_node_in};

/// What the document was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    /// A STIX bundle (`"type": "bundle"`).
    Bundle,
    /// A TAXII envelope (`{"objects": [...]}` without a `type`).
    Envelope,
    /// A single STIX object.
    Object,
}

/// One object of a document.
#[derive(Debug, Clone)]
pub struct ObjectEntry {
    /// JSON pointer of the object in the document (`""` for a single object).
    pub pointer: String,
    /// Byte offset, line and column (1-based) where the object starts.
    pub offset: usize,
    pub line: usize,
    pub column: usize,
    pub index: Option<ObjectIndex>,
    pub errors: usize,
    pub warnings: usize,
}

/// The result of validating a document that could be read as JSON.
#[derive(Debug, Clone)]
pub struct DocumentReport {
    pub kind: DocumentKind,
    /// All findings, document-level and per object, with pointers from the document root.
    pub findings: Vec<Finding>,
    pub objects: Vec<ObjectEntry>,
}

impl DocumentReport {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }

    /// Valid under the chosen strictness (strict: warnings fail too).
    pub fn is_valid(&self, strict: bool) -> bool {
        if strict {
            self.findings.is_empty()
        } else {
            self.errors() == 0
        }
    }

    /// The object a pointer falls in, for positions in messages.
    pub fn object_at(&self, pointer: &str) -> Option<&ObjectEntry> {
        self.objects
            .iter()
            .filter(|o| pointer == o.pointer || pointer.starts_with(&format!("{}/", o.pointer)))
            .max_by_key(|o| o.pointer.len())
    }
}

/// A document that cannot be read as JSON at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("line {line}, column {column}: {message}")]
    Encoding {
        message: String,
        line: usize,
        column: usize,
    },
    #[error("line {line}, column {column}: {message}")]
    Json {
        message: String,
        line: usize,
        column: usize,
    },
    #[error("{0}")]
    NotStix(String),
}

impl DocumentError {
    /// Line and column of the problem, when it has one.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            DocumentError::Encoding { line, column, .. }
            | DocumentError::Json { line, column, .. } => Some((*line, *column)),
            DocumentError::NotStix(_) => None,
        }
    }
}

/// Checks the encoding (RFC 8259: UTF-8, S-1) and returns the text without a UTF-8 BOM, and
/// whether one was there.
pub fn decode(bytes: &[u8]) -> Result<(&str, bool), DocumentError> {
    let enc = |message: &str| DocumentError::Encoding {
        message: message.into(),
        line: 1,
        column: 1,
    };
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(enc(
            "the document is UTF-32 (byte order mark); STIX and TAXII JSON must be UTF-8",
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(enc(
            "the document is UTF-16 (byte order mark); STIX and TAXII JSON must be UTF-8",
        ));
    }
    if bytes.len() >= 2 && (bytes[0] == 0 || bytes[1] == 0) {
        return Err(enc(
            "the document looks like UTF-16 or UTF-32 (NUL bytes); STIX and TAXII JSON must be UTF-8",
        ));
    }
    let (body, bom) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    match std::str::from_utf8(body) {
        Ok(s) => Ok((s, bom)),
        Err(e) => {
            let good = e.valid_up_to();
            // Position of the first bad byte, counted in the valid prefix.
            let prefix = std::str::from_utf8(&body[..good]).unwrap_or("");
            let (line, column) = line_column(prefix, good);
            Err(DocumentError::Encoding {
                message: format!(
                    "invalid UTF-8 at byte {} (is the file Latin-1 or Windows-1252?); STIX JSON must be UTF-8",
                    good + usize::from(bom) * 3
                ),
                line,
                column,
            })
        }
    }
}

fn json_error(e: &serde_json::Error) -> DocumentError {
    let message = e.to_string();
    // serde_json appends " at line L column C"; keep the message without the duplicate.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    DocumentError::Json {
        message,
        line: e.line(),
        column: e.column(),
    }
}

/// Validates a document given as bytes: a bundle, an envelope, or one object.
pub fn validate_document(bytes: &[u8]) -> Result<DocumentReport, DocumentError> {
    let (text, bom) = decode(bytes)?;
    let mut findings = Vec::new();
    if bom {
        findings.push(Finding::warning("S-1", "", "the document starts with a UTF-8 byte order mark, which JSON (RFC 8259) forbids producers to add"));
    }
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        // Parse anyway to get serde_json's position for malformed input.
        return Err(match serde_json::from_str::<&RawValue>(text) {
            Err(e) => json_error(&e),
            Ok(_) => DocumentError::NotStix("the document must be a JSON object: a STIX bundle, a TAXII envelope or one STIX object".into()),
        });
    }
    let top: ShallowObject<'_> = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let ty = top
        .get("type")
        .and_then(|r| serde_json::from_str::<&str>(r.get()).ok());
    let is_envelope = ty.is_none() && top.get("objects").is_some();
    if ty == Some("bundle") || is_envelope {
        let kind = if is_envelope {
            DocumentKind::Envelope
        } else {
            DocumentKind::Bundle
        };
        if kind == DocumentKind::Bundle {
            check_bundle_members(&top, &mut findings);
        }
        let mut objects = Vec::new();
        let mut items = Vec::new();
        if let Some(raw) = top.get("objects") {
            match split_array(raw) {
                Ok(list) => {
                    if list.is_empty() {
                        findings.push(Finding::error(
                            "S-79",
                            "/objects",
                            "'objects' is an empty list: omit it for an empty bundle",
                        ));
                    }
                    items = list;
                    let inherited = top
                        .get("spec_version")
                        .and_then(|r| serde_json::from_str::<&str>(r.get()).ok());
                    let mut cursor = Cursor::default();
                    for (i, item) in items.iter().enumerate() {
                        let pointer = format!("/objects/{i}");
                        objects.push(validate_one(
                            text,
                            item,
                            pointer,
                            inherited,
                            &mut cursor,
                            &mut findings,
                        ));
                    }
                }
                Err(_) => findings.push(Finding::error(
                    "S-79",
                    "/objects",
                    "'objects' must be a list of STIX objects",
                )),
            }
        }
        bundle::check_across(&items, &objects, &mut findings);
        return Ok(DocumentReport {
            kind,
            findings,
            objects,
        });
    }
    let whole: &RawValue = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let entry = validate_one(
        text,
        whole,
        String::new(),
        None,
        &mut Cursor::default(),
        &mut findings,
    );
    Ok(DocumentReport {
        kind: DocumentKind::Object,
        findings,
        objects: vec![entry],
    })
}

/// Validates one object given as JSON text (the TAXII ingest path uses this per envelope
/// item). Findings carry pointers from the object root.
pub fn validate_object_json(json: &str) -> Result<super::ObjectReport, serde_json::Error> {
    let node = Node::parse(json)?;
    Ok(validate_node(&node, ""))
}

fn validate_one(
    doc: &str,
    raw: &RawValue,
    pointer: String,
    inherited_spec_version: Option<&str>,
    cursor: &mut Cursor,
    findings: &mut Vec<Finding>,
) -> ObjectEntry {
    let offset = offset_in(doc, raw.get()).unwrap_or(0);
    let (line, column) = cursor.advance(doc, offset);
    let (index, errors, warnings) = match Node::parse(raw.get()) {
        Ok(node) => {
            let report = validate_node_in(&node, &pointer, inherited_spec_version);
            let errors = report.findings.iter().filter(|f| f.is_error()).count();
            let warnings = report.findings.len() - errors;
            findings.extend(report.findings);
            (report.index, errors, warnings)
        }
        Err(e) => {
            // serde_json counts from the object's first byte; report the document's position.
            let (l, c) = (e.line(), e.column());
            let (abs_line, abs_col) = if l <= 1 {
                (line, column + c.saturating_sub(1))
            } else {
                (line + l - 1, c)
            };
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message);
            findings.push(Finding::error(
                "S-1",
                pointer.clone(),
                format!("object is not valid JSON: {message} at line {abs_line} column {abs_col}"),
            ));
            (None, 1, 0)
        }
    };
    ObjectEntry {
        pointer,
        offset,
        line,
        column,
        index,
        errors,
        warnings,
    }
}

/// Line and column of increasing offsets, each byte of the document scanned once: objects come
/// in document order, and counting from the start for each one is quadratic.
#[derive(Default)]
struct Cursor {
    offset: usize,
    /// Newlines before `offset`.
    newlines: usize,
    /// Characters between the last newline and `offset`.
    chars: usize,
}

impl Cursor {
    fn advance(&mut self, doc: &str, offset: usize) -> (usize, usize) {
        if offset < self.offset || offset > doc.len() {
            return line_column(doc, offset);
        }
        for b in &doc.as_bytes()[self.offset..offset] {
            if *b == b'\n' {
                self.newlines += 1;
                self.chars = 0;
            } else if *b & 0xC0 != 0x80 {
                // Not a UTF-8 continuation byte: a new character starts here.
                self.chars += 1;
            }
        }
        self.offset = offset;
        (self.newlines + 1, self.chars + 1)
    }
}

/// S-79: a bundle has `type`, `id` and optionally `objects`; nothing else is defined (a
/// STIX 2.0 `spec_version` draws a warning; other members are custom properties).
fn check_bundle_members(top: &ShallowObject<'_>, findings: &mut Vec<Finding>) {
    for d in top.duplicate_names() {
        findings.push(Finding::error(
            "S-6",
            format!("/{d}"),
            format!("member '{d}' appears more than once"),
        ));
    }
    match top
        .get("id")
        .map(|r| serde_json::from_str::<String>(r.get()))
    {
        None => findings.push(Finding::error("S-79", "", "a bundle must have an 'id'")),
        Some(Ok(s)) => match StixId::parse(&s) {
            Ok(id) if id.object_type() == "bundle" => {}
            Ok(id) => findings.push(Finding::error(
                "S-79",
                "/id",
                format!(
                    "bundle id prefix must be 'bundle', not '{}'",
                    id.object_type()
                ),
            )),
            Err(e) => findings.push(Finding::error("S-13", "/id", e.to_string())),
        },
        Some(Err(_)) => findings.push(Finding::error(
            "S-79",
            "/id",
            "bundle 'id' must be a string",
        )),
    }
    for (k, _) in &top.members {
        match k.as_ref() {
            "type" | "id" | "objects" => {}
            "spec_version" => findings.push(Finding::warning("S-79", "/spec_version", "'spec_version' is not a property of a STIX 2.1 bundle (STIX 2.0 style); it is ignored")),
            other => {
                if !crate::validate::walk::is_property_name(other) {
                    findings.push(Finding::error("S-45", format!("/{other}"), format!("custom property name '{other}' must be 3-250 characters of a-z, 0-9 and '_'")));
                } else {
                    findings.push(Finding::warning("S-79", format!("/{other}"), format!("custom property '{other}' on a bundle: consumers should not rely on bundle properties being kept")));
                }
            }
        }
    }
}
