//! Vocabularies (STIX 2.1 section 10): open vocabularies as enums with an `Other` variant
//! (S-66), closed enumerations as strict enums (S-67). Each also provides the [`Vocab`] value
//! list the validator checks against.
//!
//! [`Vocab`]: crate::spec::Vocab

mod sco;
mod sdo;

pub use sco::*;
pub use sdo::*;

/// Declares an open vocabulary: `enum` with one variant per suggested value plus
/// `Other(Box<str>)`, string conversions, serde, and a `pub static` [`Vocab`](crate::spec::Vocab).
#[macro_export]
macro_rules! open_vocab {
    (
        $(#[$meta:meta])*
        $name:ident, $list:ident = $vocab_name:literal {
            $( $variant:ident = $value:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( #[doc = $value] $variant, )*
            /// A value outside the suggested vocabulary (allowed: the vocabulary is open).
            Other(Box<str>),
        }

        #[doc = concat!("Suggested values of `", $vocab_name, "`.")]
        pub static $list: $crate::spec::Vocab = $crate::spec::Vocab {
            name: $vocab_name,
            values: &[$($value),*],
        };

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $value, )*
                    $name::Other(s) => s,
                }
            }

            /// True when the value is one of the vocabulary's suggested values.
            pub fn is_suggested(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $value => $name::$variant, )*
                    other => $name::Other(other.into()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                Ok($name::from(s.as_ref()))
            }
        }
    };
}

/// Declares a closed enumeration: strict serde (an unknown value is an error) and a
/// `pub static` [`Vocab`](crate::spec::Vocab).
#[macro_export]
macro_rules! closed_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $list:ident = $vocab_name:literal {
            $( $variant:ident = $value:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( #[doc = $value] #[serde(rename = $value)] $variant, )*
        }

        #[doc = concat!("Values of `", $vocab_name, "`.")]
        pub static $list: $crate::spec::Vocab = $crate::spec::Vocab {
            name: $vocab_name,
            values: &[$($value),*],
        };

        impl $name {
            pub fn as_str(&self) -> &'static str {
                match self {
                    $( $name::$variant => $value, )*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $( $value => Some($name::$variant), )*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::open_vocab! {
        /// test vocabulary
        Colour, COLOUR_OV = "colour-ov" { Red = "red", DarkBlue = "dark-blue" }
    }
    crate::closed_enum! {
        /// test enumeration
        Size, SIZE_ENUM = "size-enum" { Small = "small", Large = "large" }
    }

    #[test]
    fn open_vocab_keeps_unknown_values() {
        let c: Colour = serde_json::from_str("\"dark-blue\"").unwrap();
        assert_eq!(c, Colour::DarkBlue);
        let c: Colour = serde_json::from_str("\"mauve\"").unwrap();
        assert_eq!(c, Colour::Other("mauve".into()));
        assert!(!c.is_suggested());
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"mauve\"");
        assert!(COLOUR_OV.contains("red"));
    }

    #[test]
    fn closed_enum_is_strict() {
        assert_eq!(
            serde_json::from_str::<Size>("\"large\"").unwrap(),
            Size::Large
        );
        assert!(serde_json::from_str::<Size>("\"huge\"").is_err());
        assert_eq!(Size::parse("small"), Some(Size::Small));
        assert_eq!(SIZE_ENUM.values, ["small", "large"]);
    }
}
