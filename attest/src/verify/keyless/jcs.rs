//! JSON Canonicalization Scheme ([RFC 8785]), as Rekor uses it for the
//! payload of a signed entry timestamp.
//!
//! Object members are sorted by the UTF-16 code units of their names, there
//! is no whitespace, strings use the minimal escaping of RFC 8785 §3.2.2.2
//! and numbers are written as ECMAScript's `Number.prototype.toString` does,
//! integers included (so integers beyond 2^53 lose precision, as the RFC
//! requires). The tests check numbers against RFC 8785's Appendix B and
//! against Node.js's `Number.prototype.toString` (`testdata/jcs`).
//!
//! [RFC 8785]: https://www.rfc-editor.org/rfc/rfc8785

use std::fmt::Write as _;

use serde_json::{Number, Value};

/// The canonical form of `value` (UTF-8 bytes).
#[must_use]
pub fn canonicalize(value: &Value) -> Vec<u8> {
    let mut out = String::new();
    write_value(&mut out, value);
    out.into_bytes()
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            // RFC 8785 §3.2.3: sort by UTF-16 code units, not by UTF-8 bytes
            // (they differ for characters above U+FFFF vs. U+E000..U+FFFF).
            members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (name, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, name);
                out.push(':');
                write_value(out, item);
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
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// RFC 8785 §3.2.2.3: a JSON number is an IEEE 754 double, so an integer
/// beyond 2^53 is written as the nearest double (`9007199254740993` becomes
/// `9007199254740992`), exactly as Rekor's Go canonicaliser (which parses
/// every number as a `float64`) wrote the bytes its SET signs.
fn write_number(out: &mut String, n: &Number) {
    // `as_f64` rounds an i64/u64 to the nearest double (ties to even), as
    // ECMAScript's `Number(text)` does.
    if let Some(x) = n.as_f64() {
        write_f64(out, x);
    }
}

/// ECMAScript `Number::toString(x)` (ECMA-262 §6.1.6.1.20), by `ryu-js`
/// (the Boa engine's): the shortest digits that round-trip, the closest to
/// `x` among them and the even one on a tie, which Rust's own `{:e}` does not
/// promise (it writes `1424953923781206.3` where ECMAScript and RFC 8785
/// Appendix B write `1424953923781206.2`).
fn write_f64(out: &mut String, x: f64) {
    if x.is_finite() {
        out.push_str(ryu_js::Buffer::new().format_finite(x));
    } else {
        // Not reachable from JSON, which has no NaN or infinities.
        out.push('0');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jcs(v: &Value) -> String {
        String::from_utf8(canonicalize(v)).unwrap()
    }

    #[test]
    fn sorts_keys_and_drops_whitespace() {
        let v: Value = serde_json::from_str(
            r#"{ "logIndex": 3, "body": "e30=", "integratedTime": 1710869186, "logID": "c0" }"#,
        )
        .unwrap();
        assert_eq!(
            jcs(&v),
            r#"{"body":"e30=","integratedTime":1710869186,"logID":"c0","logIndex":3}"#
        );
    }

    #[test]
    fn sorts_by_utf16_code_units() {
        // U+1F600 is D83D DE00 in UTF-16, which sorts before U+FB01 (FB01),
        // although its UTF-8 form sorts after.
        let v = json!({"\u{fb01}": 1, "\u{1f600}": 2, "a": 3});
        assert_eq!(jcs(&v), "{\"a\":3,\"\u{1f600}\":2,\"\u{fb01}\":1}");
    }

    #[test]
    fn escapes_minimally() {
        let v = json!(["\u{1}\u{8}\t\n\u{c}\r\"\\/é€\u{7f}"]);
        assert_eq!(jcs(&v), "[\"\\u0001\\b\\t\\n\\f\\r\\\"\\\\/é€\u{7f}\"]");
    }

    #[test]
    fn formats_numbers_like_ecmascript() {
        let v: Value = serde_json::from_str(
            "[0, -0.0, 1, -42, 9007199254740991, 1e21, 1e20, 0.000001, 1e-7, 123.456, -1.5e-10, 4.5, 1E30]",
        )
        .unwrap();
        assert_eq!(
            jcs(&v),
            "[0,0,1,-42,9007199254740991,1e+21,100000000000000000000,0.000001,1e-7,123.456,-1.5e-10,4.5,1e+30]"
        );
    }

    #[test]
    fn nests_arrays_and_literals() {
        let v = json!({"b": [true, false, null, {"z": 1, "y": []}], "a": {}});
        assert_eq!(jcs(&v), r#"{"a":{},"b":[true,false,null,{"y":[],"z":1}]}"#);
    }
}
