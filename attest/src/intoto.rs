//! in-toto attestation statements ([v1] and the older [v0.1]) and cosign's
//! predicate type aliases.
//!
//! [v1]: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
//! [v0.1]: https://github.com/in-toto/attestation/blob/main/spec/v0.1.0/README.md

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Error, Result};

/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = sbomctl_oci::media_type::IN_TOTO;
/// `_type` of an in-toto v1 statement.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of an in-toto v0.1 statement (what `cosign attest` writes).
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";

/// Predicate type of an SPDX document (`--type spdx` and `spdxjson`).
pub const PREDICATE_SPDX: &str = "https://spdx.dev/Document";
/// Predicate type of a CycloneDX BOM (`--type cyclonedx`).
pub const PREDICATE_CYCLONEDX: &str = "https://cyclonedx.org/bom";
/// Predicate type of cosign's custom predicate (`--type custom`, the default).
pub const PREDICATE_COSIGN_CUSTOM: &str = "https://cosign.sigstore.dev/attestation/v1";
/// The predicate type of an image signature in cosign 3's bundle format
/// (`cosign sign --new-bundle-format`, `types.CosignSignPredicateType`).
pub const PREDICATE_COSIGN_SIGN: &str = "https://sigstore.dev/cosign/sign/v1";

/// cosign's `--type` aliases and the URIs they stand for, as in cosign's
/// `cmd/cosign/cli/options/predicate.go` (`PredicateTypeMap`).
pub const PREDICATE_TYPE_ALIASES: &[(&str, &str)] = &[
    ("custom", PREDICATE_COSIGN_CUSTOM),
    ("slsaprovenance", "https://slsa.dev/provenance/v0.2"),
    ("slsaprovenance02", "https://slsa.dev/provenance/v0.2"),
    ("slsaprovenance1", "https://slsa.dev/provenance/v1"),
    ("spdx", PREDICATE_SPDX),
    ("spdxjson", PREDICATE_SPDX),
    ("cyclonedx", PREDICATE_CYCLONEDX),
    ("link", "https://in-toto.io/Link/v1"),
    ("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"),
    ("openvex", "https://openvex.dev/ns"),
];

/// Resolves a cosign `--type` alias (`spdxjson`, `cyclonedx`, …) to its
/// predicate type URI; anything else (a URI) is returned unchanged.
#[must_use]
pub fn resolve_predicate_type(type_or_alias: &str) -> String {
    PREDICATE_TYPE_ALIASES
        .iter()
        .find(|(alias, _)| *alias == type_or_alias)
        .map_or(type_or_alias, |(_, uri)| uri)
        .to_owned()
}

/// The statement layout version (`_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementVersion {
    /// `https://in-toto.io/Statement/v0.1`, written by `cosign attest`.
    V0_1,
    /// `https://in-toto.io/Statement/v1`.
    V1,
}

impl StatementVersion {
    /// The `_type` URI.
    #[must_use]
    pub fn uri(self) -> &'static str {
        match self {
            StatementVersion::V0_1 => STATEMENT_V01,
            StatementVersion::V1 => STATEMENT_V1,
        }
    }

    /// The version a `_type` URI names, if known.
    #[must_use]
    pub fn from_uri(uri: &str) -> Option<Self> {
        match uri {
            STATEMENT_V01 => Some(StatementVersion::V0_1),
            STATEMENT_V1 => Some(StatementVersion::V1),
            _ => None,
        }
    }
}

/// An in-toto statement: subjects, predicate type and predicate.
///
/// The predicate is any JSON value; for SPDX tag-value it is a JSON string,
/// as `cosign attest --type spdx` writes it. Unknown top-level fields are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// `_type`: [`STATEMENT_V1`] or [`STATEMENT_V01`].
    #[serde(rename = "_type")]
    pub type_: String,
    /// The artifacts the statement is about.
    pub subject: Vec<Subject>,
    /// The predicate type URI.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate (any JSON; `null` when absent).
    #[serde(default)]
    pub predicate: Value,
    /// Other top-level fields, kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A statement subject (a v1 `ResourceDescriptor`; v0.1 uses `name` and
/// `digest` only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// The artifact name (cosign writes the image repository).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Digests by algorithm, lowercase hex (`sha256` → hex).
    #[serde(default)]
    pub digest: BTreeMap<String, String>,
    /// Other descriptor fields (`uri`, `annotations`, …), kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Subject {
    /// A subject with one `sha256` digest; `digest` may carry a `sha256:` prefix.
    #[must_use]
    pub fn sha256(name: &str, digest: &str) -> Self {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        Subject {
            name: name.to_owned(),
            digest: BTreeMap::from([("sha256".to_owned(), hex.to_owned())]),
            extra: Map::new(),
        }
    }
}

