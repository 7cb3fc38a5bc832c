//! Go cataloger: modules compiled into Go executables (ELF, Mach-O, PE),
//! read from their build info as the layer streams ([`buildinfo`], via the
//! shared [`ExecutableExtractor`]), and, on directory sources only (as
//! syft does), the modules `go.mod` requires, with `h1:` sums from the
//! `go.sum` beside it (`go_mod`).
//!
//! A binary gives: its main module (`mod`; a `(devel)` version is kept),
//! every `dep` with version and `h1:` sum (a `=>` replacement gives the
//! name, version and sum, except a local-path replacement, which keeps the
//! original path, as syft does), the toolchain as a `stdlib` package, and
//! the build settings as properties of the main module. The main module
//! depends on every other module and on `stdlib`.

pub mod buildinfo;
mod go_mod;
mod metadata;
pub mod modinfo;
mod pointer;

pub use metadata::GolangMetadata;

use super::executable::{ExecutableExtractor, ExecutableFinding};
use super::{Cataloger, Context, Extractor, FileTree, Finding, Findings, Rule, SourceKind};
use crate::cpe;
use crate::model::{Ecosystem, Licenses, Location, Metadata, Package};
use crate::purl::Purl;
use std::sync::Arc;

/// `found_by` of modules read from executables (syft's name).
pub const BINARY_CATALOGER: &str = "go-module-binary-cataloger";
/// `found_by` of modules read from `go.mod` (syft's name).
pub const FILE_CATALOGER: &str = "go-module-file-cataloger";

/// The version Go records for a main module built outside version control.
pub const DEVEL: &str = "(devel)";

/// Modules in Go executables.
pub struct GoBinaryCataloger;

impl Cataloger for GoBinaryCataloger {
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
            let Some(ExecutableFinding { go: Some(go), .. }) =
                ExecutableFinding::decode(&finding.data)
            else {
                continue;
            };
            catalog_binary(finding, &go, out);
        }
    }
}

/// Modules `go.mod` files require (directory sources only).
pub struct GoModCataloger;

impl Cataloger for GoModCataloger {
    fn name(&self) -> &'static str {
        FILE_CATALOGER
    }

    fn wanted(&self) -> Vec<Rule> {
        vec![
            Rule::new("**/go.mod").unless("**/vendor/**/*"),
            Rule::new("**/go.sum").unless("**/vendor/**/*"),
        ]
    }

    fn catalog(&self, files: &FileTree, ctx: &Context, out: &mut Findings) {
        if ctx.source_kind != SourceKind::Directory {
            return;
        }
        go_mod::catalog(files, out);
    }
}

fn warn(out: &mut Findings, finding: &Finding, message: String) {
    out.diagnostics.push(crate::model::Diagnostic {
        severity: crate::model::Severity::Warning,
        location: Some(finding.location()),
        message,
    });
}

/// The packages of one executable's build info.
fn catalog_binary(finding: &Finding, go: &buildinfo::GoBuildInfo, out: &mut Findings) {
    let (info, problems) = modinfo::parse(&go.modinfo);
    for p in problems {
        warn(out, finding, p);
    }
    let location = finding.location();
    // `go1.22.1 X:boringcrypto`: the experiments are not the version.
    let toolchain = go.version.split(' ').next().unwrap_or_default();
    // Before Go 1.18 there are no build settings: syft then names the
    // machine from the executable's header.
    let arch = info
        .settings
        .iter()
        .find(|(k, _)| k == "GOARCH")
        .map(|(_, v)| v.clone())
        .or_else(|| go.arch.clone());
    let meta = |m: &modinfo::Module, main: &str| GolangMetadata {
        go_compiled_version: go.version.clone(),
        architecture: arch.clone(),
        h1_digest: Some(effective(m).2.to_owned()).filter(|s| !s.is_empty()),
        main_module: Some(main.to_owned()).filter(|s| !s.is_empty()),
        build_settings: Vec::new(),
    };
    // Built without modules (GOPATH mode, as Debian builds): the main
    // module is named after the package path, version `(devel)`, as syft
    // does.
    let main = match &info.main {
        Some(m) if !m.path.is_empty() && m.path != "command-line-arguments" => Some(m.clone()),
        _ if !info.path.is_empty() && info.path != "command-line-arguments" => {
            Some(modinfo::Module {
                path: info.path.clone(),
                version: DEVEL.to_owned(),
                ..modinfo::Module::default()
            })
        }
        _ => None,
    };
    let main_path = main.as_ref().map_or("", |m| m.path.as_str()).to_owned();
    let mut dep_names = Vec::new();
    for dep in &info.deps {
        if Some(dep) == main.as_ref() {
            continue;
        }
        let (name, version, _) = effective(dep);
        if name.is_empty() {
            continue;
        }
        dep_names.push(name.to_owned());
        out.packages.push(module_package(
            name,
            version,
            location.clone(),
            meta(dep, &main_path),
            Vec::new(),
        ));
    }
    if !toolchain.is_empty() {
        dep_names.push("stdlib".to_owned());
        out.packages
            .push(stdlib_package(toolchain, &go.version, location.clone()));
    }
    if let Some(m) = &main {
        let (name, version, _) = effective(m);
        let mut metadata = meta(m, &main_path);
        metadata.build_settings = info.settings.clone();
        dep_names.sort();
        dep_names.dedup();
        out.packages
            .push(module_package(name, version, location, metadata, dep_names));
    }
}

