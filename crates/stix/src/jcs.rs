//! RFC 8785 JSON Canonicalization Scheme (JCS), the input form of deterministic SCO ids
//! (STIX 2.1 section 3.4).
//!
//! Members are sorted by their names' UTF-16 code units, no whitespace is written, strings use
//! the minimal ECMAScript escaping, and numbers the ECMAScript `Number.prototype.toString`
//! form.

use std::fmt::Write;

use serde_json::Value;

/// The canonical JSON text of a value.
pub fn canonicalize(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut members: Vec<(&String, &Value)> = o.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, val)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, val);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        out.push_str(&es_number(f));
    }
}

/// ECMAScript Number-to-String (ECMA-262 7.1.12.1) for finite doubles.
pub fn es_number(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    // Rust's `{:e}` prints the shortest digits that round-trip: "d.ddde<exp>".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exp + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e >= 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        if k == 1 {
            format!("{digits}e{e}")
        } else {
            format!("{}.{}e{e}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_and_escapes() {
        let v = json!({"b": 1, "a": "x\u{1}\"y", "é": [true, null], "A": {}});
        assert_eq!(
            canonicalize(&v),
            r#"{"A":{},"a":"x\u0001\"y","b":1,"é":[true,null]}"#
        );
    }

    #[test]
    fn utf16_order() {
        // U+1F600 (surrogates D83D DE00) sorts before U+FB01 in UTF-16, after it in UTF-8.
        let v = json!({"\u{fb01}": 1, "\u{1f600}": 2});
        assert_eq!(canonicalize(&v), "{\"\u{1f600}\":2,\"\u{fb01}\":1}");
    }

    #[test]
    fn numbers_like_ecmascript() {
        // Values from RFC 8785 appendix B.
        assert_eq!(es_number(1e21), "1e+21");
        assert_eq!(es_number(1e20), "100000000000000000000");
        assert_eq!(es_number(0.000001), "0.000001");
        assert_eq!(es_number(1e-7), "1e-7");
        assert_eq!(es_number(-1.5), "-1.5");
        assert_eq!(es_number(333333333.3333332), "333333333.3333332");
        assert_eq!(es_number(4.50), "4.5");
        assert_eq!(es_number(2e-3), "0.002");
        assert_eq!(es_number(1.7976931348623157e308), "1.7976931348623157e+308");
        assert_eq!(es_number(5e-324), "5e-324");
    }
}
