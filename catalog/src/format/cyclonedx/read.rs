//! CycloneDX JSON 1.2–1.7 back into a [`Catalog`]: components (nested ones
//! too) by their PURL, CPEs, licenses, sbomctl's properties, the
//! operating-system component as the distro, the root and `dependencies`.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::error::Result;
use crate::format::read::{
    finish, locations_from, malformed, nullable, source_info, to_package, Found, Skipped,
};
use crate::model::{Catalog, Distro, Licenses, Metadata, RelationshipKind, Scope};

/// `found_by` of packages read from a CycloneDX document.
pub const CYCLONEDX_FOUND_BY: &str = "cyclonedx-import";

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxBom {
    #[serde(deserialize_with = "nullable")]
    pub(super) metadata: CdxMetadata,
    #[serde(deserialize_with = "nullable")]
    pub(super) components: Vec<CdxComponent>,
    #[serde(deserialize_with = "nullable")]
    pub(super) dependencies: Vec<CdxDependency>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxMetadata {
    pub(super) component: Option<CdxComponent>,
    #[serde(deserialize_with = "nullable")]
    pub(super) properties: Vec<CdxProperty>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxComponent {
    #[serde(rename = "type", deserialize_with = "nullable")]
    pub(super) kind: String,
    #[serde(rename = "bom-ref")]
    pub(super) bom_ref: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub(super) group: String,
    #[serde(deserialize_with = "nullable")]
    pub(super) name: String,
    #[serde(deserialize_with = "nullable")]
    pub(super) version: String,
    #[serde(deserialize_with = "nullable")]
    pub(super) description: String,
    pub(super) supplier: Option<CdxEntity>,
    pub(super) purl: Option<String>,
    pub(super) cpe: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub(super) licenses: Vec<CdxLicenseChoice>,
    #[serde(deserialize_with = "nullable")]
    pub(super) properties: Vec<CdxProperty>,
    #[serde(deserialize_with = "nullable")]
    pub(super) components: Vec<CdxComponent>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxEntity {
    #[serde(deserialize_with = "nullable")]
    pub(super) name: String,
    #[serde(deserialize_with = "nullable")]
    pub(super) contact: Vec<CdxContact>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxContact {
    #[serde(deserialize_with = "nullable")]
    pub(super) email: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxLicenseChoice {
    pub(super) license: Option<CdxLicense>,
    pub(super) expression: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxLicense {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxProperty {
    #[serde(deserialize_with = "nullable")]
    pub(super) name: String,
    #[serde(deserialize_with = "nullable")]
    pub(super) value: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CdxDependency {
    #[serde(rename = "ref", deserialize_with = "nullable")]
    pub(super) reference: String,
    #[serde(rename = "dependsOn", deserialize_with = "nullable")]
    pub(super) depends_on: Vec<String>,
}

impl CdxComponent {
    /// The key dependencies refer to it by.
    fn key(&self) -> String {
        self.bom_ref
            .clone()
            .or_else(|| self.purl.clone())
            .unwrap_or_else(|| format!("{}@{}", self.name, self.version))
    }

    fn property_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.properties
            .iter()
            .filter(move |p| p.name == name)
            .map(|p| p.value.as_str())
    }

    fn property(&self, name: &str) -> Option<String> {
        self.property_values(name)
            .next()
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }
}

/// The OS component as a distro, with sbomctl's `sbomctl:distro:*`
/// properties when present.
fn cdx_distro(c: &CdxComponent) -> Distro {
    let non_empty = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    Distro {
        id: c
            .property("sbomctl:distro:id")
            .unwrap_or_else(|| c.name.to_ascii_lowercase()),
        version_id: c
            .property("sbomctl:distro:versionID")
            .or_else(|| non_empty(&c.version)),
        version_codename: c.property("sbomctl:distro:versionCodename"),
        pretty_name: c
            .property("sbomctl:distro:prettyName")
            .or_else(|| non_empty(&c.description)),
        id_like: c
            .property_values("sbomctl:distro:idLike")
            .map(str::to_owned)
            .collect(),
    }
}

/// sbomctl's `sbomctl:metadata:*` properties back into the metadata: the
/// first property of each name, when not empty.
fn cdx_metadata(c: &CdxComponent, metadata: &mut Metadata) {
    let mut seen = BTreeSet::new();
    for p in &c.properties {
        let Some(name) = p.name.strip_prefix("sbomctl:metadata:") else {
            continue;
        };
        if seen.insert(name) && !p.value.is_empty() {
            metadata.fields_mut().set_property(name, &p.value);
        }
    }
}

/// Moves every component (nested ones after their parent) into `out`.
fn flatten(components: Vec<CdxComponent>, out: &mut Vec<CdxComponent>) {
    for mut c in components {
        let nested = std::mem::take(&mut c.components);
        out.push(c);
        flatten(nested, out);
    }
}

/// Reads CycloneDX JSON 1.2–1.7 (already sniffed as such).
pub(in crate::format) fn read(bytes: &[u8]) -> Result<Catalog> {
    let bom: CdxBom =
        serde_json::from_slice(bytes).map_err(|e| malformed(format!("CycloneDX JSON: {e}")))?;
    Ok(to_catalog(bom, "cyclonedx-json"))
}

/// Maps a parsed document (JSON or XML) into a catalog; `transport` is
/// the source's transport unless sbomctl's properties name one.
pub(super) fn to_catalog(mut bom: CdxBom, transport: &str) -> Catalog {
    // Components are consumed one by one below, so each is freed once
    // mapped.
    let mut all = Vec::new();
    if let Some(r) = bom.metadata.component.as_mut() {
        flatten(std::mem::take(&mut r.components), &mut all);
    }
    flatten(std::mem::take(&mut bom.components), &mut all);
    let root = bom.metadata.component.as_ref();

    let mut skipped = Skipped::default();
    let mut distro = None;
    let mut keys = Vec::new();
    let mut packages = Vec::new();
    for c in all {
        if c.kind == "operating-system" {
            if distro.is_none() && !c.name.is_empty() {
                distro = Some(cdx_distro(&c));
            }
            continue;
        }
        let purl = c.purl.clone().unwrap_or_default();
        let name =
            if !c.group.is_empty() && purl.starts_with("pkg:npm/") && !c.name.starts_with('@') {
                format!("{}/{}", c.group, c.name)
            } else {
                c.name.clone()
            };
        let mut cpes: Vec<String> = c.cpe.iter().cloned().collect();
        cpes.extend(c.property_values("sbomctl:cpe23").map(str::to_owned));
        let mut declared = Vec::new();
        for l in &c.licenses {
            if let Some(lic) = &l.license {
                declared.extend(lic.id.clone().or_else(|| lic.name.clone()));
            }
            declared.extend(l.expression.clone());
        }
        let found = Found {
            name,
            // sbomctl cuts long versions and keeps the whole one here.
            version: c
                .property("sbomctl:package:version")
                .unwrap_or_else(|| c.version.clone()),
            purl,
            cpes,
            licenses: Licenses::from_declared(declared),
            locations: locations_from(
                c.properties
                    .iter()
                    .map(|p| (p.name.as_str(), p.value.as_str())),
                &[],
            ),
            files: Vec::new(),
            found_by: CYCLONEDX_FOUND_BY.to_owned(),
            // No contact email: taken for an organisation (an rpm vendor).
            supplier: c.supplier.as_ref().and_then(|s| {
                let name = s.name.trim().to_owned();
                let email = s
                    .contact
                    .iter()
                    .map(|c| c.email.trim())
                    .find(|e| !e.is_empty())
                    .unwrap_or_default()
                    .to_owned();
                let organization = email.is_empty();
                (!name.is_empty() || !email.is_empty()).then_some((name, email, organization))
            }),
        };
        if let Some(mut pkg) = to_package(found, &mut skipped) {
            cdx_metadata(&c, &mut pkg.metadata);
            keys.push(c.key());
            packages.push(pkg);
        }
    }
    let edges: Vec<(String, String, RelationshipKind)> = bom
        .dependencies
        .iter()
        .flat_map(|d| {
            d.depends_on
                .iter()
                .map(|t| (d.reference.clone(), t.clone(), RelationshipKind::DependsOn))
        })
        .collect();
    let source = match root {
        Some(r) => {
            let mut s = source_info(
                transport,
                &r.name,
                Some(r.version.as_str()),
                r.purl.as_deref(),
                r.kind == "container",
            );
            // sbomctl's own properties give back the source as scanned.
            if let Some(t) = r.property("sbomctl:source:transport") {
                s.transport = t;
            }
            if let Some(n) = r.property("sbomctl:source:name") {
                s.name = n;
            }
            s.index_digest = r.property("sbomctl:image:indexDigest");
            s.config_digest = r.property("sbomctl:image:configDigest");
            s.platform = r.property("sbomctl:image:platform");
            // The root's supplier (`--source-supplier` or the vendor
            // label) comes back as the root's, never as the packages'.
            s.vendor = r
                .supplier
                .as_ref()
                .map(|e| e.name.trim().to_owned())
                .filter(|n| !n.is_empty());
            s
        }
        None => source_info(transport, "", None, None, false),
    };
    let mut catalog = finish(
        source,
        distro,
        &keys,
        packages,
        &edges,
        skipped.diagnostics("component"),
    );
    let scope = bom
        .metadata
        .properties
        .iter()
        .find(|p| p.name == "sbomctl:catalog:scope");
    if scope.is_some_and(|p| p.value == "all-layers") {
        catalog.scope = Scope::AllLayers;
    }
    catalog
}