/// Name, version and sum of a module after its replacement: a local-path
/// replacement (`./x`, `../x`, `/x`) keeps the original path, as syft does.
fn effective(m: &modinfo::Module) -> (&str, &str, &str) {
    match &m.replace {
        Some(r) if r.path.starts_with('.') || r.path.starts_with('/') => {
            (&m.path, &r.version, &r.sum)
        }
        Some(r) => (&r.path, &r.version, &r.sum),
        None => (&m.path, &m.version, &m.sum),
    }
}

/// `pkg:golang/<namespace>/<name>@<version>`, split at the last `/` as
/// syft does; a `(devel)` or empty version is left out.
pub fn purl(module: &str, version: &str) -> String {
    let (namespace, name) = match module.rsplit_once('/') {
        Some((ns, n)) if !ns.is_empty() && !n.is_empty() => (ns, n),
        _ => ("", module),
    };
    let version = if version == DEVEL { "" } else { version };
    Purl::new("golang", name)
        .namespace(namespace)
        .version(version)
        .to_string()
}

/// CPE candidates for a module, as syft guesses them: the owner and
/// repository of `github.com`/`gitlab.com`/`bitbucket.org` paths, `golang`
/// for `golang.org/x/…`; none for other hosts.
fn cpes(module: &str, version: &str) -> Vec<String> {
    if version.is_empty() || version == DEVEL || cpe::unbounded(module, version).is_some() {
        return Vec::new();
    }
    let parts: Vec<&str> = module.split('/').collect();
    match parts.as_slice() {
        ["github.com" | "gitlab.com" | "bitbucket.org", owner, repo, ..] => {
            cpe::candidates(&[owner], &[repo], version)
        }
        ["golang.org", "x", name, ..] => cpe::candidates(&["golang"], &[name], version),
        _ => Vec::new(),
    }
}

fn module_package(
    name: &str,
    version: &str,
    location: Location,
    metadata: GolangMetadata,
    dependencies: Vec<String>,
) -> Package {
    Package {
        name: name.to_owned(),
        version: version.to_owned(),
        ecosystem: Ecosystem::Golang,
        purl: purl(name, version),
        cpes: cpes(name, version),
        licenses: Licenses::default(),
        locations: vec![location],
        found_by: BINARY_CATALOGER.to_owned(),
        files: Vec::new(),
        dependencies,
        metadata: Metadata::Golang(metadata),
    }
}

