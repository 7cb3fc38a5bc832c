//! Ruby gem cataloger: installed gemspecs
//! (`…/specifications/NAME-VERSION.gemspec` and Ruby's default gems in
//! `…/specifications/default/`), which covers RubyGems' own directories
//! (`/usr/lib/ruby/gems/*/`, `/var/lib/gems/*/`, `/usr/local/bundle/`,
//! `vendor/bundle/ruby/*/`) and Debian's rubygems-integration directories
//! (`/usr/share/rubygems-integration/*/`,
//! `/usr/lib/<triplet>/rubygems-integration/*/`); and, on directory sources
//! only (as syft does), the gems `Gemfile.lock` pins.
//!
//! Installed gems are reported with `found_by` set to
//! `ruby-installed-gemspec-cataloger`, lock entries with
//! `ruby-gemfile-cataloger`, syft's names.

mod gemfile_lock;
mod gemspec;
mod metadata;

pub use metadata::GemMetadata;

use super::{Cataloger, Context, File, FileTree, Findings, Rule, SourceKind};
use crate::cpe;
use crate::model::{Ecosystem, Licenses, Location, Metadata, Package};
use crate::purl::Purl;

/// `found_by` of packages read from installed gemspecs.
const GEMSPEC_CATALOGER: &str = "ruby-installed-gemspec-cataloger";
/// `found_by` of packages read from `Gemfile.lock`.
const LOCK_CATALOGER: &str = "ruby-gemfile-cataloger";

/// Lock file names read (`Gemfile.next.lock` is the dual-boot convention
/// syft also reads).
const LOCK_FILES: [&str; 2] = ["Gemfile.lock", "Gemfile.next.lock"];

/// The Ruby gem cataloger (installed gemspecs and lock files).
pub struct GemCataloger;

impl Cataloger for GemCataloger {
    fn name(&self) -> &'static str {
        "ruby-cataloger"
    }

    /// Gemspecs directly in a `specifications` directory or its `default`
    /// subdirectory (not the `*.gemspec` a gem's source tree carries), and
    /// lock files anywhere.
    fn wanted(&self) -> Vec<Rule> {
        let mut rules = vec![
            Rule::new("**/specifications/*.gemspec"),
            Rule::new("**/specifications/default/*.gemspec"),
        ];
        rules.extend(LOCK_FILES.iter().map(|n| Rule::new(format!("**/{n}"))));
        rules
    }

    fn catalog(&self, files: &FileTree, ctx: &Context, out: &mut Findings) {
        let locks = ctx.source_kind == SourceKind::Directory;
        for file in files.iter() {
            let (dir, name) = file.path.rsplit_once('/').unwrap_or(("", &file.path));
            let installed = is_installed_gemspec(dir, name);
            let lock = locks && LOCK_FILES.contains(&name);
            if !(installed || lock) {
                continue;
            }
            if file.truncated {
                out.warn(file, "file exceeds the size limit and was cut; skipped");
                continue;
            }
            if installed {
                catalog_gemspec(file, dir, out);
            } else {
                catalog_lock(file, out);
            }
        }
    }
}

/// `…/specifications/NAME.gemspec` or `…/specifications/default/NAME.gemspec`.
fn is_installed_gemspec(dir: &str, name: &str) -> bool {
    if !name.ends_with(".gemspec") || name.len() == ".gemspec".len() {
        return false;
    }
    let mut parts = dir.rsplit('/');
    match parts.next() {
        Some("specifications") => true,
        Some("default") => parts.next() == Some("specifications"),
        _ => false,
    }
}

fn catalog_gemspec(file: &File, dir: &str, out: &mut Findings) {
    let spec = match gemspec::parse(&file.text()) {
        Ok(spec) => spec,
        Err(message) => {
            out.warn(file, message);
            return;
        }
    };
    let (Some(name), Some(version)) = (spec.name, spec.version) else {
        return;
    };
    let metadata = GemMetadata {
        authors: spec.authors,
        homepage: spec.homepage,
        summary: spec.summary.or(spec.description),
        source_code_uri: spec.metadata.get("source_code_uri").cloned(),
        platforms: spec.platform.into_iter().collect(),
        default_gem: dir.ends_with("/default") || dir == "default",
        ..GemMetadata::default()
    };
    out.packages.push(new_package(
        name,
        version,
        spec.licenses,
        spec.dependencies,
        metadata,
        file.location(),
        GEMSPEC_CATALOGER,
    ));
}

fn catalog_lock(file: &File, out: &mut Findings) {
    let gems = match gemfile_lock::parse(&file.text()) {
        Ok(gems) => gems,
        Err(message) => {
            out.warn(file, message);
            return;
        }
    };
    for gem in gems {
        let metadata = GemMetadata {
            platforms: gem.platforms,
            lock_source: Some(gem.source),
            remote: gem.remote,
            sha256: gem.sha256,
            ..GemMetadata::default()
        };
        out.packages.push(new_package(
            gem.name,
            gem.version,
            Vec::new(),
            gem.dependencies,
            metadata,
            file.location(),
            LOCK_CATALOGER,
        ));
    }
}

/// `pkg:gem/NAME@VERSION`, syft's form (no platform qualifier).
fn purl(name: &str, version: &str) -> String {
    Purl::new("gem", name).version(version).to_string()
}

