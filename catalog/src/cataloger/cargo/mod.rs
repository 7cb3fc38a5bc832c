//! Cargo cataloger: crates compiled into Rust executables built with
//! `cargo auditable`, read from their `.dep-v0` data as the layer streams
//! ([`dep_v0`], via the shared [`ExecutableExtractor`]), and, on directory
//! sources only (as syft does), the packages of `Cargo.lock` files
//! ([`cargo_lock`]).
//!
//! From a binary, every crate of kind `runtime` is reported (build-only
//! crates such as `autocfg` are left out, as syft does), with its
//! dependency graph: each crate depends on the crates its `dependencies`
//! indexes name.

pub mod cargo_lock;
pub mod dep_v0;
mod metadata;

pub use metadata::CargoMetadata;

use std::sync::Arc;

use super::executable::{ExecutableExtractor, ExecutableFinding};
use super::{Cataloger, Context, Extractor, FileTree, Findings, Rule, SourceKind};
use crate::model::{Diagnostic, Ecosystem, Licenses, Location, Metadata, Package, Severity};
use crate::purl::Purl;

/// `found_by` of crates read from executables (syft's name).
pub const BINARY_CATALOGER: &str = "cargo-auditable-binary-cataloger";
/// `found_by` of crates read from `Cargo.lock` (syft's name).
pub const LOCK_CATALOGER: &str = "rust-cargo-lock-cataloger";

/// Crates in executables built with `cargo auditable`.
pub struct CargoAuditableCataloger;

impl Cataloger for CargoAuditableCataloger {
    fn name(&self) -> &'static str {
        BINARY_CATALOGER
    }

    fn wanted(&self) -> Vec<Rule> {
        Vec::new()
    }

    fn extractors(&self) -> Vec<Arc<dyn Extractor>> {
        vec![Arc::new(ExecutableExtractor)]
    }

    fn catalog(&self, files: &FileTree, _ctx: &Context, out: &mut Findings) {
        for finding in files.findings(ExecutableExtractor::ID) {
            let Some(ExecutableFinding {
                cargo: Some(json), ..
            }) = ExecutableFinding::decode(&finding.data)
            else {
                continue;
            };
            match dep_v0::parse(json.as_bytes()) {
                Ok(info) => out
                    .packages
                    .extend(binary_packages(&info, &finding.location())),
                Err(e) => out.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    location: Some(finding.location()),
                    message: e,
                }),
            }
        }
    }
}

/// Crates of `Cargo.lock` files (directory sources only).
pub struct CargoLockCataloger;

impl Cataloger for CargoLockCataloger {
    fn name(&self) -> &'static str {
        LOCK_CATALOGER
    }

    fn wanted(&self) -> Vec<Rule> {
        vec![Rule::new("**/Cargo.lock")]
    }

    fn catalog(&self, files: &FileTree, ctx: &Context, out: &mut Findings) {
        if ctx.source_kind != SourceKind::Directory {
            return;
        }
        for file in files
            .iter()
            .filter(|f| f.path.rsplit('/').next() == Some("Cargo.lock"))
        {
            let (pkgs, cut) = cargo_lock::parse(&file.text());
            if cut {
                out.warn(
                    file,
                    format!(
                        "more than {} packages: the rest are left out",
                        cargo_lock::MAX_PACKAGES
                    ),
                );
            }
            for p in pkgs {
                if p.name.is_empty() || p.version.is_empty() {
                    continue;
                }
                let dependencies = p
                    .dependencies
                    .iter()
                    .filter_map(|d| d.split(' ').next())
                    .map(str::to_owned)
                    .collect();
                out.packages.push(package(
                    &p.name,
                    &p.version,
                    file.location(),
                    LOCK_CATALOGER,
                    dependencies,
                    CargoMetadata {
                        source: p.source,
                        checksum: Some(p.checksum).filter(|c| !c.is_empty()),
                        kind: None,
                    },
                ));
            }
        }
    }
}

/// The runtime crates of one binary's dependency data.
fn binary_packages(info: &dep_v0::VersionInfo, location: &Location) -> Vec<Package> {
    let runtime = |i: &usize| info.packages.get(*i).is_some_and(|p| p.kind == "runtime");
    info.packages
        .iter()
        .filter(|p| p.kind == "runtime" && !p.name.is_empty() && !p.version.is_empty())
        .map(|p| {
            let mut dependencies: Vec<String> = p
                .dependencies
                .iter()
                .filter(|i| runtime(i))
                .filter_map(|&i| info.packages.get(i).map(|d| d.name.clone()))
                .collect();
            dependencies.sort();
            dependencies.dedup();
            package(
                &p.name,
                &p.version,
                location.clone(),
                BINARY_CATALOGER,
                dependencies,
                CargoMetadata {
                    source: p.source.clone(),
                    checksum: None,
                    kind: Some(p.kind.clone()),
                },
            )
        })
        .collect()
}

