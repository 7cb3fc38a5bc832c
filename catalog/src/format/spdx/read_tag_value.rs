//! SPDX tag-value 2.2 / 2.3 into the structs the SPDX JSON reader fills
//! (spec: "SPDX tag-value format", spdx.github.io/spdx-spec/v2.3): one
//! `Tag: value` per line, multi-line values between `<text>` and
//! `</text>`. A package starts at `PackageName`, a file at `FileName`, an
//! annotation at `Annotator`, an extracted licence at `LicenseID`; other
//! tags belong to the element they follow. Unknown tags and lines are
//! ignored, as the JSON reader ignores unknown fields.
//!
//! One pass over the text, no backtracking: linear in its size. The caller
//! bounds the size.

use std::collections::HashMap;

use super::{
    SpdxAnnotation, SpdxChecksum, SpdxDocument, SpdxExternalRef, SpdxExtractedLicense, SpdxFile,
    SpdxPackage, SpdxRelationship,
};
use crate::error::Result;

/// What the tags that follow describe.
enum Current {
    Document,
    Package,
    File,
    Annotation,
    License,
}

/// The `(tag, value)` pairs of `text`, `<text>` values joined across
/// lines, one at a time (also for `check`'s tag-value reader).
pub(crate) fn pairs(text: &str) -> impl Iterator<Item = (&str, String)> {
    let mut lines = text.lines();
    std::iter::from_fn(move || loop {
        let line = lines.next()?;
        let line = line.trim_end_matches('\r');
        if line.trim_start().starts_with('#') {
            continue;
        }
        let Some((tag, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim_start();
        let value = match value.strip_prefix("<text>") {
            Some(rest) => {
                let mut v = String::new();
                let mut rest = rest.to_owned();
                loop {
                    if let Some((inner, _)) = rest.split_once("</text>") {
                        v.push_str(inner);
                        break;
                    }
                    v.push_str(&rest);
                    match lines.next() {
                        Some(next) => {
                            v.push('\n');
                            rest = next.trim_end_matches('\r').to_owned();
                        }
                        None => break,
                    }
                }
                v
            }
            None => value.trim_end().to_owned(),
        };
        return Some((tag.trim(), value));
    })
}

pub(super) fn parse(text: &str) -> Result<SpdxDocument> {
    let mut doc = SpdxDocument::default();
    let mut current = Current::Document;
    // Annotations name their subject; attached after the pass, in order.
    let mut annotations: Vec<(String, String)> = Vec::new();
    for (tag, value) in pairs(text) {
        match tag {
            "PackageName" => {
                doc.packages.push(SpdxPackage {
                    name: value,
                    ..SpdxPackage::default()
                });
                current = Current::Package;
            }
            "FileName" => {
                doc.files.push(SpdxFile {
                    file_name: value,
                    ..SpdxFile::default()
                });
                current = Current::File;
            }
            "Annotator" => {
                annotations.push((String::new(), String::new()));
                current = Current::Annotation;
            }
            "LicenseID" => {
                doc.has_extracted_licensing_infos
                    .push(SpdxExtractedLicense {
                        license_id: value,
                        name: None,
                    });
                current = Current::License;
            }
            "Relationship" => {
                let mut parts = value.split_whitespace();
                if let (Some(a), Some(kind), Some(b)) = (parts.next(), parts.next(), parts.next()) {
                    doc.relationships.push(SpdxRelationship {
                        spdx_element_id: a.to_owned(),
                        relationship_type: kind.to_owned(),
                        related_spdx_element: b.to_owned(),
                        comment: None,
                    });
                }
            }
            "RelationshipComment" => {
                if let Some(r) = doc.relationships.last_mut() {
                    r.comment = Some(value);
                }
            }
            "DocumentName" => doc.name = value,
            "SPDXID" => match current {
                Current::Document => doc.spdx_id = value,
                Current::Package => {
                    if let Some(p) = doc.packages.last_mut() {
                        p.spdx_id = value;
                    }
                }
                Current::File => {
                    if let Some(f) = doc.files.last_mut() {
                        f.spdx_id = value;
                        // A file after a package is one of its files.
                        if let Some(p) = doc.packages.last_mut() {
                            p.has_files.push(f.spdx_id.clone());
                        }
                    }
                }
                Current::Annotation | Current::License => {}
            },
            "PackageVersion" => {
                if let (Current::Package, Some(p)) = (&current, doc.packages.last_mut()) {
                    p.version_info = value;
                }
            }
            "PackageSupplier" => {
                if let (Current::Package, Some(p)) = (&current, doc.packages.last_mut()) {
                    p.supplier = Some(value);
                }
            }
            "PackageLicenseDeclared" => {
                if let (Current::Package, Some(p)) = (&current, doc.packages.last_mut()) {
                    p.license_declared = Some(value);
                }
            }
            "PrimaryPackagePurpose" => {
                if let (Current::Package, Some(p)) = (&current, doc.packages.last_mut()) {
                    p.primary_package_purpose = Some(value);
                }
            }
            "ExternalRef" => {
                if let (Current::Package, Some(p)) = (&current, doc.packages.last_mut()) {
                    let mut parts = value.split_whitespace();
                    if let (Some(category), Some(kind), Some(locator)) =
                        (parts.next(), parts.next(), parts.next())
                    {
                        p.external_refs.push(SpdxExternalRef {
                            reference_category: category.to_owned(),
                            reference_type: kind.to_owned(),
                            reference_locator: locator.to_owned(),
                        });
                    }
                }
            }
            "FileChecksum" => {
                if let (Current::File, Some(f)) = (&current, doc.files.last_mut()) {
                    if let Some((alg, v)) = value.split_once(':') {
                        f.checksums.push(SpdxChecksum {
                            algorithm: alg.trim().to_owned(),
                            checksum_value: v.trim().to_owned(),
                        });
                    }
                }
            }
            "SPDXREF" => {
                if let (Current::Annotation, Some(a)) = (&current, annotations.last_mut()) {
                    a.0 = value;
                }
            }
            "AnnotationComment" => {
                if let (Current::Annotation, Some(a)) = (&current, annotations.last_mut()) {
                    a.1 = value;
                }
            }
            "LicenseName" => {
                if let (Current::License, Some(l)) =
                    (&current, doc.has_extracted_licensing_infos.last_mut())
                {
                    l.name = Some(value);
                }
            }
            _ => {}
        }
    }
    let index: HashMap<String, usize> = doc
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.spdx_id.clone(), i))
        .collect();
    for (subject, comment) in annotations {
        if let Some(p) = index.get(&subject).and_then(|&i| doc.packages.get_mut(i)) {
            p.annotations.push(SpdxAnnotation { comment });
        }
    }
    Ok(doc)
}
