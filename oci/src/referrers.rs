//! The OCI 1.1 referrers model, shared by every [`crate::ImageStore`]:
//! which manifests refer to a subject (those with a `subject` field), how
//! a store lists them (the referrers API,
//! `GET /v2/<name>/referrers/<digest>`, else the referrers tag schema: an
//! index tagged `sha256-<hex>` that clients keep up to date), the
//! descriptor a pushed manifest gets in that list, and the
//! read-modify-write of the fallback index.
//!
//! Spec: OCI distribution 1.1, "Listing Referrers", "Pushing Manifests with
//! Subject" and "Referrers Tag Schema"
//! (<https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers>).

use std::collections::BTreeMap;

use serde::Deserialize as _;
use serde_json::{json, Value};

use crate::bounded::MAX_REFERRERS;
use crate::{Descriptor, Error, Result, INDEX_TYPES};

/// How a store answered a referrers query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferrersSource {
    /// The OCI 1.1 referrers API (`GET /v2/<name>/referrers/<digest>`).
    Api,
    /// The referrers tag schema: an index tagged `sha256-<hex>`.
    TagSchema,
}

/// The referrers fallback tag for `digest`: `sha256-<hex>` (the
/// "Referrers Tag Schema"; cosign's tags add a suffix to it, see
/// [`crate::cosign_tags`]).
pub fn fallback_tag(digest: &str) -> String {
    digest.replacen(':', "-", 1)
}

/// Most pages of a referrers API answer followed (`Link: <…>; rel="next"`).
pub(crate) const MAX_REFERRERS_PAGES: usize = 100;

/// The referrers API path of `digest` below `/v2/<name>/`, filtered by
/// `artifact_type` when given.
pub(crate) fn api_path(digest: &str, artifact_type: Option<&str>) -> String {
    match artifact_type {
        Some(t) => format!("referrers/{digest}?artifactType={}", query_escape(t)),
        None => format!("referrers/{digest}"),
    }
}

/// OCI image index media type, the only one a referrers list may have.
pub(crate) const OCI_INDEX: &str = crate::media_type::OCI_INDEX;

/// A manifest's `subject` digest and the descriptor it gets in the
/// subject's referrers list.
#[derive(Debug, Clone)]
pub(crate) struct Referrer {
    pub(crate) subject: String,
    pub(crate) descriptor: Descriptor,
}

/// Parses a manifest about to be pushed; when it has a `subject`, returns
/// the referrers-list entry for it: its media type, digest and size, its
/// `artifactType` (else its config's media type, as the spec asks), and
/// all its annotations. `what` names the manifest in errors.
pub(crate) fn referrer_of(
    bytes: &[u8],
    media_type: &str,
    digest: &str,
    what: &str,
) -> Result<Option<Referrer>> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| Error::malformed(what, e))?;
    let Some(doc) = doc.as_object() else {
        return Err(Error::malformed(what, "not a JSON object"));
    };
    let Some(subject) = doc.get("subject") else {
        return Ok(None);
    };
    let Some(subject) = subject.get("digest").and_then(Value::as_str) else {
        return Err(Error::malformed(what, "`subject` has no digest"));
    };
    if crate::reference::validate_digest(subject).is_err() {
        return Err(Error::malformed(
            what,
            format!("`subject` has the invalid digest `{subject}`"),
        ));
    }
    let artifact_type = doc
        .get("artifactType")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .or_else(|| {
            doc.get("config")
                .and_then(|c| c.get("mediaType"))
                .and_then(Value::as_str)
        })
        .map(str::to_owned);
    let annotations: BTreeMap<String, String> = doc
        .get("annotations")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(Referrer {
        subject: subject.to_owned(),
        descriptor: Descriptor {
            media_type: Some(media_type.to_owned()),
            digest: digest.to_owned(),
            size: Some(bytes.len() as u64),
            artifact_type,
            platform: None,
            annotations,
        },
    }))
}

