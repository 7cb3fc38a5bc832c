//! The predicate of a verified statement, as signed, and predicate type
//! matching.

use serde::Deserialize;

use crate::intoto;
use crate::{Error, Result};

/// The exact JSON text of a verified statement's `predicate` (as signed),
/// or for a string predicate (SPDX tag-value) the string itself.
///
/// # Errors
/// [`Error::Malformed`] when the payload is not a JSON object with a
/// `predicate`.
pub fn predicate_text(payload: &[u8]) -> Result<Vec<u8>> {
    #[derive(Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        predicate: Option<&'a serde_json::value::RawValue>,
    }
    let malformed = |message: String| Error::Malformed {
        what: "in-toto statement".to_owned(),
        message,
    };
    let raw: Raw<'_> = serde_json::from_slice(payload).map_err(|e| malformed(e.to_string()))?;
    let Some(predicate) = raw.predicate else {
        return Ok(b"null".to_vec());
    };
    let text = predicate.get();
    if text.starts_with('"') {
        let s: String = serde_json::from_str(text).map_err(|e| malformed(e.to_string()))?;
        return Ok(s.into_bytes());
    }
    Ok(text.as_bytes().to_vec())
}

/// Whether `predicate_type` (alias or URI) names the same type as `uri`.
#[must_use]
pub fn predicate_type_matches(requested: &str, uri: &str) -> bool {
    intoto::resolve_predicate_type(requested) == uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicate_text_is_the_signed_json_or_the_string() {
        let payload = br#"{"_type":"x","predicate":{"b":1,"a":[1, 2]}}"#;
        assert_eq!(predicate_text(payload).unwrap(), br#"{"b":1,"a":[1, 2]}"#);
        let payload = br#"{"_type":"x","predicate":"SPDXVersion: SPDX-2.2\n"}"#;
        assert_eq!(predicate_text(payload).unwrap(), b"SPDXVersion: SPDX-2.2\n");
        assert!(predicate_text(b"[").is_err());
    }
}
