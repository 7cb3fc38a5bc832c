//! SPDX JSON encoding of a [`Document`]
//! (<https://github.com/spdx/spdx-spec/tree/development/v2.3/schemas>).
//! Keys come in the order the SPDX Go tools write them.

use serde::Serialize;

use super::write::{Document, SpdxPackage, DOCUMENT_ID};

#[derive(Serialize)]
struct JsonDocument<'a> {
    #[serde(rename = "spdxVersion")]
    spdx_version: &'static str,
    #[serde(rename = "dataLicense")]
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: &'a str,
    #[serde(rename = "documentNamespace")]
    document_namespace: &'a str,
    #[serde(rename = "creationInfo")]
    creation_info: CreationInfo<'a>,
    packages: Packages<'a>,
    #[serde(
        rename = "hasExtractedLicensingInfos",
        skip_serializing_if = "Vec::is_empty"
    )]
    extracted: Vec<ExtractedLicense<'a>>,
    relationships: Relationships<'a>,
}

/// The relationships, each mapped to its JSON form as it is written.
struct Relationships<'a>(&'a super::write::Relationships);

impl Serialize for Relationships<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for r in self.0.iter() {
            seq.serialize_element(&Relationship {
                element: r.element,
                related: r.related,
                kind: r.kind,
                comment: r.comment,
            })?;
        }
        seq.end()
    }
}

/// The packages, each built and mapped to its JSON form as it is written
/// (not all held at once).
struct Packages<'a>(&'a super::write::Packages<'a>);

impl Serialize for Packages<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for p in self.0.iter() {
            seq.serialize_element(&package(&p))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct CreationInfo<'a> {
    #[serde(rename = "licenseListVersion")]
    license_list_version: &'a str,
    creators: Vec<String>,
    created: &'a str,
}

#[derive(Serialize)]
struct JsonPackage<'a> {
    name: &'a str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'a str,
    #[serde(rename = "versionInfo", skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    supplier: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    originator: Option<&'a str>,
    #[serde(rename = "packageFileName", skip_serializing_if = "Option::is_none")]
    file_name: Option<&'a str>,
    #[serde(rename = "downloadLocation")]
    download_location: &'a str,
    #[serde(rename = "filesAnalyzed")]
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    homepage: Option<&'a str>,
    #[serde(rename = "sourceInfo", skip_serializing_if = "Option::is_none")]
    source_info: Option<&'a str>,
    #[serde(rename = "licenseConcluded")]
    license_concluded: &'a str,
    #[serde(rename = "licenseDeclared")]
    license_declared: &'a str,
    #[serde(rename = "copyrightText")]
    copyright_text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(rename = "externalRefs", skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef<'a>>,
    #[serde(
        rename = "primaryPackagePurpose",
        skip_serializing_if = "Option::is_none"
    )]
    primary_purpose: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation<'a>>,
}

#[derive(Serialize)]
struct Checksum<'a> {
    algorithm: &'static str,
    #[serde(rename = "checksumValue")]
    value: &'a str,
}

#[derive(Serialize)]
struct ExternalRef<'a> {
    #[serde(rename = "referenceCategory")]
    category: &'static str,
    #[serde(rename = "referenceType")]
    kind: &'static str,
    #[serde(rename = "referenceLocator")]
    locator: &'a str,
}

#[derive(Serialize)]
struct Annotation<'a> {
    #[serde(rename = "annotationDate")]
    date: &'a str,
    #[serde(rename = "annotationType")]
    kind: &'static str,
    annotator: String,
    comment: &'a str,
}

#[derive(Serialize)]
struct ExtractedLicense<'a> {
    #[serde(rename = "licenseId")]
    id: &'a str,
    #[serde(rename = "extractedText")]
    text: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Relationship<'a> {
    #[serde(rename = "spdxElementId")]
    element: &'a str,
    #[serde(rename = "relatedSpdxElement")]
    related: &'a str,
    #[serde(rename = "relationshipType")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
}

pub(super) fn write(doc: &Document<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let out = JsonDocument {
        spdx_version: doc.spdx_version(),
        data_license: "CC0-1.0",
        spdx_id: DOCUMENT_ID,
        name: &doc.name,
        document_namespace: &doc.namespace,
        creation_info: CreationInfo {
            license_list_version: &doc.license_list_version,
            creators: doc
                .creators
                .iter()
                .cloned()
                .chain([format!("Tool: {}", doc.tool)])
                .collect(),
            created: &doc.created,
        },
        packages: Packages(&doc.packages),
        extracted: doc
            .extracted_licenses
            .iter()
            .map(|l| ExtractedLicense {
                id: &l.id,
                text: &l.text,
                name: &l.name,
            })
            .collect(),
        relationships: Relationships(&doc.relationships),
    };
    serde_json::to_writer_pretty(&mut *w, &out)?;
    w.write_all(b"\n")
}

fn package(p: &SpdxPackage) -> JsonPackage<'_> {
    JsonPackage {
        name: &p.name,
        spdx_id: &p.spdx_id,
        version: p.version.as_deref(),
        supplier: &p.supplier,
        originator: p.originator.as_deref(),
        download_location: &p.download_location,
        files_analyzed: false,
        checksums: p
            .checksums
            .iter()
            .map(|c| Checksum {
                algorithm: c.algorithm,
                value: &c.value,
            })
            .collect(),
        homepage: p.homepage.as_deref(),
        source_info: p.source_info.as_deref(),
        license_concluded: &p.license_concluded,
        license_declared: &p.license_declared,
        copyright_text: &p.copyright,
        description: p.description.as_deref(),
        external_refs: p
            .external_refs
            .iter()
            .map(|r| ExternalRef {
                category: r.category,
                kind: r.kind,
                locator: &r.locator,
            })
            .collect(),
        file_name: p.file_name.as_deref(),
        primary_purpose: p.primary_purpose,
        annotations: p
            .annotations
            .iter()
            .map(|a| Annotation {
                date: &a.date,
                kind: "OTHER",
                annotator: format!("Tool: {}", a.annotator),
                comment: &a.comment,
            })
            .collect(),
    }
}
