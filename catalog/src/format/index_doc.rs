//! The index-level document of `packages IMAGE --platform all`: one
//! document about a multi-platform image index that links the documents
//! written for each of its platforms (docs/multiplatform.md).
//!
//! - SPDX 2.3 JSON: each platform document is an `externalDocumentRefs`
//!   entry (`DocumentRef-<platform>`, its namespace and SHA-256); the
//!   document DESCRIBES a package for the index, which CONTAINS a package
//!   per platform manifest (version: the manifest digest) and each
//!   platform document's `DocumentRef-<platform>:SPDXRef-DOCUMENT`, which
//!   DESCRIBES that platform's package.
//! - CycloneDX JSON: the index is `metadata.component` (type `container`,
//!   version: the index digest); each platform is a component of type
//!   `container` (version: the manifest digest) whose `externalReferences`
//!   entry of type `bom` links the platform BOM as `urn:cdx:SERIAL/VERSION`
//!   with its SHA-256.
//! - SPDX 3.0.1 JSON-LD: each platform document's `SpdxDocument` and root
//!   element are imported (`import`, one `ExternalMap` each, with the
//!   file's SHA-256); the index package `contains` each platform's image
//!   (`spdx3::index`).
//!
//! Other formats have no index-level document.

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use super::{common, spdx3, Format, RenderOptions, SpdxVersion};

/// One platform's document, as written next to the index document.
#[derive(Debug, Clone)]
pub struct PlatformDocument {
    /// The platform, `os/arch[/variant]`.
    pub platform: String,
    /// The platform's image manifest digest.
    pub manifest_digest: String,
    /// The file the document was written to (a name, no directory).
    pub file_name: String,
    /// The document's own identifier: the SPDX `documentNamespace`, the
    /// SPDX 3 `SpdxDocument`'s `spdxId`, or the CycloneDX
    /// `urn:cdx:SERIAL/VERSION` ([`document_id`]).
    pub document_id: String,
    /// SPDX 3: the `spdxId` of the document's root element (the platform
    /// image), which the index document links; `None` for other formats.
    pub root_element: Option<String>,
    /// The SHA-256 of the document's bytes, lowercase hex.
    pub sha256: String,
}

/// The index the platform documents belong to.
#[derive(Debug, Clone)]
pub struct IndexInfo {
    /// The image's name as documents give it.
    pub name: String,
    /// The index digest (`sha256:…`).
    pub index_digest: String,
}

/// Whether `format` has an index-level document.
pub fn has_index_document(format: Format) -> bool {
    matches!(
        format,
        Format::SpdxJson(SpdxVersion::V2_3) | Format::CyclonedxJson(_) | Format::Spdx3Json(_)
    )
}

/// The [`PlatformDocument`] for a platform's document rendered in
/// `format` and written to `file_name`; `None` when the format has no
/// index-level document or the bytes lack its identifier.
pub fn platform_document(
    format: Format,
    platform: &str,
    manifest_digest: &str,
    file_name: String,
    bytes: &[u8],
) -> Option<PlatformDocument> {
    let document_id = document_id(format, bytes)?;
    let root_element = match format {
        Format::Spdx3Json(_) => serde_json::from_slice::<Value>(bytes)
            .ok()
            .as_ref()
            .and_then(spdx3::document_ids)
            .and_then(|(_, root)| root),
        _ => None,
    };
    Some(PlatformDocument {
        platform: platform.to_owned(),
        manifest_digest: manifest_digest.to_owned(),
        file_name,
        document_id,
        root_element,
        sha256: sha256_hex(bytes),
    })
}

/// The identifier [`PlatformDocument::document_id`] wants, read from a
/// platform document rendered in `format`; `None` when the format has no
/// index-level document or the bytes lack the field.
pub fn document_id(format: Format, bytes: &[u8]) -> Option<String> {
    if !has_index_document(format) {
        return None;
    }
    let doc: Value = serde_json::from_slice(bytes).ok()?;
    match format {
        Format::SpdxJson(_) => doc
            .get("documentNamespace")
            .and_then(Value::as_str)
            .map(str::to_owned),
        Format::CyclonedxJson(_) => {
            let serial = doc.get("serialNumber").and_then(Value::as_str)?;
            let uuid = serial.strip_prefix("urn:uuid:")?;
            let version = doc.get("version").and_then(Value::as_u64).unwrap_or(1);
            Some(format!("urn:cdx:{uuid}/{version}"))
        }
        Format::Spdx3Json(_) => spdx3::document_ids(&doc).map(|(document, _)| document),
        _ => None,
    }
}

