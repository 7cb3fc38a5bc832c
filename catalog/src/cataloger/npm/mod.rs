//! npm cataloger: installed packages from `node_modules/**/package.json`,
//! and, on directory sources only (as syft does), the packages pinned by
//! `package-lock.json` / `npm-shrinkwrap.json`, `yarn.lock` (v1 and berry)
//! and `pnpm-lock.yaml` (v5 to v9).
//!
//! Installed packages are reported with `found_by` set to
//! `javascript-package-cataloger`, lock file entries with
//! `javascript-lock-cataloger`, matching syft's two catalogers. Dev-only
//! lock entries are left out.

mod metadata;
mod package_json;
mod package_lock;
mod pnpm_lock;
mod yarn_lock;

use std::collections::{HashMap, HashSet};

pub use metadata::NpmMetadata;

use super::{Cataloger, Context, File, FileTree, Findings, Rule, SourceKind};
use crate::cpe;
use crate::model::{Ecosystem, Licenses, Location, Metadata, Package};
use crate::purl::Purl;

/// `found_by` of packages read from installed `package.json` files.
const PACKAGE_CATALOGER: &str = "javascript-package-cataloger";
/// `found_by` of packages read from lock files.
const LOCK_CATALOGER: &str = "javascript-lock-cataloger";

/// The npm cataloger (installed `package.json` files and lock files).
pub struct NpmCataloger;

impl Cataloger for NpmCataloger {
    fn name(&self) -> &'static str {
        "javascript-cataloger"
    }

    fn wanted(&self) -> Vec<Rule> {
        wanted()
    }

    fn catalog(&self, files: &FileTree, ctx: &Context, out: &mut Findings) {
        catalog(files, ctx, false, out);
    }
}

/// Splits `a/b/c` into (`a/b`, `c`); a bare name has an empty directory.
fn split_path(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// Directories, relative to the filesystem root, that hold installed
/// packages directly (`DIR/NAME`, `DIR/@SCOPE/NAME`) without a
/// `node_modules` segment: where Debian's `node-*` packages install and
/// Debian's `nodejs` looks for them (its `module.globalPaths`, with
/// `usr/lib/TRIPLET/nodejs`; `usr/lib/nodejs` in older Debian releases).
/// `/usr/lib/node_modules` and `/usr/local/lib/node_modules` (global
/// installs) need no entry: any `node_modules` directory is a root.
const DISTRO_ROOTS: &[&str] = &["usr/share/nodejs", "usr/lib/nodejs"];

/// The multiarch directory holding Debian's architecture-dependent
/// packages: `usr/lib/TRIPLET/nodejs`.
const MULTIARCH_NODEJS: &str = "nodejs";

/// The part of `dir` below a distro root ([`DISTRO_ROOTS`] or
/// `usr/lib/TRIPLET/nodejs`), when `dir` lies in one.
fn below_distro_root(dir: &str) -> Option<&str> {
    for root in DISTRO_ROOTS {
        if let Some(rest) = dir.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
            return Some(rest);
        }
    }
    let rest = dir.strip_prefix("usr/lib/")?;
    let (triplet, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix(MULTIARCH_NODEJS)?.strip_prefix('/')?;
    is_multiarch_triplet(triplet).then_some(rest)
}

/// `x86_64-linux-gnu`, `aarch64-linux-gnu`, `arm-linux-gnueabihf`, …: a
/// Debian multiarch tuple (at least three `-`-separated words, the second
/// or third `linux`, `kfreebsd` or `hurd`).
fn is_multiarch_triplet(s: &str) -> bool {
    let words: Vec<&str> = s.split('-').collect();
    words.len() >= 3
        && words.iter().all(|w| !w.is_empty())
        && words
            .iter()
            .skip(1)
            .take(2)
            .any(|w| matches!(*w, "linux" | "kfreebsd" | "hurd"))
}

/// True when `dir` lies in a tree of installed packages (below a
/// `node_modules` directory or a distro root): lock files and project
/// manifests there belong to packages, not projects.
fn in_installed_tree(dir: &str) -> bool {
    below_distro_root(dir).is_some() || dir.split('/').any(|s| s == "node_modules")
}

/// True when `dir` is an installed package directory, the directory a
/// package is installed as. Judged on the path alone:
///
/// 1. The root is a distro root when `dir` starts with one
///    ([`below_distro_root`]), else the first `node_modules` directory in
///    `dir` (what precedes it is the project, anywhere).
/// 2. Below the root, `dir` must be a chain `P (/node_modules/P)*`, where
///    `P` is `NAME` or `@SCOPE/NAME`; names start with neither `.` nor
///    `@`. A package manager's store, `node_modules/.STORE/ID/node_modules`
///    (pnpm's `.pnpm`, npm's linked `.store`, deno's `.deno`), counts as a
///    `node_modules` directory.
///
/// Anything else is not a package directory: a nested `lib/` with its own
/// manifest, a test fixture (`P/test/fixtures/...`, even with a
/// `node_modules` of its own), `.bin`, a bare scope.
fn is_package_dir(dir: &str) -> bool {
    if let Some(rest) = below_distro_root(dir) {
        return chain_is_packages(rest.split('/'), false);
    }
    let Some(at) = dir.split('/').position(|s| s == "node_modules") else {
        return false;
    };
    chain_is_packages(dir.split('/').skip(at + 1), true)
}

/// Whether `segments` (what follows a root) are `P (node_modules P)*`,
/// with stores allowed where a `P` is expected after `node_modules`
/// (`in_node_modules`: the root itself is one).
fn chain_is_packages<'a>(
    mut segments: impl Iterator<Item = &'a str>,
    mut in_node_modules: bool,
) -> bool {
    let is_name = |s: &str| !s.is_empty() && !s.starts_with('.') && !s.starts_with('@');
    loop {
        // One package: NAME or @SCOPE/NAME, or a store (after node_modules).
        let Some(head) = segments.next() else {
            return false;
        };
        if head.len() > 1 && head.starts_with('@') {
            match segments.next() {
                Some(name) if is_name(name) => {}
                _ => return false,
            }
        } else if in_node_modules && head.len() > 1 && head.starts_with('.') && head != ".bin" {
            // `.STORE/ID/node_modules`, then a package.
            match (segments.next(), segments.next()) {
                (Some(id), Some("node_modules")) if !id.is_empty() => continue,
                _ => return false,
            }
        } else if !is_name(head) {
            return false;
        }
        match segments.next() {
            None => return true,
            Some("node_modules") => in_node_modules = true,
            Some(_) => return false,
        }
    }
}