fn package(
    name: &str,
    version: &str,
    location: Location,
    found_by: &str,
    dependencies: Vec<String>,
    metadata: CargoMetadata,
) -> Package {
    Package {
        name: name.to_owned(),
        version: version.to_owned(),
        ecosystem: Ecosystem::Cargo,
        purl: purl(name, version),
        cpes: cpes(name, version),
        licenses: Licenses::default(),
        locations: vec![location],
        found_by: found_by.to_owned(),
        files: Vec::new(),
        dependencies,
        metadata: Metadata::Cargo(metadata),
    }
}

/// `pkg:cargo/NAME@VERSION`.
pub fn purl(name: &str, version: &str) -> String {
    Purl::new("cargo", name).version(version).to_string()
}

fn cpes(name: &str, version: &str) -> Vec<String> {
    if crate::cpe::unbounded(name, version).is_some() {
        return Vec::new();
    }
    crate::cpe::candidates(&[name], &[name], version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_crates_are_left_out_with_their_edges() {
        let info = dep_v0::parse(
            br#"{"packages":[{"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},{"name":"autocfg","version":"1.5.1","source":"crates.io","kind":"build"},{"name":"itoa","version":"1.0.11","source":"crates.io"}]}"#,
        )
        .unwrap();
        let pkgs = binary_packages(&info, &Location::new("usr/bin/app", None));
        let names: Vec<(&str, &str, Vec<String>)> = pkgs
            .iter()
            .map(|p| (p.name.as_str(), p.purl.as_str(), p.dependencies.clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("app", "pkg:cargo/app@0.1.0", vec!["itoa".to_owned()]),
                ("itoa", "pkg:cargo/itoa@1.0.11", vec![]),
            ]
        );
    }
}

#[cfg(test)]
mod real_binaries {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use super::*;

    fn testdata() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/cargo")
    }

    #[test]
    fn cataloged_crates_match_cargo_lock() {
        let lock = std::fs::read_to_string(testdata().join("auditdemo-src/Cargo.lock")).unwrap();
        // The truth, read with a plain line scan (not the cataloger's
        // parser): every [[package]] name and version.
        let mut truth = BTreeSet::new();
        let mut name = None;
        for line in lock.lines() {
            if let Some(n) = line.strip_prefix("name = ") {
                name = Some(n.trim_matches('"').to_owned());
            }
            if let Some(v) = line.strip_prefix("version = ") {
                if let Some(n) = name.take() {
                    truth.insert((n, v.trim_matches('"').to_owned()));
                }
            }
        }
        assert_eq!(truth.len(), 6);
        let source = crate::Source::parse(&format!("dir:{}", testdata().display())).unwrap();
        let catalog = crate::scan::catalog(&source, &crate::Options::default()).unwrap();
        let found = |by: &str| -> BTreeSet<(String, String)> {
            catalog
                .packages
                .iter()
                .filter(|p| p.found_by == by)
                .map(|p| (p.name.clone(), p.version.clone()))
                .collect()
        };
        assert_eq!(found(LOCK_CATALOGER), truth);
        // autocfg is lock_api's build-dependency: compiled into the build
        // script, not the binary.
        let mut runtime = truth.clone();
        runtime.remove(&("autocfg".to_owned(), "1.5.1".to_owned()));
        assert_eq!(found(BINARY_CATALOGER), runtime);
        let bin = |name: &str| {
            catalog
                .packages
                .iter()
                .find(|p| p.found_by == BINARY_CATALOGER && p.name == name)
                .unwrap()
        };
        let app = bin("auditdemo");
        assert_eq!(app.purl, "pkg:cargo/auditdemo@0.1.0");
        assert_eq!(app.dependencies, ["helper", "itoa", "lock_api"]);
        assert_eq!(bin("lock_api").dependencies, ["scopeguard"]);
        let Metadata::Cargo(m) = &bin("itoa").metadata else {
            panic!()
        };
        assert_eq!(m.source, "crates.io");
        // The binary's graph stays within the binary: auditdemo depends on
        // the binary's itoa, not on the lock file's.
        let (app_id, itoa_id) = (app.package_id(), bin("itoa").package_id());
        let edges: Vec<_> = catalog
            .relationships
            .iter()
            .filter(|r| r.from == app_id)
            .map(|r| r.to)
            .collect();
        assert_eq!(edges.len(), 3, "{edges:?}");
        assert!(edges.contains(&itoa_id));
        assert!(catalog.diagnostics.is_empty(), "{:?}", catalog.diagnostics);
    }
}
