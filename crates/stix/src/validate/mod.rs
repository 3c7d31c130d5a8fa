//! The STIX 2.1 validator: every rule of `conformance-checklist.md` Part 2 that can be checked
//! on one object or within one bundle. Each [`Finding`] carries its rule id, a JSON pointer and
//! a severity (error for MUST, warning for SHOULD).
//!
//! The generic part walks the property tables of [`crate::model`] ([`walk`]); what the tables
//! cannot say (co-constraints such as `valid_until > valid_from`) lives in [`rules`]; checks
//! across objects of one bundle (versions, marking cycles, language-content targets) in
//! [`bundle`].

pub(crate) mod bundle;
pub mod document;
pub mod rules;
pub(crate) mod walk;

use crate::finding::{Finding, Severity};
use crate::json::{Node, Object, Pointer};
use crate::{StixId, StixTimestamp};

pub use document::{
    DocumentError, DocumentKind, DocumentReport, ObjectEntry, validate_document,
    validate_object_json,
};

/// What the validator learned about an object besides its findings: the index fields the
/// store needs, so ingest parses each object once.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectIndex {
    pub id: StixId,
    pub type_name: Box<str>,
    /// `spec_version` as written (`None` for an SCO that omits it: 2.1 by default).
    pub spec_version: Option<Box<str>>,
    pub created: Option<StixTimestamp>,
    pub modified: Option<StixTimestamp>,
    pub revoked: bool,
    pub created_by_ref: Option<StixId>,
    pub object_marking_refs: Vec<StixId>,
}

impl ObjectIndex {
    /// The version key of TAXII (T-60, T-80): `modified`, else `created`, else `None`
    /// (unversioned objects such as SCOs).
    pub fn version(&self) -> Option<&StixTimestamp> {
        self.modified.as_ref().or(self.created.as_ref())
    }
}

/// The result of validating one object.
#[derive(Debug, Clone, Default)]
pub struct ObjectReport {
    pub findings: Vec<Finding>,
    /// Present when `type` and `id` could be read (even if other findings are errors).
    pub index: Option<ObjectIndex>,
}

impl ObjectReport {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(Finding::is_error)
    }

    /// Valid under the chosen strictness: no errors, and in strict mode no warnings either.
    pub fn is_valid(&self, strict: bool) -> bool {
        !self.findings.iter().any(|f| f.is_error() || strict)
    }
}

/// Validates one parsed object. `prefix` is the pointer of the object in its document
/// (empty for a single object, `/objects/3` inside a bundle).
pub fn validate_node(node: &Node<'_>, prefix: &str) -> ObjectReport {
    validate_node_in(node, prefix, None)
}

/// Like [`validate_node`], for an object inside a STIX 2.0-style bundle whose own
/// `spec_version` (`inherited`) applies to objects that lack one.
pub fn validate_node_in(node: &Node<'_>, prefix: &str, inherited: Option<&str>) -> ObjectReport {
    let mut sink = Vec::new();
    let index = walk::check_top_level(node, &Pointer::root(), inherited, &mut sink);
    for f in &mut sink {
        f.pointer.insert_str(0, prefix);
    }
    ObjectReport {
        findings: sink,
        index,
    }
}

/// Context handed to a type's rule function: the object (or nested structure) being checked,
/// its pointer, and the sink for findings.
#[derive(Debug)]
pub struct RuleCtx<'n, 'a> {
    pub obj: &'n Object<'a>,
    pub ptr: &'n Pointer,
    /// The type of the top-level object this structure belongs to.
    pub owner_type: &'n str,
    pub(crate) sink: &'n mut Vec<Finding>,
}

impl<'n, 'a> RuleCtx<'n, 'a> {
    pub fn get(&self, prop: &str) -> Option<&'n Node<'a>> {
        self.obj.get(prop)
    }

    pub fn has(&self, prop: &str) -> bool {
        self.obj.contains_key(prop)
    }

    pub fn str(&self, prop: &str) -> Option<&'n str> {
        self.obj.get_str(prop)
    }

    pub fn bool(&self, prop: &str) -> Option<bool> {
        self.get(prop).and_then(Node::as_bool)
    }

    pub fn integer(&self, prop: &str) -> Option<i128> {
        self.get(prop).and_then(Node::as_integer)
    }

    pub fn float(&self, prop: &str) -> Option<f64> {
        self.get(prop).and_then(Node::as_f64)
    }

    /// The property parsed as a timestamp, or `None` when absent or malformed (a malformed
    /// value has already been reported by the property walk).
    pub fn timestamp(&self, prop: &str) -> Option<StixTimestamp> {
        self.str(prop).and_then(|s| StixTimestamp::parse(s).ok())
    }

    /// The property parsed as an identifier, or `None` when absent or malformed.
    pub fn id(&self, prop: &str) -> Option<StixId> {
        self.str(prop).and_then(|s| StixId::parse(s).ok())
    }

    /// Pointer to a property of this object.
    pub fn at(&self, prop: &str) -> Pointer {
        self.ptr.key(prop)
    }

    /// Reports a MUST violation at `prop` (or at the object itself when `prop` is empty).
    pub fn error(&mut self, rule: &'static str, prop: &str, message: impl Into<String>) {
        self.push(Severity::Error, rule, prop, message.into());
    }

    /// Reports a SHOULD violation at `prop` (or at the object itself when `prop` is empty).
    pub fn warn(&mut self, rule: &'static str, prop: &str, message: impl Into<String>) {
        self.push(Severity::Warning, rule, prop, message.into());
    }

    /// Reports a finding at an arbitrary pointer (e.g. a list item).
    pub fn report(
        &mut self,
        severity: Severity,
        rule: &'static str,
        at: &Pointer,
        message: impl Into<String>,
    ) {
        self.sink.push(Finding {
            rule,
            severity,
            pointer: at.to_string(),
            message: message.into(),
        });
    }

    fn push(&mut self, severity: Severity, rule: &'static str, prop: &str, message: String) {
        let pointer = if prop.is_empty() {
            self.ptr.to_string()
        } else {
            self.ptr.key(prop).to_string()
        };
        self.sink.push(Finding {
            rule,
            severity,
            pointer,
            message,
        });
    }

    /// `later >= earlier` when both are present and well formed; reports `rule` otherwise.
    pub fn require_order(&mut self, rule: &'static str, earlier: &str, later: &str, strict: bool) {
        if let (Some(a), Some(b)) = (self.timestamp(earlier), self.timestamp(later)) {
            let bad = if strict { b <= a } else { b < a };
            if bad {
                let relation = if strict {
                    "later than"
                } else {
                    "later than or equal to"
                };
                self.error(
                    rule,
                    later,
                    format!("'{later}' ({b}) must be {relation} '{earlier}' ({a})"),
                );
            }
        }
    }
}