/// The files this cataloger reads: installed manifests in what may be a
/// package directory (`…/node_modules/NAME`, `…/node_modules/@SCOPE/NAME`,
/// and the same directly in a distro root; [`is_package_dir`] then judges
/// the whole path), and lock files and project manifests outside the
/// trees of installed packages. Project `package.json` files are kept
/// because yarn and pnpm lock files need the sibling manifest to tell dev
/// dependencies apart; whether a lock file sits beside them is not known
/// at this point.
fn wanted() -> Vec<Rule> {
    let mut rules = vec![
        Rule::new("**/node_modules/[!.@]*/package.json"),
        Rule::new("**/node_modules/@?*/[!.@]*/package.json"),
    ];
    let mut roots: Vec<String> = DISTRO_ROOTS.iter().map(|r| (*r).to_owned()).collect();
    roots.push(format!("usr/lib/*-*-*/{MULTIARCH_NODEJS}"));
    for root in &roots {
        rules.push(Rule::new(format!("{root}/[!.@]*/package.json")));
        rules.push(Rule::new(format!("{root}/@?*/[!.@]*/package.json")));
    }
    for name in [
        "package.json",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
    ] {
        let mut rule = Rule::new(format!("**/{name}")).unless("**/node_modules/**/*");
        for root in &roots {
            rule = rule.unless(format!("{root}/**/*"));
        }
        rules.push(rule);
    }
    rules
}

/// Catalogs every retained file; `include_dev` keeps dev-only lock entries
/// (flagged with [`NpmMetadata::dev`]).
fn catalog(files: &FileTree, ctx: &Context, include_dev: bool, out: &mut Findings) {
    let locks = ctx.source_kind == SourceKind::Directory;
    let mut found = Findings::default();
    catalog_files(files, locks, include_dev, &mut found);
    out.diagnostics.append(&mut found.diagnostics);
    out.packages
        .extend(merge_locked_into_installed(found.packages));
}

/// A lock entry for a package that is also installed beside it
/// (`DIR/package-lock.json` and `DIR/node_modules/…/package.json`, same name
/// and version) is the same package: its lock location is added to the
/// installed one (the first in order) instead of reporting it twice.
fn merge_locked_into_installed(packages: Vec<Package>) -> Vec<Package> {
    merge_counting(packages, &mut 0)
}

