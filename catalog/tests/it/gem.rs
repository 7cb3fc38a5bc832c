//! Ruby gems against the truth Ruby itself records (see
//! catalog/testdata/gem/SOURCES.md): Debian's Ruby packages unpacked by
//! dpkg (gemspecs read with `Gem::Specification.load`, ownership by the
//! dpkg md5sums), and real `Gemfile.lock` files read with Bundler's
//! `LockfileParser`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sbomctl_catalog::model::{Catalog, Ecosystem, Metadata, Package, RelationshipKind};
use sbomctl_catalog::{Options, Source};
use serde_json::Value;

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/gem")
        .join(rel)
}

fn scan_dir(dir: &Path) -> Catalog {
    let source = Source::parse(&format!("dir:{}", dir.display())).unwrap();
    sbomctl_catalog::catalog(&source, &Options::default()).unwrap()
}

fn truth(rel: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(testdata(rel)).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn gems(c: &Catalog) -> Vec<&Package> {
    c.packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Gem)
        .collect()
}

#[test]
fn debian_ruby_gemspecs_match_rubygems() {
    let c = scan_dir(&testdata("debian-rootfs"));
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let found: BTreeMap<String, &Package> = gems(&c)
        .into_iter()
        .map(|p| (p.locations[0].path.clone(), p))
        .collect();
    let truth = truth("truth-gemspecs.json");
    assert_eq!(found.len(), truth.len(), "one package per gemspec");
    assert!(truth.len() > 90);
    for t in &truth {
        let path = format!("/{}", t["path"].as_str().unwrap());
        let p = found
            .get(&path)
            .unwrap_or_else(|| panic!("no package at {path}"));
        assert_eq!(p.name, t["name"].as_str().unwrap(), "{path}");
        assert_eq!(p.version, t["version"].as_str().unwrap(), "{path}");
        assert_eq!(p.purl, format!("pkg:gem/{}@{}", p.name, p.version));
        assert_eq!(p.found_by, "ruby-installed-gemspec-cataloger");
        assert_eq!(p.licenses.declared, strings(&t["licenses"]), "{path}");
        assert_eq!(
            p.dependencies,
            strings(&t["runtime_dependencies"]),
            "{path}"
        );
        let Metadata::Gem(m) = &p.metadata else {
            panic!("{path}: {:?}", p.metadata)
        };
        assert_eq!(m.authors, strings(&t["authors"]), "{path}");
        assert_eq!(m.homepage.as_deref(), t["homepage"].as_str(), "{path}");
        assert_eq!(m.default_gem, path.contains("/specifications/default/"));
    }
    // Two json gems: Debian's ruby-json and Ruby's default gem.
    let json: BTreeSet<&str> = gems(&c)
        .iter()
        .filter(|p| p.name == "json")
        .map(|p| p.version.as_str())
        .collect();
    assert_eq!(json, BTreeSet::from(["2.6.1", "2.6.3"]));
}

/// `gem list --local` over the fixture's gem directories (it adds the
/// host's default gems, the same libruby3.1) names the same gems.
#[test]
fn gem_list_names_the_same_gems() {
    let text = std::fs::read_to_string(testdata("gem-list.txt")).unwrap();
    let mut listed = BTreeSet::new();
    for line in text.lines() {
        let (name, versions) = line.split_once(" (").unwrap();
        for v in versions.trim_end_matches(')').split(", ") {
            listed.insert(format!("{name}@{}", v.trim_start_matches("default: ")));
        }
    }
    let c = scan_dir(&testdata("debian-rootfs"));
    let found: BTreeSet<String> = gems(&c)
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    assert_eq!(found, listed);
}

