//! The SPDX 3.0.1 index document of `packages IMAGE --platform all`
//! (docs/multiplatform.md): one `SpdxDocument` about a multi-platform
//! image index that links the SPDX 3 documents written for its platforms,
//! the way SPDX 3 links documents (spec annex "Cross referencing in SPDX
//! 3"; Core classes `ExternalMap` and `SpdxDocument`, property `import`).
//!
//! - The index is a `software_Package` (`software_primaryPurpose`
//!   `container`, version and SHA-256 from the index digest), the root of
//!   the document's `software_Sbom`.
//! - Each platform document's `SpdxDocument` and its root element (the
//!   platform image) are named in the document's `import` list: one
//!   `ExternalMap` each, with the platform file as `locationHint`, the
//!   SHA-256 of its bytes as `verifiedUsing` and, as `definingArtifact`, a
//!   `software_File` for that file (`software_primaryPurpose` `bom`, the
//!   same hash).
//! - Relationships: the index `contains` each platform's image; each
//!   platform `SpdxDocument` `describes` its image and is
//!   `serializedInArtifact` its file.

use serde_json::{json, Value};

use super::write::{element, CONTEXT, CREATION_INFO};
use crate::format::common;
use crate::format::index_doc::{platform_stem, IndexInfo, PlatformDocument};
use crate::format::RenderOptions;

/// The media type of SPDX JSON documents, for the platform files.
const SPDX_JSON_MEDIA_TYPE: &str = "application/spdx+json";

fn relationship(id: &str, from: &str, kind: &str, to: Vec<String>) -> Value {
    element(
        "Relationship",
        id,
        vec![
            ("from", from.into()),
            ("relationshipType", kind.into()),
            ("to", to.into()),
        ],
    )
}

fn sha256(hex: &str) -> Value {
    json!([{"type": "Hash", "algorithm": "sha256", "hashValue": hex}])
}

/// The index document with namespace `ns`. A platform whose root element
/// is unknown (`None`) is imported by its `SpdxDocument` only.
pub(in crate::format) fn render_index(
    ns: &str,
    index: &IndexInfo,
    platforms: &[PlatformDocument],
    options: &RenderOptions,
) -> Value {
    let id = |local: &str| format!("{ns}#{local}");
    let agent = id("SPDXRef-SoftwareAgent-sbomctl");
    let tool = id("SPDXRef-Tool-sbomctl");
    let document = id("SPDXRef-DOCUMENT");
    let sbom = id("SPDXRef-Sbom");
    let data_license = id("SPDXRef-DataLicense-CC0-1.0");
    let index_id = id("SPDXRef-Index");
    let file_id =
        |p: &PlatformDocument| id(&format!("SPDXRef-File-{}", platform_stem(&p.platform)));

    let mut imports = Vec::new();
    for p in platforms {
        let external = std::iter::once(&p.document_id).chain(p.root_element.as_ref());
        for spdx_id in external {
            imports.push(json!({
                "type": "ExternalMap",
                "externalSpdxId": spdx_id,
                "locationHint": p.file_name,
                "verifiedUsing": sha256(&p.sha256),
                "definingArtifact": file_id(p),
            }));
        }
    }
    let mut graph = vec![
        json!({
            "type": "CreationInfo",
            "@id": CREATION_INFO,
            "specVersion": super::Spdx3Version::V3_0_1.as_str(),
            "created": options.created,
            "createdBy": [agent],
            "createdUsing": [tool],
        }),
        element("SoftwareAgent", &agent, vec![("name", "sbomctl".into())]),
        element("Tool", &tool, vec![("name", common::tool().into())]),
        element(
            "SpdxDocument",
            &document,
            vec![
                ("name", index.name.clone().into()),
                ("dataLicense", data_license.clone().into()),
                ("profileConformance", json!(["core", "software"])),
                ("rootElement", json!([sbom])),
                ("import", imports.into()),
            ],
        ),
        element(
            "software_Sbom",
            &sbom,
            vec![
                ("software_sbomType", json!(["analyzed"])),
                ("rootElement", json!([index_id])),
            ],
        ),
        element(
            "simplelicensing_LicenseExpression",
            &data_license,
            vec![("simplelicensing_licenseExpression", "CC0-1.0".into())],
        ),
        element(
            "software_Package",
            &index_id,
            vec![
                ("name", index.name.clone().into()),
                ("software_packageVersion", index.index_digest.clone().into()),
                ("software_primaryPurpose", "container".into()),
                ("description", "a multi-platform image index".into()),
                ("verifiedUsing", sha256(digest_hex(&index.index_digest))),
            ],
        ),
    ];
    let mut contained = Vec::new();
    for p in platforms {
        let stem = platform_stem(&p.platform);
        let file = file_id(p);
        graph.push(element(
            "software_File",
            &file,
            vec![
                ("name", p.file_name.clone().into()),
                ("software_fileKind", "file".into()),
                ("software_primaryPurpose", "bom".into()),
                ("contentType", SPDX_JSON_MEDIA_TYPE.into()),
                (
                    "comment",
                    format!(
                        "the SBOM of platform {} (manifest {})",
                        p.platform, p.manifest_digest
                    )
                    .into(),
                ),
                ("verifiedUsing", sha256(&p.sha256)),
            ],
        ));
        graph.push(relationship(
            &id(&format!("SPDXRef-Relationship-{stem}-serializedInArtifact")),
            &p.document_id,
            "serializedInArtifact",
            vec![file],
        ));
        if let Some(root) = &p.root_element {
            graph.push(relationship(
                &id(&format!("SPDXRef-Relationship-{stem}-describes")),
                &p.document_id,
                "describes",
                vec![root.clone()],
            ));
            contained.push(root.clone());
        }
    }
    if !contained.is_empty() {
        graph.push(relationship(
            &id("SPDXRef-Index-contains"),
            &index_id,
            "contains",
            contained,
        ));
    }
    json!({"@context": CONTEXT, "@graph": graph})
}