/// [`merge_locked_into_installed`], adding to `steps` one per hash lookup,
/// insertion or location compared (what the linearity test counts).
///
/// Each installed location is indexed once, under the directory before its
/// first `/node_modules/`: lock files are only read outside `node_modules`
/// ([`catalog_files`]), so a lock directory never holds a `node_modules`
/// segment, and a path lies below `DIR/node_modules/` for such a `DIR`
/// exactly when its first `/node_modules/` follows `DIR`. A lock entry then
/// finds its twin in one lookup instead of a scan of every installed
/// package.
fn merge_counting(packages: Vec<Package>, steps: &mut usize) -> Vec<Package> {
    type Key = (String, String, String);
    /// Indexes `path` of installed package `i`, keeping the first package
    /// in order.
    fn index(
        twins: &mut HashMap<Key, usize>,
        p: &Package,
        path: &str,
        i: usize,
        steps: &mut usize,
    ) {
        let Some(dir) = path.find("/node_modules/").and_then(|at| path.get(..at)) else {
            return;
        };
        *steps += 1;
        let first = twins
            .entry((p.name.clone(), p.version.clone(), dir.to_owned()))
            .or_insert(i);
        *first = (*first).min(i);
    }
    let (mut installed, locked): (Vec<Package>, Vec<Package>) = packages
        .into_iter()
        .partition(|p| p.found_by == PACKAGE_CATALOGER);
    let mut twins: HashMap<Key, usize> = HashMap::new();
    let mut seen: Vec<HashSet<Location>> = Vec::with_capacity(installed.len());
    for (i, p) in installed.iter().enumerate() {
        for l in &p.locations {
            index(&mut twins, p, &l.path, i, steps);
        }
        *steps += p.locations.len();
        seen.push(p.locations.iter().cloned().collect());
    }
    let mut out = Vec::new();
    for lp in locked {
        let lock_dir = lp
            .locations
            .first()
            .map(|l| split_path(&l.path).0.to_owned())
            .unwrap_or_default();
        *steps += 1;
        let key = (lp.name.clone(), lp.version.clone(), lock_dir);
        let twin = twins.get(&key).copied();
        let Some((ip, seen)) = twin.and_then(|i| Some((installed.get_mut(i)?, seen.get_mut(i)?)))
        else {
            out.push(lp);
            continue;
        };
        for l in lp.locations {
            *steps += 1;
            if seen.insert(l.clone()) {
                // A merged location can itself lie in a `node_modules`.
                if let Some(i) = twin {
                    index(&mut twins, ip, &l.path, i, steps);
                }
                ip.locations.push(l);
            }
        }
    }
    installed.extend(out);
    installed
}

fn catalog_files(files: &FileTree, locks: bool, include_dev: bool, out: &mut Findings) {
    for file in files.iter() {
        let (dir, name) = split_path(&file.path);
        let is_lock = matches!(
            name,
            "package-lock.json" | "npm-shrinkwrap.json" | "yarn.lock" | "pnpm-lock.yaml"
        );
        let installed = name == "package.json" && is_package_dir(dir);
        if !(installed || (locks && is_lock && !in_installed_tree(dir))) {
            continue;
        }
        if file.truncated {
            out.warn(file, "file exceeds the size limit and was cut; skipped");
            continue;
        }
        let text = file.text();
        let result = match name {
            "package.json" => package_json::parse_installed(&text),
            "package-lock.json" | "npm-shrinkwrap.json" => {
                package_lock::parse(&text, dir, files, include_dev)
            }
            "yarn.lock" => {
                let manifest = sibling_manifest(files, dir);
                yarn_lock::parse(&text, manifest.as_ref(), include_dev)
            }
            _ => pnpm_lock::parse(&text, include_dev),
        };
        let found_by = if installed {
            PACKAGE_CATALOGER
        } else {
            LOCK_CATALOGER
        };
        match result {
            Ok(entries) => {
                for entry in entries {
                    out.packages
                        .push(new_package(entry, file.location(), found_by));
                }
            }
            Err(message) => out.warn(file, message),
        }
    }
}

/// The `package.json` beside a lock file, when present and readable.
fn sibling_manifest(files: &FileTree, dir: &str) -> Option<package_json::Manifest> {
    let path = if dir.is_empty() {
        "package.json".to_owned()
    } else {
        format!("{dir}/package.json")
    };
    let file: &File = files.get(&path)?;
    package_json::parse(&file.text()).ok()
}

/// One package as read from a manifest or lock file, before it becomes a
/// [`Package`].
#[derive(Debug, Clone, Default, PartialEq)]
struct Entry {
    name: String,
    version: String,
    licenses: Vec<String>,
    dependencies: Vec<String>,
    metadata: NpmMetadata,
}

/// Splits `@scope/name` into (`Some("@scope")`, `name`).
fn split_scope(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((scope, rest)) if scope.starts_with('@') && !rest.is_empty() => (Some(scope), rest),
        _ => (None, name),
    }
}

/// `pkg:npm/NAME@VERSION`, with a scope as the namespace.
fn purl(name: &str, version: &str) -> String {
    let (scope, base) = split_scope(name);
    let mut p = Purl::new("npm", base);
    if let Some(scope) = scope {
        p = p.namespace(scope);
    }
    p.version(version).to_string()
}

/// CPE candidates. Vendors: the package name, the name without a common
/// JavaScript affix (`-js`, `.js`, `node-`, `-node`), and the scope without
/// its `@`. Products: the name and the name without the affix.
fn cpes(name: &str, version: &str) -> Vec<String> {
    if cpe::unbounded(name, version).is_some() {
        return Vec::new();
    }
    let (scope, base) = split_scope(name);
    let stripped = strip_js_affix(base);
    let mut vendors = vec![base, stripped];
    if let Some(scope) = scope {
        vendors.push(scope.trim_start_matches('@'));
    }
    cpe::candidates(&vendors, &[base, stripped], version)
}