#[test]
fn debian_packages_own_their_gems_and_dependencies_resolve() {
    let c = scan_dir(&testdata("debian-rootfs"));
    let by_id: BTreeMap<_, &Package> = c.packages.iter().map(|p| (p.package_id(), p)).collect();
    let mut owned = BTreeMap::new();
    let mut depends = BTreeSet::new();
    for r in &c.relationships {
        let (from, to) = (by_id[&r.from], by_id[&r.to]);
        match r.kind {
            RelationshipKind::OwnershipByFileOverlap => {
                assert_eq!(from.ecosystem, Ecosystem::Deb);
                assert_eq!(to.ecosystem, Ecosystem::Gem);
                assert!(
                    owned
                        .insert(format!("{}@{}", to.name, to.version), from.name.as_str())
                        .is_none(),
                    "one owner"
                );
            }
            RelationshipKind::DependsOn if from.ecosystem == Ecosystem::Gem => {
                depends.insert((from.name.as_str(), to.name.as_str()));
            }
            RelationshipKind::DependsOn => {}
        }
    }
    // Every gemspec is owned by the deb whose md5sums lists it.
    assert_eq!(owned.len(), gems(&c).len());
    assert_eq!(owned["rack@2.2.22"], "ruby-rack");
    assert_eq!(owned["json@2.6.3"], "ruby-json");
    assert_eq!(owned["json@2.6.1"], "libruby3.1");
    assert_eq!(owned["bundler@2.3.7"], "libruby3.1");
    for dep in ["mustermann", "rack", "rack-protection", "tilt"] {
        assert!(depends.contains(&("sinatra", dep)), "sinatra -> {dep}");
    }
    assert!(
        !depends.contains(&("sinatra", "rack-test")),
        "development dependency"
    );
}

fn check_lock(dir: &str) {
    let c = scan_dir(&testdata(dir));
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let found: BTreeMap<(String, String), &Package> = gems(&c)
        .into_iter()
        .map(|p| ((p.name.clone(), p.version.clone()), p))
        .collect();
    // Bundler lists one spec per platform; they are one package.
    let mut expected: BTreeMap<(String, String), (BTreeSet<String>, Vec<String>)> = BTreeMap::new();
    for t in truth(&format!("{dir}/truth-gemfile-lock.json")) {
        let key = (
            t["name"].as_str().unwrap().to_owned(),
            t["version"].as_str().unwrap().to_owned(),
        );
        let e = expected.entry(key).or_default();
        let platform = t["platform"].as_str().unwrap();
        if platform != "ruby" {
            e.0.insert(platform.to_owned());
        }
        for d in strings(&t["dependencies"]) {
            if !e.1.contains(&d) {
                e.1.push(d);
            }
        }
    }
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{dir}"
    );
    for (key, (platforms, deps)) in &expected {
        let p = found[key];
        assert_eq!(p.found_by, "ruby-gemfile-cataloger");
        assert_eq!(p.locations[0].path.rsplit('/').next(), Some("Gemfile.lock"));
        let mut deps = deps.clone();
        deps.sort();
        assert_eq!(p.dependencies, deps, "{key:?}");
        let Metadata::Gem(m) = &p.metadata else {
            panic!()
        };
        // The lock's platform as written; the RubyGems of Ruby 3.1 that
        // wrote the truth drops a `-gnu` ABI suffix (`x86_64-linux-gnu` is
        // `x86_64-linux` to it), which later RubyGems keep.
        let got: BTreeSet<String> = m
            .platforms
            .iter()
            .map(|p| p.strip_suffix("-gnu").unwrap_or(p).to_owned())
            .collect();
        assert_eq!(&got, platforms, "{key:?}");
    }
}

#[test]
fn devise_lock_matches_bundler() {
    check_lock("devise");
}

#[test]
fn rubygems_org_lock_matches_bundler() {
    check_lock("rubygems-org");
    // The CHECKSUMS section gives a digest to gems locked for one platform.
    let c = scan_dir(&testdata("rubygems-org"));
    let racc = gems(&c).into_iter().find(|p| p.name == "rack").unwrap();
    let Metadata::Gem(m) = &racc.metadata else {
        panic!()
    };
    let text = std::fs::read_to_string(testdata("rubygems-org/Gemfile.lock")).unwrap();
    let line = format!("  rack ({}) sha256=", racc.version);
    let expected = text
        .lines()
        .find_map(|l| l.strip_prefix(line.as_str()))
        .unwrap();
    assert_eq!(m.sha256.as_deref(), Some(expected));
}

#[test]
fn syft_lock_matches_bundler() {
    check_lock("syft");
}
