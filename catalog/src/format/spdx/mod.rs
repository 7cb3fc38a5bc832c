//! SPDX 2.2 / 2.3 documents, tag-value and JSON
//! (<https://spdx.github.io/spdx-spec/v2.3/>).
//!
//! [`write::build`] maps the catalog to one SPDX document; `tag_value`
//! and `json` only encode it; `read` reads SPDX JSON back. The mapping and
//! the differences from syft are in docs/formats-spdx.md.

pub(super) mod fields;
mod json;
mod read;
mod tag_value;
pub(super) mod write;

use super::{RenderOptions, SpdxVersion};
use crate::model::Catalog;

pub(crate) use read::tag_value_pairs;
pub use read::SPDX_FOUND_BY;
pub(crate) use read::{annotation_entries, spdx_actor, spdx_licenses};
pub(super) use read::{read, read_tag_value};

/// SPDX tag-value. Deterministic: the same catalog and options give the
/// same text.
pub(super) fn render_tag_value(
    c: &Catalog,
    v: SpdxVersion,
    o: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    tag_value::write(&write::build(c, v, o), w)
}

/// SPDX JSON, pretty-printed with a trailing newline. Deterministic.
pub(super) fn render_json(
    c: &Catalog,
    v: SpdxVersion,
    o: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    json::write(&write::build(c, v, o), w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Catalog, DebMetadata, Ecosystem, LayerRef, Licenses, Location, Metadata, Package,
        PackageId, Relationship, RelationshipKind, Scope, SourceInfo,
    };

    fn deb(name: &str, version: &str) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            ecosystem: Ecosystem::Deb,
            purl: format!("pkg:deb/debian/{name}@{version}"),
            cpes: vec![],
            licenses: Licenses::default(),
            locations: vec![Location::new(
                "var/lib/dpkg/status",
                Some(LayerRef {
                    digest: format!("sha256:{}", "a".repeat(64)),
                    diff_id: None,
                    index: 0,
                }),
            )],
            found_by: "dpkg-db-cataloger".into(),
            files: vec![],
            dependencies: vec![],
            metadata: Metadata::Deb(DebMetadata {
                package: name.into(),
                version: version.into(),
                ..Default::default()
            }),
        }
    }

    fn all(doc: &write::Document<'_>) -> Vec<write::SpdxPackage> {
        doc.packages
            .iter()
            .map(std::borrow::Cow::into_owned)
            .collect()
    }

    fn catalog(packages: Vec<Package>, relationships: Vec<Relationship>) -> Catalog {
        Catalog {
            source: SourceInfo {
                kind: "image".into(),
                transport: "oci-dir".into(),
                name: "oci-dir:/tmp/x-oci".into(),
                manifest_digest: Some(format!("sha256:{}", "b".repeat(64))),
                index_digest: None,
                config_digest: None,
                platform: Some("linux/amd64".into()),
                layers: vec![],
                vendor: None,
            },
            scope: Scope::Squashed,
            distro: None,
            packages,
            relationships,
            diagnostics: vec![],
            files: Default::default(),
        }
    }

    #[test]
    fn root_describes_and_contains_every_package() {
        let c = catalog(vec![deb("a", "1"), deb("b", "2")], vec![]);
        let doc = write::build(&c, SpdxVersion::V2_3, &RenderOptions::at(0));
        let packages = all(&doc);
        let root = &packages[0];
        assert_eq!(root.spdx_id, "SPDXRef-DocumentRoot-Image-x");
        assert_eq!(root.primary_purpose, Some("CONTAINER"));
        assert_eq!(root.checksums[0].algorithm, "SHA256");
        let relationships: Vec<_> = doc.relationships.iter().collect();
        assert_eq!(relationships[0].element, "SPDXRef-DOCUMENT");
        assert_eq!(relationships[0].kind, "DESCRIBES");
        assert_eq!(relationships[0].related, root.spdx_id);
        let contains: Vec<_> = relationships
            .iter()
            .filter(|r| r.kind == "CONTAINS")
            .map(|r| r.related)
            .collect();
        assert_eq!(contains.len(), 2);
        let v22 = write::build(&c, SpdxVersion::V2_2, &RenderOptions::at(0));
        assert_eq!(all(&v22)[0].primary_purpose, None);
    }

    #[test]
    fn same_package_id_twice_gets_distinct_spdx_ids() {
        let c = catalog(vec![deb("a", "1"), deb("a", "1")], vec![]);
        let doc = write::build(&c, SpdxVersion::V2_3, &RenderOptions::at(0));
        let packages = all(&doc);
        assert_ne!(packages[1].spdx_id, packages[2].spdx_id);
        assert!(packages[2].spdx_id.ends_with("-2"));
    }

    #[test]
    fn relationships_map_to_depends_on_and_other() {
        let (a, b) = (deb("a", "1"), deb("b", "2"));
        let rels = vec![
            Relationship {
                from: a.package_id(),
                to: b.package_id(),
                kind: RelationshipKind::DependsOn,
            },
            Relationship {
                from: b.package_id(),
                to: a.package_id(),
                kind: RelationshipKind::OwnershipByFileOverlap,
            },
            Relationship {
                from: a.package_id(),
                to: PackageId::from(0),
                kind: RelationshipKind::DependsOn,
            },
        ];
        let c = catalog(vec![a, b], rels);
        let doc = write::build(&c, SpdxVersion::V2_3, &RenderOptions::at(0));
        let kinds: Vec<_> = doc.relationships.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                "DESCRIBES",
                "CONTAINS",
                "CONTAINS",
                "DEPENDS_ON",
                "DEPENDS_ON",
                "OTHER"
            ]
        );
        // `b` is a deb that declares no dependency: its list is complete
        // and empty, `DEPENDS_ON NONE`.
        let none = doc.relationships.iter().nth(4).expect("fifth");
        let b_id = doc.relationships.iter().nth(2).expect("third").related;
        assert_eq!(none.related, "NONE");
        assert_eq!(none.element, b_id);
        let other = doc.relationships.iter().nth(5).expect("sixth");
        assert!(other
            .comment
            .unwrap_or("")
            .starts_with("ownership-by-file-overlap:"));
    }

    #[test]
    fn unmapped_licenses_become_license_refs_with_extracted_text() {
        let mut p = deb("a", "1");
        p.licenses =
            Licenses::from_declared(vec!["GPL-2".into(), "public-domain".into(), "MIT".into()]);
        let mut q = deb("b", "1");
        q.licenses = Licenses::from_declared(vec!["public-domain".into()]);
        let mut r = deb("c", "1");
        r.licenses = Licenses::from_declared(vec!["MIT OR Apache-2.0".into(), "Foo".into()]);
        let c = catalog(vec![p, q, r], vec![]);
        let doc = write::build(&c, SpdxVersion::V2_3, &RenderOptions::at(0));
        let packages = all(&doc);
        let declared: Vec<_> = packages
            .iter()
            .map(|p| p.license_declared.as_str())
            .collect();
        let pd = &doc
            .extracted_licenses
            .iter()
            .find(|l| l.text == "public-domain")
            .expect("extracted")
            .id;
        assert_eq!(declared[0], "NOASSERTION");
        assert_eq!(declared[1], format!("GPL-2.0-only AND {pd} AND MIT"));
        assert_eq!(declared[2], *pd);
        assert!(declared[3].starts_with("(MIT OR Apache-2.0) AND LicenseRef-Foo-"));
        assert_eq!(doc.extracted_licenses.len(), 2);
    }
}