/// `base` without one JavaScript-specific prefix or suffix, or `base` itself
/// when nothing would remain.
fn strip_js_affix(base: &str) -> &str {
    let stripped = base
        .strip_suffix("-js")
        .or_else(|| base.strip_suffix(".js"))
        .or_else(|| base.strip_suffix("-node"))
        .or_else(|| base.strip_prefix("node-"))
        .unwrap_or(base);
    if stripped.is_empty() {
        base
    } else {
        stripped
    }
}

/// Builds the [`Package`] for `entry` found in the file at `location`.
fn new_package(entry: Entry, location: Location, found_by: &str) -> Package {
    let mut dependencies = entry.dependencies;
    dependencies.sort();
    dependencies.dedup();
    Package {
        purl: purl(&entry.name, &entry.version),
        cpes: cpes(&entry.name, &entry.version),
        licenses: Licenses::from_declared(entry.licenses),
        locations: vec![location],
        found_by: found_by.to_owned(),
        files: Vec::new(),
        dependencies,
        metadata: Metadata::Npm(entry.metadata),
        ecosystem: Ecosystem::Npm,
        name: entry.name,
        version: entry.version,
    }
}

/// Keeps the first entry of each `name@version`.
fn dedup_entries(entries: &mut Vec<Entry>) {
    let mut seen = std::collections::HashSet::new();
    entries.retain(|e| seen.insert((e.name.clone(), e.version.clone())));
}

#[cfg(test)]
pub(super) mod test_support {
    //! Helpers to build file trees from fixtures.
    use std::sync::Arc;

    use super::super::{Context, File, FileTree, Findings, SourceKind};
    use crate::model::Package;

    /// Path of a fixture under `catalog/testdata/npm`.
    pub fn fixture(rel: &str) -> Vec<u8> {
        let path = format!("{}/testdata/npm/{rel}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
    }

    /// A tree holding each (`path in tree`, `fixture`) pair.
    pub fn tree(pairs: &[(&str, &str)]) -> FileTree {
        let mut t = FileTree::new();
        for (path, rel) in pairs {
            t.insert(File {
                path: (*path).to_owned(),
                data: Arc::from(fixture(rel)),
                layer: None,
                truncated: false,
            });
        }
        t
    }

    /// Runs the cataloger on `tree` as a directory (or image) source.
    pub fn run(tree: &FileTree, kind: SourceKind, include_dev: bool) -> Findings {
        let ctx = Context {
            distro: None,
            source_kind: kind,
        };
        let mut out = Findings::default();
        super::catalog(tree, &ctx, include_dev, &mut out);
        out
    }

    /// `name@version` of each package, sorted.
    pub fn ids(pkgs: &[Package]) -> Vec<String> {
        let mut v: Vec<String> = pkgs
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        v.sort();
        v
    }

    /// The package called `name` (the only one with that name).
    pub fn find<'a>(pkgs: &'a [Package], name: &str) -> &'a Package {
        let mut it = pkgs.iter().filter(|p| p.name == name);
        let p = it.next().unwrap_or_else(|| panic!("no package {name}"));
        assert!(it.next().is_none(), "several packages named {name}");
        p
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{find, ids, run, tree};
    use super::*;

    fn pkg(name: &str, version: &str, path: &str, found_by: &str) -> Package {
        let entry = Entry {
            name: name.to_owned(),
            version: version.to_owned(),
            ..Entry::default()
        };
        new_package(entry, Location::new(path, None), found_by)
    }

    fn paths(p: &Package) -> Vec<&str> {
        p.locations.iter().map(|l| l.path.as_str()).collect()
    }

    #[test]
    fn lock_entries_merge_into_the_first_installed_twin_below_their_directory() {
        let merged = merge_locked_into_installed(vec![
            pkg(
                "a",
                "1",
                "x/app/node_modules/a/package.json",
                PACKAGE_CATALOGER,
            ),
            pkg(
                "a",
                "1",
                "app/node_modules/b/node_modules/a/package.json",
                PACKAGE_CATALOGER,
            ),
            pkg(
                "a",
                "1",
                "app/node_modules/a/package.json",
                PACKAGE_CATALOGER,
            ),
            pkg("a", "1", "node_modules/a/package.json", PACKAGE_CATALOGER),
            pkg("a", "1", "app/package-lock.json", LOCK_CATALOGER),
            pkg("a", "1", "app/yarn.lock", LOCK_CATALOGER),
            pkg("a", "1", "package-lock.json", LOCK_CATALOGER),
            pkg("a", "2", "app2/package-lock.json", LOCK_CATALOGER),
            pkg("a", "1", "app2/package-lock.json", LOCK_CATALOGER),
        ]);
        let got: Vec<Vec<&str>> = merged.iter().map(paths).collect();
        assert_eq!(
            got,
            [
                vec!["/x/app/node_modules/a/package.json"],
                vec![
                    "/app/node_modules/b/node_modules/a/package.json",
                    "/app/package-lock.json",
                    "/app/yarn.lock"
                ],
                vec!["/app/node_modules/a/package.json"],
                vec!["/node_modules/a/package.json", "/package-lock.json"],
                vec!["/app2/package-lock.json"],
                vec!["/app2/package-lock.json"],
            ]
        );
        assert_eq!(merged[4].version, "2");
    }