/// Adds `entry` to the referrers list `existing` (the bytes of the index
/// the fallback tag names, `None` for a new, empty one). Returns the new
/// index, or `None` when an entry with that digest is already listed.
/// Every other entry and field is kept as it was, whoever wrote it.
pub(crate) fn add_referrer(
    existing: Option<&[u8]>,
    what: &str,
    entry: &Descriptor,
) -> Result<Option<Vec<u8>>> {
    let mut index = match existing {
        Some(bytes) => serde_json::from_slice::<Value>(bytes)
            .map_err(|e| Error::malformed(what, format!("not a referrers index: {e}")))?,
        None => json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}),
    };
    // The spec: when the tag names something other than an index, report
    // a failure rather than overwrite it.
    let media_type = index.get("mediaType").and_then(Value::as_str);
    if media_type.is_some_and(|m| !INDEX_TYPES.contains(&m)) {
        return Err(Error::malformed(
            what,
            format!(
                "the referrers tag names a `{}`, not an image index",
                media_type.unwrap_or_default()
            ),
        ));
    }
    let Some(object) = index.as_object_mut() else {
        return Err(Error::malformed(what, "not a referrers index"));
    };
    let manifests = object
        .entry("manifests")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Some(manifests) = manifests.as_array_mut() else {
        return Err(Error::malformed(what, "`manifests` is not a list"));
    };
    if manifests
        .iter()
        .any(|m| m.get("digest").and_then(Value::as_str) == Some(entry.digest.as_str()))
    {
        return Ok(None);
    }
    manifests.push(serde_json::to_value(entry).map_err(|e| Error::malformed(what, e))?);
    serde_json::to_vec(&index)
        .map(Some)
        .map_err(|e| Error::malformed(what, e))
}

/// The entries of a referrers list (an API answer or a fallback index)
/// with `artifact_type`, or all, once per digest. Entries that are not
/// descriptors are skipped: a list others write to must not break reading
/// it. (Some registries list a manifest pushed twice twice.) More than
/// [`MAX_REFERRERS`] matching entries is an error.
pub(crate) fn referrers_in(
    bytes: &[u8],
    what: &str,
    artifact_type: Option<&str>,
) -> Result<Vec<Descriptor>> {
    let index: Value = serde_json::from_slice(bytes).map_err(|e| Error::malformed(what, e))?;
    let Some(manifests) = index.get("manifests").and_then(Value::as_array) else {
        return Err(Error::malformed(what, "not an image index"));
    };
    let mut found = Vec::new();
    add_listed(&mut found, manifests, what, artifact_type)?;
    Ok(found)
}

/// Adds the entries of `manifests` with `artifact_type` (or all) to
/// `found`, skipping digests already there; more than [`MAX_REFERRERS`]
/// in all is an error.
pub(crate) fn add_listed(
    found: &mut Vec<Descriptor>,
    manifests: &[Value],
    what: &str,
    artifact_type: Option<&str>,
) -> Result<()> {
    let mut seen: std::collections::BTreeSet<String> =
        found.iter().map(|d| d.digest.clone()).collect();
    for m in manifests {
        let d = match Descriptor::deserialize(m) {
            Ok(d) => d,
            Err(e) => {
                tracing::debug!("{what}: skipping a malformed entry: {e}");
                continue;
            }
        };
        if artifact_type.is_some_and(|t| d.artifact_type.as_deref() != Some(t)) {
            continue;
        }
        if !seen.insert(d.digest.clone()) {
            continue;
        }
        if found.len() >= MAX_REFERRERS {
            return Err(Error::malformed(
                what,
                format!("more than {MAX_REFERRERS} referrers listed"),
            ));
        }
        found.push(d);
    }
    Ok(())
}

/// The target of a `Link: <…>; rel="next"` header (RFC 8288), if any.
pub(crate) fn next_link(values: Vec<&str>) -> Option<String> {
    values
        .into_iter()
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.trim().strip_prefix('<')?.split_once('>')?;
            params
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("rel="))
                .any(|rel| {
                    rel.trim_matches('"')
                        .split_whitespace()
                        .any(|r| r == "next")
                })
                .then(|| target.to_owned())
        })
}