/// The Go standard library of toolchain `toolchain` (`go1.22.1`): named
/// `stdlib`, versioned as the toolchain, PURL version without `go` and a
/// `golang:go` CPE, as syft reports it.
fn stdlib_package(toolchain: &str, full: &str, location: Location) -> Package {
    let bare = toolchain.strip_prefix("go").unwrap_or(toolchain);
    let cpe_version = bare.split('+').next().unwrap_or(bare);
    // `1.22rc1` → version `1.22`, update `rc1`.
    let split = cpe_version
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(cpe_version.len());
    let (v, update) = cpe_version.split_at(split);
    let plain = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
    let cpes = if v.is_empty() || !plain(update) {
        Vec::new()
    } else {
        vec![format!(
            "cpe:2.3:a:golang:go:{v}:{}:*:*:*:*:*:*",
            if update.is_empty() { "-" } else { update }
        )]
    };
    Package {
        name: "stdlib".to_owned(),
        version: toolchain.to_owned(),
        ecosystem: Ecosystem::Golang,
        purl: Purl::new("golang", "stdlib").version(bare).to_string(),
        cpes,
        licenses: Licenses::from_declared(vec!["BSD-3-Clause".to_owned()]),
        locations: vec![location],
        found_by: BINARY_CATALOGER.to_owned(),
        files: Vec::new(),
        dependencies: Vec::new(),
        metadata: Metadata::Golang(GolangMetadata {
            go_compiled_version: full.to_owned(),
            ..GolangMetadata::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_split_at_the_last_slash_and_drop_devel() {
        assert_eq!(
            purl("github.com/cli/cli/v2", "v2.63.0"),
            "pkg:golang/github.com/cli/cli/v2@v2.63.0"
        );
        assert_eq!(
            purl("mvdan.cc/sh/v3", "v3.14.1"),
            "pkg:golang/mvdan.cc/sh/v3@v3.14.1"
        );
        assert_eq!(purl("example.com/app", DEVEL), "pkg:golang/example.com/app");
        assert_eq!(purl("stdlib", "1.22.1"), "pkg:golang/stdlib@1.22.1");
        assert_eq!(purl("rsc.io", "v1.0.0"), "pkg:golang/rsc.io@v1.0.0");
    }

    #[test]
    fn stdlib_cpe_splits_the_release_candidate() {
        let p = stdlib_package("go1.22rc1", "go1.22rc1", Location::new("x", None));
        assert_eq!(p.cpes, ["cpe:2.3:a:golang:go:1.22:rc1:*:*:*:*:*:*"]);
        assert_eq!(p.purl, "pkg:golang/stdlib@1.22rc1");
        let p = stdlib_package(
            "go1.19.8",
            "go1.19.8 X:boringcrypto",
            Location::new("x", None),
        );
        assert_eq!(p.cpes, ["cpe:2.3:a:golang:go:1.19.8:-:*:*:*:*:*:*"]);
    }
}

#[cfg(test)]
mod real_binaries {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::PathBuf;

    use super::*;
    use crate::cataloger::EcosystemMetadata;
    use crate::model::Catalog;

    fn testdata() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/golang")
    }

    /// What `go version -m` printed: toolchain, then (name, version, sum)
    /// of every module after replacements, and the build settings.
    struct Truth {
        toolchain: String,
        main: (String, String),
        deps: BTreeSet<(String, String, String)>,
        settings: Vec<(String, String)>,
    }

    fn truth(name: &str) -> Truth {
        let text =
            std::fs::read_to_string(testdata().join(format!("{name}.go-version-m.txt"))).unwrap();
        let mut lines = text.lines();
        let toolchain = lines.next().unwrap().split(": ").nth(1).unwrap().to_owned();
        let (mut path, mut main) = (String::new(), None);
        let mut deps: Vec<(String, String, String)> = Vec::new();
        let mut settings = Vec::new();
        let mut last_is_dep = false;
        for line in lines {
            let f: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
            match f.as_slice() {
                ["path", p] => path = (*p).to_owned(),
                ["mod", p, v, ..] => {
                    main = Some(((*p).to_owned(), (*v).to_owned()));
                    last_is_dep = false;
                }
                ["dep", p, v, rest @ ..] => {
                    deps.push((
                        (*p).to_owned(),
                        (*v).to_owned(),
                        rest.first().copied().unwrap_or("").to_owned(),
                    ));
                    last_is_dep = true;
                }
                ["=>", p, v, rest @ ..] if last_is_dep => {
                    let d = deps.last_mut().unwrap();
                    if !p.starts_with('.') && !p.starts_with('/') {
                        d.0 = (*p).to_owned();
                    }
                    d.1 = (*v).to_owned();
                    d.2 = rest.first().copied().unwrap_or("").to_owned();
                }
                ["build", kv] => {
                    let (k, v) = kv.split_once('=').unwrap();
                    settings.push((k.to_owned(), v.trim_matches('"').to_owned()));
                }
                _ => {}
            }
        }
        Truth {
            toolchain,
            main: main.unwrap_or((path, DEVEL.to_owned())),
            deps: deps.into_iter().collect(),
            settings,
        }
    }

    fn scan_dir() -> Catalog {
        let source = crate::Source::parse(&format!("dir:{}", testdata().display())).unwrap();
        crate::scan::catalog(&source, &crate::Options::default()).unwrap()
    }

    fn meta(p: &Package) -> &GolangMetadata {
        match &p.metadata {
            Metadata::Golang(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cataloged_modules_match_go_version_m() {
        let catalog = scan_dir();
        let mut by_binary: BTreeMap<&str, Vec<&Package>> = BTreeMap::new();
        for p in catalog
            .packages
            .iter()
            .filter(|p| p.found_by == BINARY_CATALOGER)
        {
            by_binary
                .entry(p.locations[0].path.as_str())
                .or_default()
                .push(p);
        }
        let root = testdata();
        let names: Vec<String> = by_binary
            .keys()
            .map(|k| k.rsplit('/').next().unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "age-keygen",
                "esbuild-0.1.12-windows-64.exe",
                "esbuild-0.1.26-darwin-64",
                "esbuild-0.1.26-linux-64",
                "hello",
                "hello-darwin-arm64",
                "hello-windows-amd64.exe",
                "shfmt"
            ],
            "{root:?}"
        );
        for (path, pkgs) in &by_binary {
            let name = path.rsplit('/').next().unwrap();
            let t = truth(name);
            let stdlib: Vec<_> = pkgs.iter().filter(|p| p.name == "stdlib").collect();
            assert_eq!(stdlib.len(), 1, "{name}");
            assert_eq!(stdlib[0].version, t.toolchain, "{name}");
            assert_eq!(
                stdlib[0].purl,
                format!("pkg:golang/stdlib@{}", &t.toolchain[2..])
            );
            let main: Vec<_> = pkgs.iter().filter(|p| p.name == t.main.0).collect();
            assert_eq!(main.len(), 1, "{name}: {pkgs:#?}");
            let main = main[0];
            assert_eq!(main.version, t.main.1, "{name}");
            assert_eq!(meta(main).build_settings, t.settings, "{name}");
            let deps: BTreeSet<(String, String, String)> = pkgs
                .iter()
                .filter(|p| p.name != "stdlib" && p.name != t.main.0)
                .map(|p| {
                    (
                        p.name.clone(),
                        p.version.clone(),
                        meta(p).h1_digest.clone().unwrap_or_default(),
                    )
                })
                .collect();
            assert_eq!(deps, t.deps, "{name}");
            assert_eq!(pkgs.len(), t.deps.len() + 2, "{name}");
            // The main module depends on every other module and stdlib.
            let mut expected: Vec<String> = t
                .deps
                .iter()
                .map(|d| d.0.clone())
                .chain(["stdlib".to_owned()])
                .collect();
            expected.sort();
            assert_eq!(main.dependencies, expected, "{name}");
            let main_id = main.package_id();
            for p in pkgs.iter().filter(|p| p.name != t.main.0) {
                let id = p.package_id();
                assert!(
                    catalog
                        .relationships
                        .iter()
                        .any(|r| r.from == main_id && r.to == id),
                    "{name}: {} -> {}",
                    main.name,
                    p.name
                );
            }
        }
        // Every binary's build info was read whole (pre-1.18 ones too).
        assert!(catalog.diagnostics.is_empty(), "{:#?}", catalog.diagnostics);
        // Pre-1.18 binaries have no GOARCH setting: the machine comes from
        // the executable's header, named as syft names it.
        for (file, arch) in [
            ("esbuild-0.1.26-linux-64", "x86_64"),
            ("esbuild-0.1.26-darwin-64", "amd64"),
            ("esbuild-0.1.12-windows-64.exe", "34404"),
            ("hello-darwin-arm64", "arm64"),
            ("hello-windows-amd64.exe", "amd64"),
        ] {
            let pkgs = &by_binary[by_binary.keys().find(|k| k.ends_with(file)).unwrap()];
            for p in pkgs.iter().filter(|p| p.name != "stdlib") {
                assert_eq!(meta(p).architecture.as_deref(), Some(arch), "{file}");
            }
        }
        let esbuild = &by_binary[by_binary
            .keys()
            .find(|k| k.ends_with("esbuild-0.1.26-linux-64"))
            .unwrap()];
        let stdlib = esbuild.iter().find(|p| p.name == "stdlib").unwrap();
        assert_eq!(
            (stdlib.purl.as_str(), stdlib.cpes[0].as_str()),
            (
                "pkg:golang/stdlib@1.14.2",
                "cpe:2.3:a:golang:go:1.14.2:-:*:*:*:*:*:*"
            )
        );
        assert_eq!(meta(stdlib).go_compiled_version, "go1.14.2");
        // Spot checks of the forms syft writes.
        let shfmt = &by_binary[by_binary.keys().find(|k| k.ends_with("shfmt")).unwrap()];
        let sys = shfmt.iter().find(|p| p.name == "golang.org/x/sys").unwrap();
        assert_eq!(sys.purl, "pkg:golang/golang.org/x/sys@v0.47.0");
        assert_eq!(sys.cpes[0], "cpe:2.3:a:golang:sys:v0.47.0:*:*:*:*:*:*:*");
        let hello = &by_binary[by_binary.keys().find(|k| k.ends_with("hello")).unwrap()];
        let main = hello
            .iter()
            .find(|p| p.name == "example.com/hello")
            .unwrap();
        assert_eq!(
            (main.version.as_str(), main.purl.as_str()),
            ("(devel)", "pkg:golang/example.com/hello")
        );
        let props: BTreeMap<&str, String> = meta(main).properties().into_iter().collect();
        assert_eq!(
            props["buildSetting:-ldflags"],
            "-s -w -X main.version=1.2.3"
        );
        assert_eq!(props["buildSetting:vcs"], "git");
    }

    /// The real pre-1.18 esbuild binary with its version pointers broken:
    /// a warning naming the file, no `stdlib`, the modules still reported.
    #[test]
    fn broken_pre_1_18_version_pointers_are_warnings() {
        let real = std::fs::read(testdata().join("esbuild-0.1.26-linux-64")).unwrap();
        let header = memchr::memmem::find(&real, buildinfo::MAGIC).unwrap();
        let ptr = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
        // The data segment maps 0x69c000 to the header's file offset.
        let string_header = header + (ptr(&real, header + 16) - 0x69_c000) as usize;
        assert_eq!(ptr(&real, string_header + 8), 8, "go1.14.2");
        let data = ptr(&real, string_header);
        let cases: [(usize, u64, &str); 3] = [
            (header + 16, 0xdead_0000, "outside every segment"),
            (string_header + 8, 200, "200 bytes long"),
            (string_header, data + 1, "not a `go1.` string"),
        ];
        let dir = tempfile::tempdir().unwrap();
        for (i, (at, value, _)) in cases.iter().enumerate() {
            let mut bin = real.clone();
            bin[*at..*at + 8].copy_from_slice(&value.to_le_bytes());
            std::fs::write(dir.path().join(format!("broken-{i}")), bin).unwrap();
        }
        let source = crate::Source::parse(&format!("dir:{}", dir.path().display())).unwrap();
        let catalog = crate::scan::catalog(&source, &crate::Options::default()).unwrap();
        for (i, (_, _, text)) in cases.iter().enumerate() {
            let file = format!("broken-{i}");
            let at = |p: &Package| p.locations[0].path.ends_with(&file);
            let mut names: Vec<&str> = catalog
                .packages
                .iter()
                .filter(|p| at(p))
                .map(|p| p.name.as_str())
                .collect();
            names.sort_unstable();
            assert_eq!(names, ["esbuild", "golang.org/x/sys"], "{file}");
            let diag = catalog
                .diagnostics
                .iter()
                .find(|d| d.location.as_ref().is_some_and(|l| l.path.ends_with(&file)))
                .unwrap_or_else(|| panic!("{file}: {:#?}", catalog.diagnostics));
            assert_eq!(diag.severity, crate::model::Severity::Warning);
            assert!(
                diag.message.contains(text) && diag.message.contains("stdlib"),
                "{file}: {}",
                diag.message
            );
        }
    }

    #[test]
    fn go_mod_and_go_sum_on_directory_sources() {
        let catalog = scan_dir();
        let from_mod: Vec<(&str, &str, &str)> = catalog
            .packages
            .iter()
            .filter(|p| p.found_by == FILE_CATALOGER)
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.locations[0].path.as_str(),
                )
            })
            .collect();
        // hello-src/go.mod requires example.com/lib, replaced by ./lib.
        assert_eq!(from_mod.len(), 1, "{from_mod:?}");
        assert_eq!(from_mod[0].0, "example.com/lib");
        assert!(from_mod[0].2.ends_with("hello-src/go.mod"));
    }
}