    /// Worst cases of the scan this replaced: `n` installed copies of one
    /// package and `n` lock entries each matching only the last copy, plus
    /// `n` lock entries merging into one installed package.
    fn worst_case(n: usize) -> (Vec<Package>, usize) {
        let mut packages = Vec::new();
        for i in 0..n {
            packages.push(pkg(
                "x",
                "1",
                &format!("d{i}/node_modules/x/package.json"),
                PACKAGE_CATALOGER,
            ));
        }
        packages.push(pkg(
            "y",
            "1",
            "one/node_modules/y/package.json",
            PACKAGE_CATALOGER,
        ));
        for i in (0..n).rev() {
            packages.push(pkg(
                "x",
                "1",
                &format!("d{i}/package-lock.json"),
                LOCK_CATALOGER,
            ));
            // The same lock file in `n` layers: `n` distinct locations.
            let mut lock = pkg("y", "1", "one/package-lock.json", LOCK_CATALOGER);
            lock.locations[0].layer = Some(crate::model::LayerRef {
                digest: format!("sha256:{i}"),
                diff_id: None,
                index: i,
            });
            packages.push(lock);
        }
        let mut steps = 0;
        let merged = merge_counting(packages, &mut steps);
        assert_eq!(merged.len(), n + 1, "every lock entry merged");
        assert_eq!(merged[n].locations.len(), n + 1);
        (merged, steps)
    }

    #[test]
    fn merging_lock_entries_is_linear() {
        let (merged, small) = worst_case(1_000);
        assert!(merged.iter().take(1_000).all(|p| p.locations.len() == 2));
        let (_, large) = worst_case(8_000);
        // Work grows with the input, not its square: the scan this replaced
        // compared 8,000 x 8,000 / 2 pairs for the larger input.
        assert!(large <= 8 * small, "{small} then {large} steps");
        assert!(large < 10 * 8_000 * 3, "{large} steps");
    }

    /// Whether this cataloger's [`Rule`]s select `path`.
    fn wants(path: &str) -> bool {
        crate::layer::Wanted::new(NpmCataloger.wanted()).matches(path)
    }

    #[test]
    fn wants_installed_manifests_directly_in_package_dirs() {
        for path in [
            "app/node_modules/lodash/package.json",
            "node_modules/lodash/package.json",
            "usr/lib/node_modules/@actions/core/package.json",
            "app/node_modules/a/node_modules/b/package.json",
            "app/node_modules/a/node_modules/@s/b/package.json",
            "app/node_modules/.pnpm/a@1.0.0/node_modules/a/package.json",
        ] {
            assert!(wants(path), "{path}");
        }
        for path in [
            "app/node_modules/a/lib/package.json",
            "app/node_modules/@scope/package.json",
            "app/node_modules/.bin/package.json",
            "app/node_modules/a/test/fixtures/node_modules/package.json",
            "app/node_modules/a/readme.md",
            "app/node_modules/a/package.json.bak",
        ] {
            assert!(!wants(path), "{path}");
        }
    }

    #[test]
    fn wants_manifests_directly_in_distro_roots() {
        for path in [
            "usr/share/nodejs/lodash/package.json",
            "usr/share/nodejs/@types/node/package.json",
            "usr/lib/nodejs/abbrev/package.json",
            "usr/lib/x86_64-linux-gnu/nodejs/bufferutil/package.json",
            "usr/share/nodejs/npm/node_modules/abbrev/package.json",
            "usr/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json",
            "usr/local/lib/node_modules/cowsay/package.json",
        ] {
            assert!(wants(path), "{path}");
        }
        // Nested manifests, scopes, dot directories, and everything below
        // a distro root that could only be a project manifest or lock file.
        for path in [
            "usr/share/nodejs/@babel/core/lib/package.json",
            "usr/share/nodejs/tslib/modules/package.json",
            "usr/share/nodejs/terser/bin/package.json",
            "usr/share/nodejs/@types/package.json",
            "usr/share/nodejs/.hidden/package.json",
            "usr/share/nodejs/package.json",
            "usr/share/nodejs/x/package-lock.json",
            "usr/share/nodejs/x/yarn.lock",
            "usr/lib/nodejs/x/test/package.json",
            "usr/lib/x86_64-linux-gnu/nodejs/x/lib/package.json",
            "usr/lib/x86_64-linux-gnu/nodejs/package.json",
        ] {
            assert!(!wants(path), "{path}");
        }
    }

