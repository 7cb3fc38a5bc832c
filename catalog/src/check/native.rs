//! sbomctl's native JSON → [`Sbom`], through the catalog it reads into:
//! suppliers and checksums come from each package's metadata. The native
//! JSON is deterministic by design, so it has no timestamp and no creator.
//! Dependency completeness is what the writers derive from the catalog
//! ([`crate::relate::dependency_completeness`]).

use std::collections::HashSet;

use super::facts::{Agent, Component, Sbom};
use crate::cataloger::{HashAlgorithm, Supplier};
use crate::model::{Catalog, PackageId, RelationshipKind};

fn agent(s: Supplier<'_>) -> Agent {
    match s {
        Supplier::Maintainer(v) | Supplier::Author(v) => Agent::parse(v),
        Supplier::Organization(v) => Agent {
            name: v.to_owned(),
            email: None,
            url: None,
        },
        Supplier::AuthorFields { name, email } | Supplier::MaintainerFields { name, email } => {
            Agent {
                name: name.unwrap_or_default().to_owned(),
                email: email.map(str::to_owned),
                url: None,
            }
        }
    }
}

pub(super) fn from_catalog(catalog: &Catalog, version: &str) -> Sbom {
    let mut sbom = Sbom::new("json", version);
    sbom.unsupported.push((
        "author",
        "the native JSON has no field for it (it is the same bytes for the same image)",
    ));
    sbom.unsupported.push((
        "timestamp",
        "the native JSON has no field for it (it is the same bytes for the same image)",
    ));
    // The scanned image is the document's subject, not a package of it.
    sbom.describes = true;
    let mut related: HashSet<PackageId> = HashSet::new();
    let mut depends: HashSet<PackageId> = HashSet::new();
    for r in &catalog.relationships {
        related.insert(r.from);
        related.insert(r.to);
        if r.kind == RelationshipKind::DependsOn {
            depends.insert(r.from);
        }
    }
    // The catalog states completeness as the writers do (CycloneDX
    // compositions, SPDX 3 `completeness`): known for the ecosystems whose
    // database records every direct dependency.
    let completeness = crate::relate::dependency_completeness(&catalog.packages);
    // Suppliers as every document format writes them: a package's own,
    // else its distributor's (the OS package that installed its files).
    let suppliers =
        crate::format::common::Suppliers::new(catalog, &crate::format::RenderOptions::at(0));
    for (at, (p, completeness)) in catalog.packages.iter().zip(completeness).enumerate() {
        let package_id = p.package_id();
        let fields = p.metadata.fields();
        let supplier = fields.supplier();
        // An author is who made the package (as the CycloneDX writer's
        // `authors`); a maintainer or vendor only supplies it.
        let creators: Vec<Agent> = match supplier {
            Some(s @ (Supplier::Author(_) | Supplier::AuthorFields { .. })) => vec![agent(s)],
            _ => Vec::new(),
        }
        .into_iter()
        .filter(Agent::named)
        .collect();
        sbom.components.push(Component {
            name: p.name.clone(),
            version: p.version.clone(),
            primary: false,
            suppliers: suppliers
                .of(at)
                .map(|(s, _)| agent(s))
                .into_iter()
                .filter(Agent::named)
                .collect(),
            creators,
            purl: p.purl.clone(),
            cpes: p.cpes.clone(),
            hashes: fields
                .checksums()
                .iter()
                .map(|c| {
                    match c.algorithm {
                        HashAlgorithm::Sha1 => "sha1",
                        HashAlgorithm::Sha256 => "sha256",
                        HashAlgorithm::Sha384 => "sha384",
                        HashAlgorithm::Sha512 => "sha512",
                    }
                    .to_owned()
                })
                .collect(),
            distribution_licence: false,
            filename: None,
            dependencies_listed: depends.contains(&package_id),
            completeness_stated: completeness != crate::model::Completeness::Unknown,
            // Every package of a scan is in the image.
            related: true,
            executable: None,
            archive: None,
            structured: None,
            key: package_id.to_string(),
        });
    }
    sbom
}
