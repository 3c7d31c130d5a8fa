//! Bytes as received: objects are kept as the exact JSON text they arrived in, beside any
//! typed view (ruma's `Raw<T>`). A bundle parsed and written back is byte-identical per object.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::model::StixObject;

/// The original JSON text of a value, with the typed view `T` available on demand.
pub struct Raw<T> {
    json: Box<RawValue>,
    _t: PhantomData<fn() -> T>,
}

impl<T> Raw<T> {
    /// Wraps JSON text after checking that it is one well-formed JSON value.
    pub fn from_json(json: String) -> Result<Self, serde_json::Error> {
        Ok(Raw {
            json: RawValue::from_string(json)?,
            _t: PhantomData,
        })
    }

    pub fn from_raw_value(json: Box<RawValue>) -> Self {
        Raw {
            json,
            _t: PhantomData,
        }
    }

    /// The bytes exactly as received.
    pub fn json(&self) -> &str {
        self.json.get()
    }

    pub fn into_inner(self) -> Box<RawValue> {
        self.json
    }

    /// Reads one member without deserializing the rest.
    pub fn get_field<U: DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<U>, serde_json::Error> {
        let shallow: ShallowObject<'_> = serde_json::from_str(self.json.get())?;
        shallow
            .get(name)
            .map(|raw| serde_json::from_str(raw.get()))
            .transpose()
    }
}

impl<T: DeserializeOwned> Raw<T> {
    /// The typed view.
    pub fn deserialize(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.json.get())
    }
}

impl Raw<StixObject> {
    /// The typed view of a STIX object (dispatching on its `type`).
    pub fn object(&self) -> Result<StixObject, serde_json::Error> {
        StixObject::from_json(self.json.get())
    }
}

impl<T> Clone for Raw<T> {
    fn clone(&self) -> Self {
        Raw {
            json: self.json.clone(),
            _t: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Raw<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Raw").field(&self.json.get()).finish()
    }
}

impl<T> PartialEq for Raw<T> {
    fn eq(&self, other: &Self) -> bool {
        self.json.get() == other.json.get()
    }
}

impl<T> Serialize for Raw<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

impl<'de, T> Deserialize<'de> for Raw<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(Raw::from_raw_value)
    }
}

/// A JSON object read one level deep: member names and the raw text of each value, in
/// document order (duplicates kept, so callers can report them).
#[derive(Debug, Default)]
pub struct ShallowObject<'a> {
    pub members: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> ShallowObject<'a> {
    /// The first member with this name.
    pub fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.members
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
    }

    /// Names that occur more than once.
    pub fn duplicate_names(&self) -> Vec<&str> {
        let mut dups: Vec<&str> = Vec::new();
        for (i, (k, _)) in self.members.iter().enumerate() {
            if self.members[..i].iter().any(|(p, _)| p == k) && !dups.contains(&k.as_ref()) {
                dups.push(k);
            }
        }
        dups
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for ShallowObject<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = ShallowObject<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(k) = map.next_key::<Cow<'de, str>>()? {
                    let v: &'de RawValue = map.next_value()?;
                    members.push((k, v));
                }
                Ok(ShallowObject { members })
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// Splits a JSON array into the raw text of its elements, without parsing them further.
pub fn split_array(raw: &RawValue) -> Result<Vec<&RawValue>, serde_json::Error> {
    serde_json::from_str(raw.get())
}

/// Byte offset of `inner` within `outer` when `inner` is a sub-slice of it (raw values
/// borrowed from a document are), for positions in messages.
pub fn offset_in(outer: &str, inner: &str) -> Option<usize> {
    let start = outer.as_ptr() as usize;
    let p = inner.as_ptr() as usize;
    (p >= start && p + inner.len() <= start + outer.len()).then(|| p - start)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = text
        .get(line_start..offset)
        .map_or(offset - line_start, |s| s.chars().count())
        + 1;
    (line, column)
}

/// Error for a member that is not what a caller expected (used by envelope readers).
pub fn unexpected<E: de::Error>(what: &str) -> E {
    E::custom(what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_objects_round_trip_byte_identical() {
        let text =
            r#"{"type":"bundle","id":"bundle--1","objects":[ {"b":1,  "a":2.50} ,{"x":"\u00e9"}]}"#;
        let shallow: ShallowObject<'_> = serde_json::from_str(text).unwrap();
        let objects = split_array(shallow.get("objects").unwrap()).unwrap();
        assert_eq!(objects[0].get(), r#"{"b":1,  "a":2.50}"#);
        assert_eq!(objects[1].get(), r#"{"x":"\u00e9"}"#);
        let off = offset_in(text, objects[1].get()).unwrap();
        assert_eq!(&text[off..off + 3], r#"{"x"#);
        let raw: Raw<serde_json::Value> = Raw::from_raw_value(objects[0].to_owned());
        assert_eq!(
            serde_json::to_string(&raw).unwrap(),
            r#"{"b":1,  "a":2.50}"#
        );
        assert_eq!(raw.get_field::<f64>("a").unwrap(), Some(2.5));
    }

    #[test]
    fn positions() {
        assert_eq!(line_column("ab\ncé\nx", 6), (2, 3));
        assert_eq!(line_column("abc", 0), (1, 1));
    }

    #[test]
    fn duplicate_names() {
        let s: ShallowObject<'_> = serde_json::from_str(r#"{"a":1,"b":2,"a":3,"a":4}"#).unwrap();
        assert_eq!(s.duplicate_names(), vec!["a"]);
    }
}
