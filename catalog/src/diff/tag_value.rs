//! The diff's lean reader of SPDX tag-value 2.2 / 2.3: the lines of
//! format/spdx/read_tag_value.rs's parser (same tags, same rules), read
//! in one pass borrowing from the text, each package mapped by the SPDX 2
//! JSON lean reader's [`SpdxState`] once its tags are done (when the next
//! element starts), keeping only its entry. Annotations name their
//! subject and may come anywhere, so they are kept (borrowed) and turned
//! into the entries' locations after the pass, as the full parser attaches
//! them.
//!
//! Linear: one pass over the lines, hash maps for the look-ups.

use std::borrow::Cow;
use std::collections::HashMap;

use super::lean::{
    locations_of, SpdxExternalRef, SpdxExtractedLicense, SpdxPackage, SpdxRelationship, SpdxState,
    Str,
};
use super::listing::Listing;
use crate::format;

/// What the tags that follow describe (the full parser's `Current`).
#[derive(PartialEq, Eq)]
enum Current {
    Document,
    Package,
    File,
    Annotation,
    License,
}

/// The `(tag, value)` pairs of `text`, as the full parser's `pairs`,
/// calling `f` on each; values borrow from `text` unless a `<text>` value
/// spans lines.
fn each_pair<'a>(text: &'a str, mut f: impl FnMut(&'a str, Str<'a>)) {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim_end_matches('\r');
        if line.trim_start().starts_with('#') {
            continue;
        }
        let Some((tag, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim_start();
        let value = match value.strip_prefix("<text>") {
            Some(rest) => match rest.split_once("</text>") {
                Some((inner, _)) => Cow::Borrowed(inner),
                None => {
                    let mut v = rest.to_owned();
                    for next in lines.by_ref() {
                        v.push('\n');
                        let next = next.trim_end_matches('\r');
                        if let Some((inner, _)) = next.split_once("</text>") {
                            v.push_str(inner);
                            break;
                        }
                        v.push_str(next);
                    }
                    Cow::Owned(v)
                }
            },
            None => Cow::Borrowed(value.trim_end()),
        };
        f(tag.trim(), Str(value));
    }
}

/// The first three whitespace-separated words of a value (the full
/// parser's `split_whitespace`), borrowed when the value is.
fn words<'a>(value: &Str<'a>) -> Option<[Cow<'a, str>; 3]> {
    fn three(s: &str) -> Option<[&str; 3]> {
        let mut parts = s.split_whitespace();
        Some([parts.next()?, parts.next()?, parts.next()?])
    }
    match &value.0 {
        Cow::Borrowed(v) => three(v).map(|w| w.map(Cow::Borrowed)),
        Cow::Owned(v) => three(v).map(|w| w.map(|s| Cow::Owned(s.to_owned()))),
    }
}

fn flush<'a>(state: &mut SpdxState<'a>, package: &mut Option<SpdxPackage<'a>>) {
    if let Some(p) = package.take() {
        state.package(p);
    }
}

/// Reads tag-value text (already sniffed as such) into a listing; never
/// refuses (neither does the full parser).
pub(super) fn read(text: &str, own: bool) -> Listing<'_> {
    let mut state = SpdxState::default();
    state.listing.own = own;
    let mut current = Current::Document;
    let mut doc_id: Str<'_> = Str::default();
    let mut package: Option<SpdxPackage<'_>> = None;
    let mut annotations: Vec<(Str<'_>, Str<'_>)> = Vec::new();
    let mut extracted: Vec<SpdxExtractedLicense<'_>> = Vec::new();
    each_pair(text, |tag, value| match tag {
        "PackageName" => {
            flush(&mut state, &mut package);
            package = Some(SpdxPackage {
                name: value,
                ..SpdxPackage::default()
            });
            current = Current::Package;
        }
        "FileName" => {
            flush(&mut state, &mut package);
            current = Current::File;
        }
        "Annotator" => {
            flush(&mut state, &mut package);
            annotations.push((Str::default(), Str::default()));
            current = Current::Annotation;
        }
        "LicenseID" => {
            flush(&mut state, &mut package);
            extracted.push(SpdxExtractedLicense {
                license_id: value,
                name: None,
            });
            current = Current::License;
        }
        "Relationship" => {
            if let Some([a, kind, b]) = words(&value) {
                if matches!(kind.as_ref(), "DESCRIBES" | "DESCRIBED_BY") {
                    state.describes.push(SpdxRelationship {
                        spdx_element_id: Str(a),
                        related_spdx_element: Str(b),
                        relationship_type: Str(kind),
                        comment: None,
                    });
                }
            }
        }
        "SPDXID" => match current {
            Current::Document => doc_id = value,
            Current::Package => {
                if let Some(p) = package.as_mut() {
                    p.spdx_id = value;
                }
            }
            Current::File | Current::Annotation | Current::License => {}
        },
        "PackageVersion" | "PackageSupplier" | "PackageLicenseDeclared" | "ExternalRef"
            if current == Current::Package =>
        {
            let Some(p) = package.as_mut() else {
                return;
            };
            match tag {
                "PackageVersion" => p.version_info = value,
                "PackageSupplier" => p.supplier = Some(value),
                "PackageLicenseDeclared" => p.license_declared = Some(value),
                _ => {
                    if let Some([category, kind, locator]) = words(&value) {
                        // Only the first PURL reference is read.
                        let is_purl =
                            matches!(category.as_ref(), "PACKAGE-MANAGER" | "PACKAGE_MANAGER")
                                && kind == "purl";
                        if is_purl && p.external_refs.is_empty() {
                            p.external_refs.push(SpdxExternalRef {
                                reference_category: Str(category),
                                reference_type: Str(kind),
                                reference_locator: Str(locator),
                            });
                        }
                    }
                }
            }
        }
        "AnnotationComment" | "SPDXREF" if current == Current::Annotation => {
            if let Some(a) = annotations.last_mut() {
                if tag == "SPDXREF" {
                    a.0 = value;
                } else {
                    a.1 = value;
                }
            }
        }
        "LicenseName" if current == Current::License => {
            if let Some(l) = extracted.last_mut() {
                l.name = Some(value);
            }
        }
        _ => {}
    });
    flush(&mut state, &mut package);
    attach_annotations(&mut state, &annotations);
    let doc_id = doc_id;
    state.finish(doc_id.as_str(), &[], &extracted)
}

/// Each annotation's locations on the entry of the last package with its
/// subject's SPDXID (the full parser attaches an annotation to that
/// package, whose locations `to_package` reads from its annotations in
/// order).
fn attach_annotations(state: &mut SpdxState<'_>, annotations: &[(Str<'_>, Str<'_>)]) {
    let mut last: HashMap<&str, Option<usize>> = HashMap::new();
    for (id, entry) in &state.ids {
        last.insert(id.as_str(), *entry);
    }
    let mut by_entry: Vec<(usize, &str)> = annotations
        .iter()
        .filter_map(|(subject, comment)| {
            let entry = (*last.get(subject.as_str())?)?;
            Some((entry, comment.as_str()))
        })
        .collect();
    drop(last);
    // Stable: each entry's comments stay in document order.
    by_entry.sort_by_key(|(entry, _)| *entry);
    for group in by_entry.chunk_by(|a, b| a.0 == b.0) {
        let Some(&(entry, _)) = group.first() else {
            continue;
        };
        let locations = format::locations_from(
            group
                .iter()
                .flat_map(|(_, comment)| format::annotation_entries(comment)),
            &[],
        );
        if let Some(e) = state.listing.entries.get_mut(entry) {
            e.locations = locations_of(locations);
        }
    }
}