    #[test]
    fn package_dirs_are_judged_on_the_whole_path() {
        for dir in [
            "app/node_modules/lodash",
            "node_modules/lodash",
            "node_modules/@types/node",
            "app/node_modules/a/node_modules/b",
            "app/node_modules/a/node_modules/@s/b/node_modules/c",
            "app/node_modules/.pnpm/a@1.0.0/node_modules/a",
            "app/node_modules/.pnpm/@s+b@1.0.0/node_modules/@s/b",
            "app/node_modules/.store/a@1.0.0/node_modules/a",
            "usr/share/nodejs/lodash",
            "usr/share/nodejs/@babel/core",
            "usr/share/nodejs/npm/node_modules/abbrev",
            "usr/share/nodejs/npm/node_modules/@npmcli/arborist",
            "usr/share/nodejs/jest-worker/node_modules/supports-color",
            "usr/lib/nodejs/abbrev",
            "usr/lib/x86_64-linux-gnu/nodejs/bufferutil",
            "usr/lib/aarch64-linux-gnu/nodejs/bufferutil",
            "usr/lib/arm-linux-gnueabihf/nodejs/bufferutil",
            "usr/lib/node_modules/npm",
            "usr/lib/node_modules/npm/node_modules/@npmcli/arborist",
            "usr/local/lib/node_modules/cowsay/node_modules/yargs",
            // Off the filesystem root a distro directory is an ordinary
            // one; a `node_modules` below it is still a root.
            "srv/usr/share/nodejs/x/node_modules/y",
        ] {
            assert!(is_package_dir(dir), "{dir}");
        }
        for dir in [
            "",
            "app",
            "node_modules",
            "app/node_modules/@scope",
            "app/node_modules/.bin",
            "app/node_modules/.pnpm",
            "app/node_modules/.pnpm/a@1.0.0",
            "app/node_modules/.pnpm/a@1.0.0/node_modules",
            "app/node_modules/.bin/x/node_modules/y",
            "app/node_modules/a/lib",
            "app/node_modules/a/test/fixtures/node_modules/b",
            "app/node_modules/a/node_modules/b/test/fixtures/c",
            "app/node_modules/a/node_modules/.pnpm/x/node_modules",
            "app/node_modules/a/node_modules/@s",
            "app/node_modules/a/node_modules/@s/.x",
            "app/node_modules/@s/@t",
            "usr/share/nodejs",
            "usr/share/nodejs/@babel",
            "usr/share/nodejs/@babel/core/lib",
            "usr/share/nodejs/terser/bin",
            "usr/share/nodejs/.pnpm/a/node_modules/a",
            "usr/share/nodejs/x/test/fixtures/node_modules/y",
            "usr/lib/x86_64-linux-gnu/nodejs",
            "usr/lib/python3/nodejs/x",
            "usr/lib/x-y-z/nodejs/x",
            "srv/usr/share/nodejs/x",
        ] {
            assert!(!is_package_dir(dir), "{dir}");
        }
    }

    #[test]
    fn deep_package_chains_are_judged_whole() {
        let deep = "node_modules/a/".repeat(50_000);
        let dir = deep.trim_end_matches('/');
        assert!(is_package_dir(dir));
        let fixture = format!("{dir}/test/node_modules/b");
        assert!(!is_package_dir(&fixture));
    }