fn digest_hex(digest: &str) -> &str {
    digest.split_once(':').map_or(digest, |(_, h)| h)
}

/// The `SpdxDocument`'s id and the root element of its `software_Sbom`
/// (the scanned image), read from an SPDX 3 JSON-LD document we wrote.
pub(in crate::format) fn document_ids(doc: &Value) -> Option<(String, Option<String>)> {
    let graph = doc.get("@graph")?.as_array()?;
    let of_type = |t: &str| {
        graph
            .iter()
            .find(|e| e.get("type").and_then(Value::as_str) == Some(t))
    };
    let document = of_type("SpdxDocument")?.get("spdxId")?.as_str()?.to_owned();
    let root = of_type("software_Sbom")
        .and_then(|s| s.get("rootElement"))
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some((document, root))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn platform(arch: &str, root: Option<&str>) -> PlatformDocument {
        PlatformDocument {
            platform: format!("linux/{arch}"),
            manifest_digest: format!("sha256:{}", "ab".repeat(32)),
            file_name: format!("linux-{arch}.spdx3.json"),
            document_id: format!("https://x.example/{arch}#SPDXRef-DOCUMENT"),
            root_element: root.map(str::to_owned),
            sha256: "cd".repeat(32),
        }
    }

    fn index() -> IndexInfo {
        IndexInfo {
            name: "img".into(),
            index_digest: format!("sha256:{}", "ef".repeat(32)),
        }
    }

    #[test]
    fn imports_each_platform_document_and_image_and_contains_the_images() {
        let platforms = [
            platform("amd64", Some("https://x.example/amd64#img")),
            platform("arm64", Some("https://x.example/arm64#img")),
        ];
        let doc = render_index(
            "https://i.example/x",
            &index(),
            &platforms,
            &RenderOptions::at(0),
        );
        let (document, root) = document_ids(&doc).unwrap();
        assert_eq!(document, "https://i.example/x#SPDXRef-DOCUMENT");
        assert_eq!(root.as_deref(), Some("https://i.example/x#SPDXRef-Index"));
        let graph = doc["@graph"].as_array().unwrap();
        let spdx_doc = graph.iter().find(|e| e["type"] == "SpdxDocument").unwrap();
        let imported: Vec<&str> = spdx_doc["import"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["externalSpdxId"].as_str().unwrap())
            .collect();
        assert_eq!(
            imported,
            [
                "https://x.example/amd64#SPDXRef-DOCUMENT",
                "https://x.example/amd64#img",
                "https://x.example/arm64#SPDXRef-DOCUMENT",
                "https://x.example/arm64#img",
            ]
        );
        let contains = graph
            .iter()
            .find(|e| e["relationshipType"] == "contains")
            .unwrap();
        assert_eq!(
            contains["to"],
            json!(["https://x.example/amd64#img", "https://x.example/arm64#img"])
        );
        // Every element's id is in this document's namespace.
        for e in graph.iter().filter(|e| e.get("spdxId").is_some()) {
            assert!(
                e["spdxId"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://i.example/x#"),
                "{e}"
            );
        }
    }

    #[test]
    fn a_platform_without_a_known_root_is_imported_by_its_document_only() {
        let doc = render_index(
            "https://i.example/x",
            &index(),
            &[platform("amd64", None)],
            &RenderOptions::at(0),
        );
        let graph = doc["@graph"].as_array().unwrap();
        let spdx_doc = graph.iter().find(|e| e["type"] == "SpdxDocument").unwrap();
        assert_eq!(spdx_doc["import"].as_array().unwrap().len(), 1);
        assert!(!graph.iter().any(|e| e["relationshipType"] == "contains"));
        assert!(!graph.iter().any(|e| e["relationshipType"] == "describes"));
    }
}
