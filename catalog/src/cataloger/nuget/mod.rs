//! .NET cataloger: the NuGet packages and projects a `*.deps.json` lists
//! for its runtime target (one file per application or library, beside its
//! assemblies).
//!
//! Packages are reported with `found_by` set to `dotnet-deps-cataloger`,
//! syft's name, and PURL type `nuget`, as syft does.

mod deps_json;
mod metadata;

use std::collections::HashSet;

pub use metadata::NugetMetadata;

use super::{Cataloger, Context, FileTree, Findings, Rule};
use crate::cpe;
use crate::model::{Ecosystem, Licenses, Location, Metadata, Package};
use crate::purl::Purl;

/// `found_by` of packages read from `*.deps.json`.
const DEPS_CATALOGER: &str = "dotnet-deps-cataloger";

/// The .NET `deps.json` cataloger.
pub struct NugetCataloger;

impl Cataloger for NugetCataloger {
    fn name(&self) -> &'static str {
        DEPS_CATALOGER
    }

    fn wanted(&self) -> Vec<Rule> {
        vec![Rule::new("**/*.deps.json")]
    }

    fn catalog(&self, files: &FileTree, _: &Context, out: &mut Findings) {
        for file in files.iter() {
            let name = file.path.rsplit('/').next().unwrap_or(&file.path);
            if !is_deps_json(name) {
                continue;
            }
            if file.truncated {
                out.warn(file, "file exceeds the size limit and was cut; skipped");
                continue;
            }
            let libraries = match deps_json::parse(&file.text()) {
                Ok((_, libraries)) => libraries,
                Err(message) => {
                    out.warn(file, message);
                    continue;
                }
            };
            let mut seen = HashSet::new();
            for lib in libraries {
                if seen.insert((lib.name.clone(), lib.version.clone())) {
                    out.packages.push(new_package(lib, file.location()));
                }
            }
        }
    }
}

/// `NAME.deps.json` with a non-empty `NAME`.
fn is_deps_json(name: &str) -> bool {
    name.strip_suffix(".deps.json")
        .is_some_and(|stem| !stem.is_empty())
}

/// `pkg:nuget/NAME@VERSION`.
fn purl(name: &str, version: &str) -> String {
    Purl::new("nuget", name).version(version).to_string()
}

fn new_package(lib: deps_json::DepsLibrary, location: Location) -> Package {
    let cpes = if cpe::unbounded(&lib.name, &lib.version).is_some() {
        Vec::new()
    } else {
        cpe::candidates(&[&lib.name], &[&lib.name], &lib.version)
    };
    let mut dependencies = lib.dependencies;
    dependencies.sort();
    dependencies.dedup();
    Package {
        purl: purl(&lib.name, &lib.version),
        cpes,
        licenses: Licenses::default(),
        locations: vec![location],
        found_by: DEPS_CATALOGER.to_owned(),
        files: Vec::new(),
        dependencies,
        metadata: Metadata::Nuget(NugetMetadata {
            library_type: lib.kind,
            sha512: lib.sha512,
            path: lib.path,
            hash_path: lib.hash_path,
        }),
        ecosystem: Ecosystem::Nuget,
        name: lib.name,
        version: lib.version,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::cataloger::{File, SourceKind};

    fn wants(path: &str) -> bool {
        crate::layer::Wanted::new(NugetCataloger.wanted()).matches(path)
    }

    #[test]
    fn wants_deps_json_files_anywhere() {
        for path in [
            "app/MyApp.deps.json",
            "usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json",
            "x.deps.json",
        ] {
            assert!(wants(path), "{path}");
        }
        for path in [
            "app/deps.json",
            "app/MyApp.runtimeconfig.json",
            "app/MyApp.deps.json.bak",
        ] {
            assert!(!wants(path), "{path}");
        }
        assert!(!is_deps_json(".deps.json"));
    }

    #[test]
    fn packages_carry_purl_checksum_and_dependencies() {
        let mut t = FileTree::new();
        let text = r#"{"runtimeTarget": {"name": "t"}, "targets": {"t": {
            "App/1.0.0": {"dependencies": {"Newtonsoft.Json": "13.0.3"}},
            "Newtonsoft.Json/13.0.3": {}}},
          "libraries": {"App/1.0.0": {"type": "project", "sha512": ""},
            "Newtonsoft.Json/13.0.3": {"type": "package", "sha512": "sha512-HrC5BXdl00IP9zeV+0Z848QWPAoCr9P3bDEZguI+gkLcBKAOxix/tLEAAHC+UvDNPv4a2d18lOReHMOagPa+zQ=="}}}"#;
        t.insert(File {
            path: "app/App.deps.json".into(),
            data: Arc::from(text.as_bytes()),
            layer: None,
            truncated: false,
        });
        t.insert(File {
            path: "other/Bad.deps.json".into(),
            data: Arc::from(&b"{\"targets\": "[..]),
            layer: None,
            truncated: false,
        });
        let ctx = Context {
            distro: None,
            source_kind: SourceKind::Image,
        };
        let mut out = Findings::default();
        NugetCataloger.catalog(&t, &ctx, &mut out);
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.packages.len(), 2);
        let app = &out.packages[0];
        assert_eq!(app.purl, "pkg:nuget/App@1.0.0");
        assert_eq!(app.dependencies, ["Newtonsoft.Json"]);
        let json = &out.packages[1];
        assert_eq!(json.purl, "pkg:nuget/Newtonsoft.Json@13.0.3");
        let sums = json.metadata.fields().checksums();
        assert_eq!(sums.len(), 1);
        assert!(
            sums[0].value.starts_with("1eb0b9057765d3420ff737"),
            "{}",
            sums[0].value
        );
    }
}
