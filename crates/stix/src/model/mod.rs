//! Typed STIX 2.1 objects.
//!
//! The typed view is for reading fields in code (policy, redaction, tests); it is never the
//! storage or wire form. [`crate::raw::RawObject`] keeps the bytes as received beside it, and
//! custom properties, custom objects and extension content live on in those bytes (the structs
//! ignore properties they do not declare instead of buffering them through `#[serde(flatten)]`).

#[macro_use]
mod macros;
mod common;
mod meta;
mod sco;
mod sdo;

pub use common::*;
pub use meta::*;
pub use sco::*;
pub use sdo::*;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::spec::{Category, TypeSpec};

/// Declares [`StixObject`] and the type table from one list, so adding a type is one line.
macro_rules! object_enum {
    ( $( $variant:ident ),* $(,)? ) => {
        /// Any STIX 2.1 object, typed. Unknown types (custom objects, new types from an
        /// extension-definition) are kept as [`CustomObject`] with their raw JSON.
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum StixObject {
            $( $variant($variant), )*
            Custom(CustomObject),
        }

        /// Specifications of every type defined by STIX 2.1 (bundle excluded).
        pub static OBJECT_SPECS: &[&TypeSpec] = &[ $( $variant::SPEC, )* ];

        /// The specification of a type defined by STIX 2.1, by name.
        pub fn spec_of(type_name: &str) -> Option<&'static TypeSpec> {
            match type_name {
                $( $variant::TYPE => Some($variant::SPEC), )*
                _ => None,
            }
        }

        impl StixObject {
            /// Deserializes a typed view of one object from its JSON text, choosing the struct
            /// by the `type` member (ruma's two-phase dispatch: peek, then parse the same text).
            pub fn from_json(json: &str) -> Result<StixObject, serde_json::Error> {
                #[derive(Deserialize)]
                struct Peek<'a> {
                    #[serde(borrow, rename = "type")]
                    ty: std::borrow::Cow<'a, str>,
                }
                let peek: Peek<'_> = serde_json::from_str(json)?;
                match peek.ty.as_ref() {
                    $( $variant::TYPE => serde_json::from_str(json).map(StixObject::$variant), )*
                    other => {
                        let raw = RawValue::from_string(json.to_owned())?;
                        Ok(StixObject::Custom(CustomObject { type_name: other.into(), raw }))
                    }
                }
            }

            /// The STIX type name.
            pub fn type_name(&self) -> &str {
                match self {
                    $( StixObject::$variant(_) => $variant::TYPE, )*
                    StixObject::Custom(c) => &c.type_name,
                }
            }
        }
    };
}

object_enum! {
    // SDOs (section 4)
    AttackPattern, Campaign, CourseOfAction, Grouping, Identity, Incident, Indicator,
    Infrastructure, IntrusionSet, Location, Malware, MalwareAnalysis, Note, ObservedData,
    Opinion, Report, ThreatActor, Tool, Vulnerability,
    // SROs (section 5)
    Relationship, Sighting,
    // SCOs (section 6)
    Artifact, AutonomousSystem, Directory, DomainName, EmailAddr, EmailMessage, File,
    Ipv4Addr, Ipv6Addr, MacAddr, Mutex, NetworkTraffic, Process, Software, Url, UserAccount,
    WindowsRegistryKey, X509Certificate,
    // meta objects (section 7)
    MarkingDefinition, LanguageContent, ExtensionDefinition,
}

/// An object whose type STIX 2.1 does not define: a custom object (section 11.2) or a new
/// object type from an extension-definition (section 7.3). Its JSON is kept unchanged.
#[derive(Debug, Clone)]
pub struct CustomObject {
    pub type_name: Box<str>,
    pub raw: Box<RawValue>,
}

impl PartialEq for CustomObject {
    fn eq(&self, other: &Self) -> bool {
        self.type_name == other.type_name && self.raw.get() == other.raw.get()
    }
}

/// The category of a type defined by STIX 2.1 (`None` for custom types). The bundle is not a
/// STIX object but its type name is taken: it is never a custom type.
pub fn category_of(type_name: &str) -> Option<Category> {
    if type_name == "bundle" {
        return Some(Category::Bundle);
    }
    spec_of(type_name).map(|s| s.category)
}
