//! `-o github-json`: a GitHub dependency submission snapshot
//! (<https://docs.github.com/en/rest/dependency-graph/dependency-submission>),
//! in the shape syft's `github-json` encoder writes: one manifest per
//! evidence path (`IMAGE:/PATH` for images, `DIR/PATH` for directories),
//! each package under its PURL without qualifiers, every package `direct`
//! and `runtime`, its dependencies by the same names. `job`, `sha` and
//! `ref` are left for the submitting workflow to fill in, as syft does.

use std::collections::BTreeMap;

use serde::Serialize;

use super::RenderOptions;
use crate::model::{Catalog, Package, PackageId, RelationshipKind};

#[derive(Serialize)]
struct Snapshot<'a> {
    version: u32,
    job: Job,
    detector: Detector,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    manifests: BTreeMap<String, Manifest<'a>>,
    scanned: &'a str,
}

#[derive(Serialize)]
struct Job {}

#[derive(Serialize)]
struct Detector {
    name: &'static str,
    url: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Manifest<'a> {
    name: String,
    file: FileInfo,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    resolved: BTreeMap<String, Node<'a>>,
}

#[derive(Serialize)]
struct FileInfo {
    source_location: String,
}

#[derive(Serialize)]
struct Node<'a> {
    package_url: &'a str,
    relationship: &'static str,
    scope: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<String>,
}

/// Writes the snapshot, pretty-printed with two spaces and a newline.
pub(super) fn write_to(
    catalog: &Catalog,
    options: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let ids: BTreeMap<PackageId, &Package> = catalog
        .packages
        .iter()
        .map(|p| (p.package_id(), p))
        .collect();
    let mut manifests: BTreeMap<String, Manifest<'_>> = BTreeMap::new();
    for p in &catalog.packages {
        let path = manifest_path(catalog, p);
        let manifest = manifests.entry(path.clone()).or_insert_with(|| Manifest {
            name: path.clone(),
            file: FileInfo {
                source_location: path,
            },
            metadata: filesystem(p)
                .map(|fs| BTreeMap::from([("syft:filesystem", fs)]))
                .unwrap_or_default(),
            resolved: BTreeMap::new(),
        });
        let Some(name) = dependency_name(&p.purl) else {
            continue;
        };
        let id = p.package_id();
        let mut dependencies: Vec<String> = catalog
            .relationships
            .iter()
            .filter(|r| r.kind == RelationshipKind::DependsOn && r.from == id)
            .filter_map(|r| ids.get(&r.to))
            .filter_map(|d| dependency_name(&d.purl))
            .collect();
        dependencies.sort();
        dependencies.dedup();
        manifest.resolved.insert(
            name,
            Node {
                package_url: &p.purl,
                relationship: "direct",
                scope: "runtime",
                dependencies,
            },
        );
    }
    let snapshot = Snapshot {
        version: 0,
        job: Job {},
        detector: Detector {
            name: "sbomctl",
            url: "https://sbomctl.dev",
            version: env!("CARGO_PKG_VERSION"),
        },
        metadata: catalog
            .distro
            .as_ref()
            .map(|d| {
                let mut purl = crate::purl::Purl::new("generic", &d.id);
                if let Some(v) = &d.version_id {
                    purl = purl.version(v);
                }
                let like = d.id_like.join(",");
                purl = purl.qualifier("like", (!like.is_empty()).then_some(like.as_str()));
                BTreeMap::from([("syft:distro", purl.to_string())])
            })
            .unwrap_or_default(),
        manifests,
        scanned: &options.created,
    };
    let mut ser = serde_json::Serializer::with_formatter(
        &mut *w,
        serde_json::ser::PrettyFormatter::with_indent(b"  "),
    );
    snapshot.serialize(&mut ser)?;
    w.write_all(b"\n")
}

/// The layer (diff ID) of the package's first location.
fn filesystem(p: &Package) -> Option<&str> {
    let layer = p.locations.first()?.layer.as_ref()?;
    Some(layer.diff_id.as_deref().unwrap_or(&layer.digest))
}

/// `IMAGE:/PATH` for images, `DIR/PATH` for directories, from the first
/// location; the source name when there is none.
fn manifest_path(catalog: &Catalog, p: &Package) -> String {
    let name = &catalog.source.name;
    let source = name.strip_prefix("./").unwrap_or(name);
    let source = if source == "." { "" } else { source };
    let Some(location) = p.locations.first() else {
        return source.to_owned();
    };
    let path = location.path.trim_start_matches('/');
    if catalog.source.kind == "directory" {
        if source.is_empty() {
            path.to_owned()
        } else {
            format!("{}/{path}", source.trim_end_matches('/'))
        }
    } else {
        format!("{}:/{path}", source.replace(":/", "//"))
    }
}

/// The PURL without qualifiers (the subpath kept), `None` when it does
/// not parse.
fn dependency_name(purl: &str) -> Option<String> {
    super::read::parse_purl(purl)?;
    let (main, subpath) = match purl.split_once('#') {
        Some((m, s)) => (m, Some(s)),
        None => (purl, None),
    };
    let main = main.split('?').next().unwrap_or(main);
    Some(match subpath {
        Some(s) => format!("{main}#{s}"),
        None => main.to_owned(),
    })
}