/// The SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `os/arch/variant` as an identifier and file stem: `os-arch-variant`,
/// anything but ASCII letters, digits, `.` and `-` replaced by `-`.
pub fn platform_stem(platform: &str) -> String {
    platform
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Renders the index-level document in `format` (pretty JSON, ending in a
/// newline); `None` for formats without one ([`has_index_document`]).
/// Deterministic: identifiers derive from the index digest and the
/// platform documents' hashes, the time from `options`.
pub fn render_index(
    format: Format,
    index: &IndexInfo,
    platforms: &[PlatformDocument],
    options: &RenderOptions,
) -> Option<Vec<u8>> {
    let seed = {
        let mut h = Sha256::new();
        h.update(format.to_string().as_bytes());
        h.update(b"\n");
        h.update(index.index_digest.as_bytes());
        for p in platforms {
            h.update(b"\n");
            h.update(p.platform.as_bytes());
            h.update(b" ");
            h.update(p.sha256.as_bytes());
        }
        let d: [u8; 32] = h.finalize().into();
        d
    };
    let doc = match format {
        Format::SpdxJson(SpdxVersion::V2_3) => spdx(index, platforms, options, &seed),
        Format::Spdx3Json(_) => {
            spdx3::render_index(&namespace(index, &seed), index, platforms, options)
        }
        Format::CyclonedxJson(v) => cyclonedx(v.as_str(), index, platforms, options, &seed),
        _ => return None,
    };
    let mut out = serde_json::to_vec_pretty(&doc).ok()?;
    out.push(b'\n');
    Some(out)
}

fn uuid(seed: &[u8; 32]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(seed.get(..16).unwrap_or(&[0; 16]));
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// `https://sbomctl.dev/spdx/index/NAME-UUID`, the UUID from `seed`.
fn namespace(index: &IndexInfo, seed: &[u8; 32]) -> String {
    format!(
        "https://sbomctl.dev/spdx/index/{}-{}",
        platform_stem(&index.name),
        uuid(seed)
    )
}

fn digest_hex(digest: &str) -> &str {
    digest.split_once(':').map_or(digest, |(_, h)| h)
}

fn spdx(
    index: &IndexInfo,
    platforms: &[PlatformDocument],
    options: &RenderOptions,
    seed: &[u8; 32],
) -> Value {
    let mut refs = Vec::new();
    let mut packages = vec![json!({
        "SPDXID": "SPDXRef-Index",
        "name": index.name,
        "versionInfo": index.index_digest,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": "CONTAINER",
        "checksums": [{"algorithm": "SHA256", "checksumValue": digest_hex(&index.index_digest)}],
        "comment": "a multi-platform image index",
    })];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Index",
    })];
    for p in platforms {
        let stem = platform_stem(&p.platform);
        let doc_ref = format!("DocumentRef-{stem}");
        let pkg = format!("SPDXRef-Platform-{stem}");
        refs.push(json!({
            "externalDocumentId": doc_ref,
            "spdxDocument": p.document_id,
            "checksum": {"algorithm": "SHA256", "checksumValue": p.sha256},
        }));
        packages.push(json!({
            "SPDXID": pkg,
            "name": format!("{} {}", index.name, p.platform),
            "versionInfo": p.manifest_digest,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "primaryPackagePurpose": "CONTAINER",
            "checksums": [{"algorithm": "SHA256", "checksumValue": digest_hex(&p.manifest_digest)}],
            "comment": format!("platform {}; SBOM: {}", p.platform, p.file_name),
        }));
        relationships.push(json!({
            "spdxElementId": "SPDXRef-Index",
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": pkg,
        }));
        relationships.push(json!({
            "spdxElementId": "SPDXRef-Index",
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": format!("{doc_ref}:SPDXRef-DOCUMENT"),
        }));
        relationships.push(json!({
            "spdxElementId": format!("{doc_ref}:SPDXRef-DOCUMENT"),
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": pkg,
        }));
    }
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": index.name,
        "documentNamespace": namespace(index, seed),
        "creationInfo": {
            "created": options.created,
            "creators": [format!("Tool: {}", common::tool())],
        },
        "externalDocumentRefs": refs,
        "packages": packages,
        "relationships": relationships,
    })
}

fn cyclonedx(
    spec_version: &str,
    index: &IndexInfo,
    platforms: &[PlatformDocument],
    options: &RenderOptions,
    seed: &[u8; 32],
) -> Value {
    let components: Vec<Value> = platforms
        .iter()
        .map(|p| {
            json!({
                "bom-ref": format!("platform:{}", p.platform),
                "type": "container",
                "name": index.name,
                "version": p.manifest_digest,
                "description": format!("platform {}", p.platform),
                "hashes": [{"alg": "SHA-256", "content": digest_hex(&p.manifest_digest)}],
                "externalReferences": [{
                    "type": "bom",
                    "url": p.document_id,
                    "comment": p.file_name,
                    "hashes": [{"alg": "SHA-256", "content": p.sha256}],
                }],
            })
        })
        .collect();
    let refs: Vec<Value> = platforms
        .iter()
        .map(|p| json!(format!("platform:{}", p.platform)))
        .collect();
    json!({
        "$schema": format!("http://cyclonedx.org/schema/bom-{spec_version}.schema.json"),
        "bomFormat": "CycloneDX",
        "specVersion": spec_version,
        "serialNumber": format!("urn:uuid:{}", uuid(seed)),
        "version": 1,
        "metadata": {
            "timestamp": options.created,
            "component": {
                "bom-ref": "index",
                "type": "container",
                "name": index.name,
                "version": index.index_digest,
                "description": "a multi-platform image index",
                "hashes": [{"alg": "SHA-256", "content": digest_hex(&index.index_digest)}],
            },
        },
        "components": components,
        "dependencies": [
            {"ref": "index", "dependsOn": refs},
        ],
    })
}
