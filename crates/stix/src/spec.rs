//! Property specifications: the data the generic validator walks.
//!
//! Every typed struct in [`crate::model`] is declared through a macro that also emits its
//! [`TypeSpec`], so the typed view and the validator can never disagree about which properties
//! a type has, which are required, and what kind of value each holds.

use std::fmt;

use crate::validate::RuleCtx;

/// What kind of object a type is (STIX 2.1 sections 4-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// STIX Domain Object.
    Sdo,
    /// STIX Relationship Object.
    Sro,
    /// STIX Cyber-observable Object.
    Sco,
    /// marking-definition, language-content, extension-definition.
    Meta,
    /// Bundle (not a STIX object: S-79).
    Bundle,
    /// A structured value inside an object (external-reference, MIME part, an extension...).
    Nested,
}

/// Which object types an identifier property may point at.
#[derive(Debug, Clone, Copy)]
pub enum RefTarget {
    /// Any STIX object type.
    Any,
    /// Exactly these types.
    Types(&'static [&'static str]),
    /// Any SDO or SCO (relationship endpoints, S-61).
    SdoOrSco,
    /// Any SDO (sighting_of_ref, S-62).
    Sdo,
    /// Any SCO.
    Sco,
    /// SCOs and SROs (observed-data object_refs, S-60).
    ScoOrSro,
}

/// A named set of values: an open vocabulary (`-ov`, S-66) or a closed enumeration (`-enum`, S-67).
#[derive(Debug)]
pub struct Vocab {
    pub name: &'static str,
    pub values: &'static [&'static str],
}

impl Vocab {
    pub fn contains(&self, v: &str) -> bool {
        self.values.contains(&v)
    }
}

/// The kind of value a property holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Any JSON value (used where the specification leaves the type open).
    Any,
    String,
    Boolean,
    /// Integer in [-(2^53)+1, 2^53-1] (S-10), optionally narrowed.
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// IEEE-754 double, optionally bounded (inclusive).
    Float {
        min: Option<f64>,
        max: Option<f64>,
    },
    /// STIX timestamp (S-22); `millis` demands >= 3 fractional digits (S-23).
    Timestamp {
        millis: bool,
    },
    /// Identifier of an object of the given types (S-13, S-20).
    Identifier(RefTarget),
    /// Base64 (S-11).
    Binary,
    /// Even number of lowercase hex digits (S-11).
    Hex,
    /// RFC 3986 URL.
    Url,
    /// RFC 5646 language tag (S-31).
    LanguageTag,
    /// Dictionary with STIX key rules (S-6), any values.
    Dictionary,
    /// Dictionary whose values all have one kind.
    DictionaryOf(&'static Kind),
    /// The hashes type (S-7).
    Hashes,
    /// Open vocabulary: a value outside the list is a SHOULD-level finding.
    OpenVocab(&'static Vocab),
    /// Closed enumeration: a value outside the list is an error.
    Enum(&'static Vocab),
    /// Non-empty list (S-5) of values of one kind.
    List(&'static Kind),
    /// A structured value with its own property specification.
    Object(&'static TypeSpec),
    /// The `extensions` property (S-34, S-53, S-57): predefined extensions of the owning type
    /// are looked up in its [`TypeSpec::extensions`].
    Extensions,
}

/// Presence of a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
}

/// One property of a type.
#[derive(Debug, Clone, Copy)]
pub struct PropSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub presence: Presence,
}

impl PropSpec {
    pub const fn required(name: &'static str, kind: Kind) -> Self {
        PropSpec {
            name,
            kind,
            presence: Presence::Required,
        }
    }
    pub const fn optional(name: &'static str, kind: Kind) -> Self {
        PropSpec {
            name,
            kind,
            presence: Presence::Optional,
        }
    }
}

/// Type-specific checks that the property table cannot express (co-constraints such as
/// `valid_until > valid_from`).
pub type RuleFn = fn(&mut RuleCtx<'_, '_>);

/// The specification of a STIX type or nested structure.
pub struct TypeSpec {
    /// The STIX type name (`indicator`) or, for nested structures, a descriptive name
    /// (`external-reference`, `windows-pebinary-ext`).
    pub name: &'static str,
    pub category: Category,
    /// Properties specific to this type. Common properties of the category are in
    /// [`crate::model::common_props`] and checked as well.
    pub props: &'static [PropSpec],
    /// Predefined extensions usable in this type's `extensions` (S-57).
    pub extensions: &'static [&'static TypeSpec],
    /// Whether properties not listed are allowed as custom properties (S-45). Nested
    /// structures of the specification generally are open as well.
    pub open: bool,
    pub rules: Option<RuleFn>,
}

impl TypeSpec {
    pub fn prop(&self, name: &str) -> Option<&'static PropSpec> {
        self.props.iter().find(|p| p.name == name)
    }
}

impl fmt::Debug for TypeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypeSpec")
            .field("name", &self.name)
            .field("category", &self.category)
            .field("props", &self.props.len())
            .finish()
    }
}

/// Shorthands used in the model declarations.
pub mod k {
    use super::{Kind, RefTarget};

    pub const ANY: Kind = Kind::Any;
    pub const STRING: Kind = Kind::String;
    pub const BOOL: Kind = Kind::Boolean;
    pub const INT: Kind = Kind::Integer {
        min: None,
        max: None,
    };
    pub const NON_NEG_INT: Kind = Kind::Integer {
        min: Some(0),
        max: None,
    };
    pub const FLOAT: Kind = Kind::Float {
        min: None,
        max: None,
    };
    pub const TIMESTAMP: Kind = Kind::Timestamp { millis: false };
    pub const TIMESTAMP_MS: Kind = Kind::Timestamp { millis: true };
    pub const BINARY: Kind = Kind::Binary;
    pub const HEX: Kind = Kind::Hex;
    pub const URL: Kind = Kind::Url;
    pub const LANG: Kind = Kind::LanguageTag;
    pub const DICT: Kind = Kind::Dictionary;
    pub const HASHES: Kind = Kind::Hashes;
    pub const STRINGS: Kind = Kind::List(&Kind::String);
    pub const ANY_REF: Kind = Kind::Identifier(RefTarget::Any);
    pub const ANY_REFS: Kind = Kind::List(&ANY_REF);

    /// Integer within `[min, max]`.
    pub const fn int(min: i64, max: i64) -> Kind {
        Kind::Integer {
            min: Some(min),
            max: Some(max),
        }
    }

    /// Identifier of one of `types`.
    pub const fn r#ref(types: &'static [&'static str]) -> Kind {
        Kind::Identifier(RefTarget::Types(types))
    }
}