impl Statement {
    /// A statement with the given layout, subjects, predicate type (alias or
    /// URI, resolved with [`resolve_predicate_type`]) and predicate.
    #[must_use]
    pub fn new(
        version: StatementVersion,
        subject: Vec<Subject>,
        predicate_type: &str,
        predicate: Value,
    ) -> Self {
        Statement {
            type_: version.uri().to_owned(),
            subject,
            predicate_type: resolve_predicate_type(predicate_type),
            predicate,
            extra: Map::new(),
        }
    }

    /// Parses a statement and checks that `_type` is v0.1 or v1.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the JSON is not a statement of a known version.
    pub fn from_json(payload: &[u8]) -> Result<Self> {
        let malformed = |message: String| Error::Malformed {
            what: "in-toto statement".to_owned(),
            message,
        };
        let statement: Statement =
            serde_json::from_slice(payload).map_err(|e| malformed(e.to_string()))?;
        if statement.version().is_none() {
            return Err(malformed(format!("unknown _type `{}`", statement.type_)));
        }
        Ok(statement)
    }

    /// The layout version, if `_type` is known.
    #[must_use]
    pub fn version(&self) -> Option<StatementVersion> {
        StatementVersion::from_uri(&self.type_)
    }

    /// Serialises the statement as compact JSON (field order `_type`,
    /// `subject`, `predicateType`, `predicate`, as cosign's protojson does).
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising `Value`s and strings into a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// Builds a predicate from a document the way `cosign attest --type` does:
/// `spdx` (tag-value) becomes a JSON string of the document text; every other
/// type must be JSON and is embedded as parsed.
///
/// # Errors
/// [`Error::Malformed`] when a JSON predicate does not parse.
pub fn predicate_from_document(type_or_alias: &str, document: &[u8]) -> Result<Value> {
    if type_or_alias == "spdx" {
        // cosign does `string(rawPayload)`; Go then marshals invalid UTF-8 as U+FFFD.
        return Ok(Value::String(
            String::from_utf8_lossy(document).into_owned(),
        ));
    }
    serde_json::from_slice(document).map_err(|e| Error::Malformed {
        what: format!("predicate ({type_or_alias})"),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_cosign_aliases() {
        assert_eq!(resolve_predicate_type("spdxjson"), PREDICATE_SPDX);
        assert_eq!(resolve_predicate_type("spdx"), PREDICATE_SPDX);
        assert_eq!(resolve_predicate_type("cyclonedx"), PREDICATE_CYCLONEDX);
        assert_eq!(
            resolve_predicate_type("slsaprovenance"),
            "https://slsa.dev/provenance/v0.2"
        );
        assert_eq!(
            resolve_predicate_type("slsaprovenance1"),
            "https://slsa.dev/provenance/v1"
        );
        assert_eq!(resolve_predicate_type("openvex"), "https://openvex.dev/ns");
        assert_eq!(
            resolve_predicate_type("https://example.com/p/v1"),
            "https://example.com/p/v1"
        );
    }

    #[test]
    fn parses_string_predicate_and_keeps_extra_fields() {
        let json = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"ab"},"annotations":{}}],"predicateType":"https://spdx.dev/Document","predicate":"SPDXVersion: SPDX-2.2\n","x":1}"#;
        let st = Statement::from_json(json).unwrap();
        assert_eq!(st.version(), Some(StatementVersion::V1));
        assert_eq!(
            st.predicate,
            Value::String("SPDXVersion: SPDX-2.2\n".into())
        );
        assert_eq!(st.subject[0].extra["annotations"], serde_json::json!({}));
        assert_eq!(st.extra["x"], 1);
        let back: Value = serde_json::from_slice(&st.to_json()).unwrap();
        assert_eq!(back, serde_json::from_slice::<Value>(json).unwrap());
    }

    #[test]
    fn rejects_unknown_statement_type() {
        let json =
            br#"{"_type":"https://in-toto.io/Statement/v2","subject":[],"predicateType":"x"}"#;
        assert!(Statement::from_json(json).is_err());
        assert!(Statement::from_json(b"{\"_type\":\"https://in-toto.io/Statement/v1\"}").is_err());
    }

    #[test]
    fn spdx_tag_value_becomes_a_string_predicate() {
        let p = predicate_from_document("spdx", b"SPDXVersion: SPDX-2.3\n").unwrap();
        assert_eq!(p, Value::String("SPDXVersion: SPDX-2.3\n".into()));
        assert!(predicate_from_document("spdxjson", b"SPDXVersion").is_err());
    }
}
