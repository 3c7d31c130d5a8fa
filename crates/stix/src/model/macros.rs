//! Declaration macros: one declaration gives a typed struct (serde) and its [`TypeSpec`].
//!
//! ```text
//! stix_sdo! {
//!     /// STIX 2.1 section 4.7.
//!     Indicator = "indicator" {
//!         required {
//!             pattern: String = "pattern" => k::STRING,
//!         }
//!         optional {
//!             name: String = "name" => k::STRING,
//!         }
//!         rules = rules::indicator;
//!     }
//! }
//! ```
//! Required properties become plain fields, optional ones `Option<T>` fields that are skipped
//! when absent. Field names may differ from property names (`abstract_` for `abstract`).
//!
//! [`TypeSpec`]: crate::spec::TypeSpec

/// Identifier kind pointing at the given types.
#[macro_export]
macro_rules! ref_to {
    ($($t:literal),+ $(,)?) => {
        $crate::spec::Kind::Identifier($crate::spec::RefTarget::Types(&[$($t),+]))
    };
}

/// Non-empty list of identifiers pointing at the given types.
#[macro_export]
macro_rules! refs_to {
    ($($t:literal),+ $(,)?) => {
        $crate::spec::Kind::List(&$crate::ref_to!($($t),+))
    };
}

/// Non-empty list of values of one kind.
#[macro_export]
macro_rules! list_of {
    ($k:expr) => {
        $crate::spec::Kind::List(&$k)
    };
}