    #[test]
    fn fixtures_and_nested_manifests_inside_packages_are_not_packages() {
        let manifest =
            |name: &str, version: &str| format!(r#"{{"name": "{name}", "version": "{version}"}}"#);
        let mut t = FileTree::new();
        for (path, text) in [
            ("usr/share/nodejs/a/package.json", manifest("a", "1.0.0")),
            (
                "usr/share/nodejs/a/lib/package.json",
                r#"{"type": "module"}"#.to_owned(),
            ),
            (
                "usr/share/nodejs/a/bin/package.json",
                manifest("bin", "1.0.0"),
            ),
            (
                "usr/share/nodejs/a/test/fixtures/node_modules/f/package.json",
                manifest("f", "1.0.0"),
            ),
            (
                "app/node_modules/b/test/fixtures/node_modules/g/package.json",
                manifest("g", "1.0.0"),
            ),
            ("app/node_modules/b/package.json", manifest("b", "2.0.0")),
            (
                "app/node_modules/nameless/package.json",
                r#"{"version": "1.0.0"}"#.to_owned(),
            ),
            (
                "app/node_modules/versionless/package.json",
                r#"{"name": "v"}"#.to_owned(),
            ),
            (
                "app/node_modules/blank/package.json",
                manifest(" ", "1.0.0"),
            ),
            ("app/package.json", manifest("app", "0.1.0")),
        ] {
            t.insert(File {
                path: path.to_owned(),
                data: std::sync::Arc::from(text.as_bytes()),
                layer: None,
                truncated: false,
            });
        }
        for kind in [SourceKind::Image, SourceKind::Directory] {
            let out = run(&t, kind, false);
            assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
            assert_eq!(ids(&out.packages), ["a@1.0.0", "b@2.0.0"]);
        }
    }

    #[test]
    fn lock_files_in_distro_trees_are_ignored() {
        let t = tree(&[(
            "usr/share/nodejs/x/package-lock.json",
            "pkg-lock/package-lock-3.json",
        )]);
        assert!(run(&t, SourceKind::Directory, true).packages.is_empty());
    }

    #[test]
    fn wants_lock_files_and_project_manifests_outside_node_modules() {
        for path in [
            "package-lock.json",
            "app/package-lock.json",
            "app/npm-shrinkwrap.json",
            "app/yarn.lock",
            "srv/app/pnpm-lock.yaml",
            "app/package.json",
            "package.json",
        ] {
            assert!(wants(path), "{path}");
        }
        for path in [
            "app/node_modules/a/package-lock.json",
            "app/node_modules/a/yarn.lock",
            "app/node_modules/a/pnpm-lock.yaml",
            "app/node_modules/.package-lock.json",
            "app/bun.lock",
            "app/deno.lock",
            "app/yarn.lock.old",
        ] {
            assert!(!wants(path), "{path}");
        }
    }

    #[test]
    fn glob_paths_fixture_selects_lock_files_only() {
        let wanted: Vec<&str> = [
            "src/bun.lock",
            "src/deno.lock",
            "src/package-lock.json",
            "src/package.json",
            "src/pnpm-lock.yaml",
            "src/yarn.lock",
        ]
        .into_iter()
        .filter(|p| wants(p))
        .collect();
        assert_eq!(
            wanted,
            [
                "src/package-lock.json",
                "src/package.json",
                "src/pnpm-lock.yaml",
                "src/yarn.lock"
            ]
        );
    }

    #[test]
    fn bogus_lock_files_yield_warnings_and_no_packages() {
        let t = tree(&[
            ("src/package-lock.json", "glob-paths/src/package-lock.json"),
            ("src/package.json", "glob-paths/src/package.json"),
            ("src/pnpm-lock.yaml", "glob-paths/src/pnpm-lock.yaml"),
            ("src/yarn.lock", "glob-paths/src/yarn.lock"),
        ]);
        let out = run(&t, SourceKind::Directory, false);
        assert!(out.packages.is_empty());
        let mut paths: Vec<&str> = out
            .diagnostics
            .iter()
            .filter_map(|d| d.location.as_ref().map(|l| l.path.as_str()))
            .collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            [
                "/src/package-lock.json",
                "/src/pnpm-lock.yaml",
                "/src/yarn.lock"
            ]
        );
    }

    #[test]
    fn scoped_purl_uses_namespace() {
        assert_eq!(
            purl("@actions/core", "1.6.0"),
            "pkg:npm/%40actions/core@1.6.0"
        );
        assert_eq!(purl("lodash", "4.17.21"), "pkg:npm/lodash@4.17.21");
    }

    #[test]
    fn cpes_cover_name_affix_and_scope() {
        assert_eq!(
            cpes("lodash", "4.17.21"),
            ["cpe:2.3:a:lodash:lodash:4.17.21:*:*:*:*:*:*:*"]
        );
        assert_eq!(
            cpes("marked-js", "1.0.0"),
            [
                "cpe:2.3:a:marked-js:marked-js:1.0.0:*:*:*:*:*:*:*",
                "cpe:2.3:a:marked-js:marked:1.0.0:*:*:*:*:*:*:*",
                "cpe:2.3:a:marked:marked-js:1.0.0:*:*:*:*:*:*:*",
                "cpe:2.3:a:marked:marked:1.0.0:*:*:*:*:*:*:*",
            ]
        );
        assert_eq!(
            cpes("@actions/core", "1.6.0"),
            [
                "cpe:2.3:a:core:core:1.6.0:*:*:*:*:*:*:*",
                "cpe:2.3:a:actions:core:1.6.0:*:*:*:*:*:*:*",
            ]
        );
    }

    #[test]
    fn installed_packages_are_found_on_images_and_lock_files_ignored() {
        let t = tree(&[
            (
                "app/node_modules/@actions/core/package.json",
                "pkg-lock/node_modules/@actions/core/package.json",
            ),
            (
                "app/node_modules/cowsay/package.json",
                "pkg-lock/node_modules/cowsay/package.json",
            ),
            ("app/package-lock.json", "pkg-lock/package-lock.json"),
            ("app/yarn.lock", "yarn/yarn.lock"),
            ("app/pnpm-lock.yaml", "pnpm-v6/pnpm-lock.yaml"),
        ]);
        let out = run(&t, SourceKind::Image, false);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert_eq!(ids(&out.packages), ["@actions/core@1.6.0", "cowsay@1.4.0"]);
        for p in &out.packages {
            assert_eq!(p.found_by, "javascript-package-cataloger");
        }
        let core = find(&out.packages, "@actions/core");
        assert_eq!(core.purl, "pkg:npm/%40actions/core@1.6.0");
        assert_eq!(
            core.locations[0].path,
            "/app/node_modules/@actions/core/package.json"
        );
    }