fn new_package(
    name: String,
    version: String,
    licenses: Vec<String>,
    mut dependencies: Vec<String>,
    metadata: GemMetadata,
    location: Location,
    found_by: &str,
) -> Package {
    dependencies.sort();
    dependencies.dedup();
    let cpes = if cpe::unbounded(&name, &version).is_some() {
        Vec::new()
    } else {
        cpe::candidates(&[&name], &[&name], &version)
    };
    Package {
        purl: purl(&name, &version),
        cpes,
        licenses: Licenses::from_declared(licenses),
        locations: vec![location],
        found_by: found_by.to_owned(),
        files: Vec::new(),
        dependencies,
        metadata: Metadata::Gem(metadata),
        ecosystem: Ecosystem::Gem,
        name,
        version,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn file(path: &str, data: &str) -> File {
        File {
            path: path.to_owned(),
            data: Arc::from(data.as_bytes()),
            layer: None,
            truncated: false,
        }
    }

    fn run(tree: &FileTree, kind: SourceKind) -> Findings {
        let ctx = Context {
            distro: None,
            source_kind: kind,
        };
        let mut out = Findings::default();
        GemCataloger.catalog(tree, &ctx, &mut out);
        out
    }

    fn wants(path: &str) -> bool {
        crate::layer::Wanted::new(GemCataloger.wanted()).matches(path)
    }

    const SPEC: &str =
        "Gem::Specification.new do |s|\n  s.name = \"rack\".freeze\n  s.version = \"2.2.4\"\n  s.licenses = [\"MIT\".freeze]\nend\n";

    #[test]
    fn wants_installed_gemspecs_and_lock_files_only() {
        for path in [
            "usr/share/rubygems-integration/all/specifications/rack-2.2.4.gemspec",
            "usr/lib/x86_64-linux-gnu/rubygems-integration/3.1.0/specifications/json-2.6.3.gemspec",
            "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
            "usr/lib/ruby/gems/3.1.0/specifications/default/bundler-2.3.7.gemspec",
            "var/lib/gems/3.1.0/specifications/x-1.gemspec",
            "usr/local/bundle/specifications/puma-6.0.0.gemspec",
            "app/vendor/bundle/ruby/3.2.0/specifications/rails-7.1.0.gemspec",
            "app/Gemfile.lock",
            "Gemfile.lock",
            "app/Gemfile.next.lock",
        ] {
            assert!(wants(path), "{path}");
        }
        for path in [
            "usr/lib/ruby/gems/3.1.0/gems/rack-2.2.4/rack.gemspec",
            "src/app/app.gemspec",
            "usr/lib/ruby/gems/3.1.0/specifications/x-1.gemspec.bak",
            "usr/lib/ruby/gems/3.1.0/specifications/sub/x-1.gemspec",
            "usr/lib/ruby/gems/3.1.0/specifications/default/sub/x-1.gemspec",
            "app/Gemfile",
            "app/Gemfile.lock.orig",
        ] {
            assert!(!wants(path), "{path}");
        }
    }

    #[test]
    fn installed_gemspec_becomes_a_package() {
        let mut t = FileTree::new();
        t.insert(file(
            "usr/lib/ruby/gems/3.1.0/specifications/default/rack-2.2.4.gemspec",
            SPEC,
        ));
        let out = run(&t, SourceKind::Image);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let [p] = out.packages.as_slice() else {
            panic!("{:?}", out.packages)
        };
        assert_eq!(p.purl, "pkg:gem/rack@2.2.4");
        assert_eq!(p.found_by, GEMSPEC_CATALOGER);
        assert_eq!(p.licenses.expression.as_deref(), Some("MIT"));
        assert_eq!(p.cpes, ["cpe:2.3:a:rack:rack:2.2.4:*:*:*:*:*:*:*"]);
        let Metadata::Gem(m) = &p.metadata else {
            panic!()
        };
        assert!(m.default_gem);
    }

    #[test]
    fn lock_files_are_read_on_directories_only() {
        let mut t = FileTree::new();
        t.insert(file(
            "app/Gemfile.lock",
            "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.4)\n",
        ));
        assert!(run(&t, SourceKind::Image).packages.is_empty());
        let out = run(&t, SourceKind::Directory);
        assert_eq!(out.packages.len(), 1);
        assert_eq!(out.packages[0].found_by, LOCK_CATALOGER);
        assert_eq!(out.packages[0].locations[0].path, "/app/Gemfile.lock");
    }

    #[test]
    fn broken_and_truncated_files_warn_and_the_scan_goes_on() {
        let mut t = FileTree::new();
        t.insert(file(
            "usr/lib/ruby/gems/3.1.0/specifications/bad-1.gemspec",
            "Gem::Specification.new do |s|\n  s.name = \"bad\n",
        ));
        t.insert(File {
            truncated: true,
            ..file("usr/lib/ruby/gems/3.1.0/specifications/cut-1.gemspec", SPEC)
        });
        t.insert(file(
            "usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.4.gemspec",
            SPEC,
        ));
        t.insert(file("app/Gemfile.lock", "not a lock file\n"));
        let out = run(&t, SourceKind::Directory);
        assert_eq!(out.packages.len(), 1);
        let mut paths: Vec<&str> = out
            .diagnostics
            .iter()
            .filter_map(|d| d.location.as_ref().map(|l| l.path.as_str()))
            .collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            [
                "/app/Gemfile.lock",
                "/usr/lib/ruby/gems/3.1.0/specifications/bad-1.gemspec",
                "/usr/lib/ruby/gems/3.1.0/specifications/cut-1.gemspec",
            ]
        );
    }
}