/// Percent-encodes a query value (media types hold `+`, which a query
/// would read as a space).
pub(crate) fn query_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn referrer(bytes: &str) -> Option<Referrer> {
        referrer_of(
            bytes.as_bytes(),
            crate::media_type::OCI_MANIFEST,
            "sha256:0",
            "m",
        )
        .unwrap()
    }

    const SUBJECT: &str = "sha256:ea227d5120a805531632111b8f04da59b021e611c87ec877e610edbdda3f20c1";

    #[test]
    fn artifact_type_falls_back_to_the_config_media_type() {
        let r = referrer(&format!(
            r#"{{"config":{{"mediaType":"application/x-c"}},"subject":{{"digest":"{SUBJECT}"}},"annotations":{{"a":"1","n":2}}}}"#
        ))
        .unwrap();
        assert_eq!(r.subject, SUBJECT);
        assert_eq!(
            r.descriptor.artifact_type.as_deref(),
            Some("application/x-c")
        );
        assert_eq!(r.descriptor.annotations.len(), 1);
        let r = referrer(&format!(
            r#"{{"artifactType":"application/x-a","config":{{"mediaType":"application/x-c"}},"subject":{{"digest":"{SUBJECT}"}}}}"#
        ))
        .unwrap();
        assert_eq!(
            r.descriptor.artifact_type.as_deref(),
            Some("application/x-a")
        );
        assert!(referrer(r#"{"config":{}}"#).is_none());
    }

    #[test]
    fn bad_subjects_and_non_json_are_refused() {
        let mt = crate::media_type::OCI_MANIFEST;
        assert!(referrer_of(b"nope", mt, "sha256:0", "m").is_err());
        assert!(referrer_of(br#"{"subject":{"digest":"../x"}}"#, mt, "sha256:0", "m").is_err());
    }

    #[test]
    fn adding_keeps_foreign_entries_and_does_not_duplicate() {
        let entry = Descriptor {
            media_type: Some("m".into()),
            digest: "sha256:1".into(),
            size: Some(1),
            artifact_type: Some("t".into()),
            platform: None,
            annotations: BTreeMap::new(),
        };
        let first = add_referrer(None, "i", &entry).unwrap().unwrap();
        assert!(add_referrer(Some(&first), "i", &entry).unwrap().is_none());
        let foreign = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"digest":"sha256:f","x-extra":true}}]}}"#
        );
        let foreign = foreign.as_bytes();
        let merged = add_referrer(Some(foreign), "i", &entry).unwrap().unwrap();
        let v: Value = serde_json::from_slice(&merged).unwrap();
        assert_eq!(v["manifests"][0]["x-extra"], true);
        assert_eq!(v["manifests"][1]["artifactType"], "t");
        let listed = referrers_in(&merged, "i", Some("t")).unwrap();
        assert_eq!(listed, vec![entry]);
        let not_index = format!(r#"{{"mediaType":"{}"}}"#, crate::media_type::OCI_MANIFEST);
        assert!(add_referrer(Some(not_index.as_bytes()), "i", &listed[0]).is_err());
    }

    #[test]
    fn listing_is_bounded() {
        let entries: Vec<Value> = (0..=MAX_REFERRERS)
            .map(|i| json!({"digest": format!("sha256:{i}"), "artifactType": "t"}))
            .collect();
        let index = serde_json::to_vec(&json!({"manifests": entries})).unwrap();
        let e = referrers_in(&index, "i", Some("t"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than 1000 referrers"), "{e}");
        // Entries of other types don't count.
        assert!(referrers_in(&index, "i", Some("other")).unwrap().is_empty());
    }

    #[test]
    fn finds_the_next_page_link() {
        assert_eq!(
            next_link(vec![r#"</v2/a/referrers/sha256:1?n=2&last=x>; rel="next""#]).as_deref(),
            Some("/v2/a/referrers/sha256:1?n=2&last=x")
        );
        assert_eq!(
            next_link(vec![
                r#"<https://a/prev>; rel="prev", <https://a/next>; rel=next"#
            ])
            .as_deref(),
            Some("https://a/next")
        );
        assert_eq!(next_link(vec![r#"<https://a/prev>; rel="prev""#]), None);
        assert_eq!(next_link(vec!["junk", "<", ""]), None);
    }

    #[test]
    fn escapes_media_types_in_queries() {
        assert_eq!(
            query_escape(crate::media_type::IN_TOTO),
            "application%2Fvnd.in-toto%2Bjson"
        );
        assert_eq!(
            api_path("sha256:1", Some("a/b+json")),
            "referrers/sha256:1?artifactType=a%2Fb%2Bjson"
        );
    }
}