    #[test]
    fn lock_packages_on_directories_use_lock_cataloger_name() {
        let t = tree(&[("app/package-lock.json", "pkg-lock/package-lock-3.json")]);
        let out = run(&t, SourceKind::Directory, false);
        assert_eq!(out.packages.len(), 4);
        for p in &out.packages {
            assert_eq!(p.found_by, "javascript-lock-cataloger");
            assert_eq!(p.locations[0].path, "/app/package-lock.json");
        }
    }

    #[test]
    fn lock_files_under_node_modules_are_ignored() {
        let t = tree(&[(
            "app/node_modules/x/package-lock.json",
            "pkg-lock/package-lock-3.json",
        )]);
        assert!(run(&t, SourceKind::Directory, true).packages.is_empty());
    }

    #[test]
    fn truncated_files_are_reported() {
        let mut t = FileTree::new();
        t.insert(File {
            path: "app/node_modules/a/package.json".into(),
            data: std::sync::Arc::from(&b"{\"name\": \"a\", \"ver"[..]),
            layer: None,
            truncated: true,
        });
        let out = run(&t, SourceKind::Image, false);
        assert!(out.packages.is_empty());
        assert_eq!(out.diagnostics.len(), 1);
    }

    #[test]
    fn integration_pkg_coverage_manifest_is_installed_package() {
        let t = tree(&[(
            "app/node_modules/npm/package.json",
            "integration-pkg-coverage/package-json/package.json",
        )]);
        let out = run(&t, SourceKind::Image, false);
        assert_eq!(ids(&out.packages), ["npm@6.14.6"]);
        let p = &out.packages[0];
        assert_eq!(p.purl, "pkg:npm/npm@6.14.6");
        assert_eq!(p.licenses.declared, ["Artistic-2.0"]);
        assert_eq!(p.licenses.expression.as_deref(), Some("Artistic-2.0"));
        assert_eq!(p.dependencies.len(), 115);
        assert_eq!(p.cpes, ["cpe:2.3:a:npm:npm:6.14.6:*:*:*:*:*:*:*"]);
    }

    /// Every prefix of every fixture, fed to every parser, must not panic
    /// (a cheap stand-in for fuzzing the hostile-input parsers).
    #[test]
    fn truncated_fixtures_never_panic() {
        let dir = format!("{}/testdata/npm", env!("CARGO_MANIFEST_DIR"));
        let mut stack = vec![std::path::PathBuf::from(dir)];
        let mut texts = Vec::new();
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let path = e.path();
                // The real Debian tree is 1,800 manifests: parsing every
                // prefix of each would take minutes; it has its own tests.
                if path.is_dir() {
                    if !path.ends_with("debian-nodejs") {
                        stack.push(path);
                    }
                } else if let Ok(t) = std::fs::read_to_string(&path) {
                    texts.push(t);
                }
            }
        }
        assert!(texts.len() > 40);
        let files = FileTree::new();
        for text in &texts {
            let cuts = text.char_indices().map(|(i, _)| i).step_by(7);
            for cut in cuts.chain([text.len()]) {
                let t = text.get(..cut).unwrap_or_default();
                let _ = package_json::parse_installed(t);
                let _ = package_lock::parse(t, "app", &files, true);
                let _ = yarn_lock::parse(t, None, true);
                let _ = pnpm_lock::parse(t, true);
            }
        }
    }

    #[test]
    fn corrupt_fixtures_warn_and_scan_goes_on() {
        let t = tree(&[
            ("app/package-lock.json", "corrupt/package-lock.json"),
            ("app/pnpm-lock.yaml", "corrupt/pnpm-lock.yaml"),
            ("app/node_modules/bad/package.json", "corrupt/package.json"),
            (
                "app/node_modules/cowsay/package.json",
                "pkg-lock/node_modules/cowsay/package.json",
            ),
            ("other/yarn.lock", "yarn-dups/yarn.lock"),
        ]);
        let out = run(&t, SourceKind::Directory, false);
        assert_eq!(out.diagnostics.len(), 3, "{:?}", out.diagnostics);
        let mut paths: Vec<&str> = out
            .diagnostics
            .iter()
            .filter_map(|d| d.location.as_ref().map(|l| l.path.as_str()))
            .collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            [
                "/app/node_modules/bad/package.json",
                "/app/package-lock.json",
                "/app/pnpm-lock.yaml"
            ]
        );
        assert!(out.packages.iter().any(|p| p.name == "cowsay"));
        assert!(out.packages.iter().any(|p| p.name == "merge-objects"));
    }
}