/// Internal: the struct and spec, given the struct attributes and the common fields.
#[doc(hidden)]
#[macro_export]
macro_rules! __stix_type {
    (
        category = $cat:ident,
        struct_attrs { $(#[$sattr:meta])* }
        common_fields { $($common:tt)* }
        $(#[$meta:meta])*
        $name:ident = $type_name:literal {
            required { $( $(#[$rm:meta])* $rf:ident : $rty:ty = $rn:literal => $rk:expr ),* $(,)? }
            optional { $( $(#[$om:meta])* $of:ident : $oty:ty = $on:literal => $ok:expr ),* $(,)? }
            $( extensions = [ $($ext:expr),* $(,)? ]; )?
            $( open = $open:literal; )?
            $( rules = $rules:path; )?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        $(#[$sattr])*
        pub struct $name {
            $($common)*
            $( $(#[$rm])* #[serde(rename = $rn)] pub $rf: $rty, )*
            $( $(#[$om])* #[serde(rename = $on, default, skip_serializing_if = "Option::is_none")] pub $of: Option<$oty>, )*
        }

        impl $name {
            /// The STIX type name (or structure name for nested values).
            pub const TYPE: &'static str = $type_name;
            /// The property specification the validator walks.
            pub const SPEC: &'static $crate::spec::TypeSpec = &$crate::spec::TypeSpec {
                name: $type_name,
                category: $crate::spec::Category::$cat,
                props: &[
                    $( $crate::spec::PropSpec::required($rn, $rk), )*
                    $( $crate::spec::PropSpec::optional($on, $ok), )*
                ],
                extensions: &[ $( $($ext),* )? ],
                open: $crate::__stix_default!($($open)?, true),
                rules: $crate::__stix_rules!($($rules)?),
            };
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __stix_default {
    (, $d:expr) => {
        $d
    };
    ($v:expr, $d:expr) => {
        $v
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __stix_rules {
    () => {
        None
    };
    ($rules:path) => {
        Some($rules as $crate::spec::RuleFn)
    };
}

/// Internal: SDOs and SROs share their common properties (S-35).
#[doc(hidden)]
#[macro_export]
macro_rules! __stix_sdo_like {
    ($cat:ident, $(#[$meta:meta])* $name:ident = $type_name:literal { $($inner:tt)* }) => {
        $crate::__stix_type! {
            category = $cat,
            struct_attrs { #[serde(tag = "type", rename = $type_name)] }
            common_fields {
                #[serde(rename = "spec_version")]
                pub spec_version: String,
                #[serde(rename = "id")]
                pub id: $crate::StixId,
                #[serde(rename = "created")]
                pub created: $crate::StixTimestamp,
                #[serde(rename = "modified")]
                pub modified: $crate::StixTimestamp,
                #[serde(rename = "created_by_ref", default, skip_serializing_if = "Option::is_none")]
                pub created_by_ref: Option<$crate::StixId>,
                #[serde(rename = "revoked", default, skip_serializing_if = "Option::is_none")]
                pub revoked: Option<bool>,
                #[serde(rename = "labels", default, skip_serializing_if = "Option::is_none")]
                pub labels: Option<Vec<String>>,
                #[serde(rename = "confidence", default, skip_serializing_if = "Option::is_none")]
                pub confidence: Option<i64>,
                #[serde(rename = "lang", default, skip_serializing_if = "Option::is_none")]
                pub lang: Option<String>,
                #[serde(rename = "external_references", default, skip_serializing_if = "Option::is_none")]
                pub external_references: Option<Vec<$crate::model::ExternalReference>>,
                #[serde(rename = "object_marking_refs", default, skip_serializing_if = "Option::is_none")]
                pub object_marking_refs: Option<Vec<$crate::StixId>>,
                #[serde(rename = "granular_markings", default, skip_serializing_if = "Option::is_none")]
                pub granular_markings: Option<Vec<$crate::model::GranularMarking>>,
                #[serde(rename = "extensions", default, skip_serializing_if = "Option::is_none")]
                pub extensions: Option<$crate::model::Extensions>,
            }
            $(#[$meta])*
            $name = $type_name { $($inner)* }
        }
    };
}

/// A STIX Domain Object: the SDO common properties (S-35) are stamped in.
#[macro_export]
macro_rules! stix_sdo {
    ($($body:tt)*) => {
        $crate::__stix_sdo_like! { Sdo, $($body)* }
    };
}

/// A STIX Relationship Object: the same common properties as an SDO.
#[macro_export]
macro_rules! stix_sro {
    ($($body:tt)*) => {
        $crate::__stix_sdo_like! { Sro, $($body)* }
    };
}

/// A STIX Cyber-observable Object: the SCO common properties (S-35) are stamped in.
#[macro_export]
macro_rules! stix_sco {
    ($(#[$meta:meta])* $name:ident = $type_name:literal { $($inner:tt)* }) => {
        $crate::__stix_type! {
            category = Sco,
            struct_attrs { #[serde(tag = "type", rename = $type_name)] }
            common_fields {
                #[serde(rename = "id")]
                pub id: $crate::StixId,
                #[serde(rename = "spec_version", default, skip_serializing_if = "Option::is_none")]
                pub spec_version: Option<String>,
                #[serde(rename = "object_marking_refs", default, skip_serializing_if = "Option::is_none")]
                pub object_marking_refs: Option<Vec<$crate::StixId>>,
                #[serde(rename = "granular_markings", default, skip_serializing_if = "Option::is_none")]
                pub granular_markings: Option<Vec<$crate::model::GranularMarking>>,
                #[serde(rename = "defanged", default, skip_serializing_if = "Option::is_none")]
                pub defanged: Option<bool>,
                #[serde(rename = "extensions", default, skip_serializing_if = "Option::is_none")]
                pub extensions: Option<$crate::model::Extensions>,
            }
            $(#[$meta])*
            $name = $type_name { $($inner)* }
        }
    };
}

/// A structured value nested in an object (no common properties, no `type` tag).
#[macro_export]
macro_rules! stix_nested {
    ($($body:tt)*) => {
        $crate::__stix_type! {
            category = Nested,
            struct_attrs {}
            common_fields {}
            $($body)*
        }
    };
}

/// A meta object (marking-definition, language-content, extension-definition) or the
/// bundle: the declaration lists every property itself.
#[macro_export]
macro_rules! stix_meta {
    ($cat:ident, $(#[$meta:meta])* $name:ident = $type_name:literal { $($inner:tt)* }) => {
        $crate::__stix_type! {
            category = $cat,
            struct_attrs { #[serde(tag = "type", rename = $type_name)] }
            common_fields {}
            $(#[$meta])*
            $name = $type_name { $($inner)* }
        }
    };
}
