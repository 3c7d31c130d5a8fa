//! A borrowed JSON tree for validation: keeps member order, reports duplicate keys (which
//! `serde_json::Value` silently collapses, but I-JSON forbids: S-6, T-21), and borrows every
//! string that needs no unescaping from the input.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// One JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Object<'a>),
}

/// A JSON object in document order. Duplicate keys are kept out of `members` (the first
/// occurrence wins) and listed in `duplicates` so a validator can report them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object<'a> {
    pub members: Vec<(Cow<'a, str>, Node<'a>)>,
    pub duplicates: Vec<Cow<'a, str>>,
}

impl<'a> Object<'a> {
    /// Looks a member up by name (linear: STIX objects have a few dozen members at most).
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node<'a>)> {
        self.members.iter().map(|(k, v)| (k.as_ref(), v))
    }
}

impl<'a> Node<'a> {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Node::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node<'a>]> {
        match self {
            Node::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value as a float, for any JSON number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Node::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The value as an integer when it is a JSON number with no fractional part
    /// (`5` and `5.0` both count, as in JSON Schema's `integer`).
    pub fn as_integer(&self) -> Option<i128> {
        match self {
            Node::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Some(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    Some(i128::from(u))
                } else {
                    let f = n.as_f64()?;
                    // Beyond 2^63 an f64 is never exact; such values are out of the STIX range
                    // anyway, so saturate and let the range check report them.
                    (f.fract() == 0.0 && f.is_finite()).then_some(f as i128)
                }
            }
            _ => None,
        }
    }

    /// JSON type name as used in messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "boolean",
            Node::Number(_) => "number",
            Node::String(_) => "string",
            Node::Array(_) => "array",
            Node::Object(_) => "object",
        }
    }

    /// Serializes back to compact JSON text (used for RFC 8785 input and messages, never
    /// for storage: stored objects keep their original bytes).
    pub fn to_json_value(&self) -> serde_json::Value {
        match self {
            Node::Null => serde_json::Value::Null,
            Node::Bool(b) => serde_json::Value::Bool(*b),
            Node::Number(n) => serde_json::Value::Number(n.clone()),
            Node::String(s) => serde_json::Value::String(s.to_string()),
            Node::Array(a) => serde_json::Value::Array(a.iter().map(Node::to_json_value).collect()),
            Node::Object(o) => serde_json::Value::Object(
                o.members
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json_value()))
                    .collect(),
            ),
        }
    }

    /// Parses one JSON text into a tree borrowing from `text`.
    pub fn parse(text: &'a str) -> Result<Node<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let node = Node::deserialize(&mut de)?;
        de.end()?;
        Ok(node)
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

/// Above this many members, duplicate detection switches from a scan to a hash set.
const SCAN_LIMIT: usize = 32;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        serde_json::Number::from_f64(v)
            .map(Node::Number)
            .ok_or_else(|| E::custom("number is not finite"))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Node::String(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Node::String(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Node::String(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Node::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut obj = Object::default();
        let mut seen: Option<HashSet<Cow<'de, str>>> = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let value: Node<'de> = map.next_value()?;
            let key = key.0;
            let dup = match &mut seen {
                Some(set) => !set.insert(key.clone()),
                None => {
                    let dup = obj.members.iter().any(|(k, _)| *k == key);
                    if obj.members.len() >= SCAN_LIMIT {
                        seen = Some(obj.members.iter().map(|(k, _)| k.clone()).collect());
                    }
                    dup
                }
            };
            if dup {
                obj.duplicates.push(key);
            } else {
                obj.members.push((key, value));
            }
        }
        Ok(Node::Object(obj))
    }
}

/// A member name, borrowed when it needs no unescaping.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// A JSON pointer (RFC 6901) built while walking: each step is one allocation (the escaped
/// text of the pointer so far), so walking an object costs one small string per member.
#[derive(Debug, Clone, Default)]
pub struct Pointer {
    text: String,
}

impl Pointer {
    pub fn root() -> Self {
        Pointer::default()
    }

    pub fn key(&self, k: &str) -> Pointer {
        let mut text = String::with_capacity(self.text.len() + k.len() + 1);
        text.push_str(&self.text);
        text.push('/');
        if k.contains(['~', '/']) {
            text.push_str(&k.replace('~', "~0").replace('/', "~1"));
        } else {
            text.push_str(k);
        }
        Pointer { text }
    }

    pub fn index(&self, i: usize) -> Pointer {
        use std::fmt::Write as _;
        let mut text = String::with_capacity(self.text.len() + 4);
        text.push_str(&self.text);
        let _ = write!(text, "/{i}");
        Pointer { text }
    }

    /// Prefixes this pointer with another one (e.g. `/objects/3` for an object in a bundle).
    pub fn under(&self, prefix: &str) -> String {
        let mut s = String::from(prefix);
        s.push_str(&self.text);
        s
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_borrows() {
        let text = r#"{"b":1,"a":"x","c":[true,null,2.5]}"#;
        let n = Node::parse(text).unwrap();
        let o = n.as_object().unwrap();
        let keys: Vec<_> = o.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert!(matches!(o.get("a"), Some(Node::String(Cow::Borrowed("x")))));
        assert_eq!(o.get("b").unwrap().as_integer(), Some(1));
    }

    #[test]
    fn reports_duplicates() {
        let n = Node::parse(r#"{"a":1,"a":2,"b":3}"#).unwrap();
        let o = n.as_object().unwrap();
        assert_eq!(o.get("a").unwrap().as_integer(), Some(1));
        assert_eq!(o.duplicates, vec![Cow::Borrowed("a")]);
        let many: String = (0..100).map(|i| format!("\"k{i}\":0,")).collect();
        let text = format!("{{{many}\"k7\":1,\"k99\":1}}");
        let n = Node::parse(&text).unwrap();
        assert_eq!(n.as_object().unwrap().duplicates.len(), 2);
    }

    #[test]
    fn escaped_strings_are_owned() {
        let n = Node::parse(r#"{"a\u0062":"x\ny"}"#).unwrap();
        assert_eq!(n.as_object().unwrap().get_str("ab"), Some("x\ny"));
    }

    #[test]
    fn integers() {
        assert_eq!(Node::parse("5.0").unwrap().as_integer(), Some(5));
        assert_eq!(Node::parse("5.5").unwrap().as_integer(), None);
        assert_eq!(
            Node::parse("18446744073709551615").unwrap().as_integer(),
            Some(u64::MAX.into())
        );
        assert_eq!(Node::parse("-3").unwrap().as_integer(), Some(-3));
    }

    #[test]
    fn pointer_escapes() {
        let p = Pointer::root().key("hashes").key("a/b~c").index(3);
        assert_eq!(p.to_string(), "/hashes/a~1b~0c/3");
        assert_eq!(p.under("/objects/1"), "/objects/1/hashes/a~1b~0c/3");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        let err = Node::parse(&deep).unwrap_err();
        assert!(err.to_string().contains("recursion limit"), "{err}");
    }
}
