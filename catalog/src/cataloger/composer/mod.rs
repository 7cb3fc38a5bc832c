//! PHP Composer cataloger: what Composer installed
//! (`<vendor-dir>/composer/installed.json`, Composer 1 and 2 forms), and,
//! on directory sources only (as syft does), what `composer.lock` pins.
//!
//! Installed packages are reported with `found_by` set to
//! `php-composer-installed-cataloger`, lock entries with
//! `php-composer-lock-cataloger`, syft's names.

mod composer_lock;
mod installed_json;
mod metadata;
mod package;

use std::collections::HashSet;

pub use metadata::ComposerMetadata;

use super::{Cataloger, Context, File, FileTree, Findings, Rule, SourceKind};
use crate::cpe;
use crate::model::{Ecosystem, Licenses, Location, Metadata, Package};
use crate::purl::Purl;
use package::RawPackage;

/// `found_by` of packages read from `installed.json`.
const INSTALLED_CATALOGER: &str = "php-composer-installed-cataloger";
/// `found_by` of packages read from `composer.lock`.
const LOCK_CATALOGER: &str = "php-composer-lock-cataloger";

/// The Composer cataloger.
pub struct ComposerCataloger;

impl Cataloger for ComposerCataloger {
    fn name(&self) -> &'static str {
        "php-composer-cataloger"
    }

    /// `installed.json` in a `composer` directory (Composer keeps it in
    /// `<vendor-dir>/composer/`, `vendor/composer/` unless configured
    /// otherwise), and lock files outside vendor trees (a package's own
    /// lock file there says nothing about what is installed).
    fn wanted(&self) -> Vec<Rule> {
        vec![
            Rule::new("**/composer/installed.json"),
            Rule::new("**/composer.lock").unless("**/vendor/**/*"),
        ]
    }

    fn catalog(&self, files: &FileTree, ctx: &Context, out: &mut Findings) {
        let locks = ctx.source_kind == SourceKind::Directory;
        for file in files.iter() {
            let (dir, name) = file.path.rsplit_once('/').unwrap_or(("", &file.path));
            let installed =
                name == "installed.json" && (dir == "composer" || dir.ends_with("/composer"));
            let lock = locks && name == "composer.lock" && !dir.split('/').any(|s| s == "vendor");
            if !(installed || lock) {
                continue;
            }
            if file.truncated {
                out.warn(file, "file exceeds the size limit and was cut; skipped");
                continue;
            }
            let text = file.text();
            let (entries, found_by) = if installed {
                (installed_json::parse(&text), INSTALLED_CATALOGER)
            } else {
                let lock = composer_lock::parse(&text)
                    .map(|ps| ps.into_iter().map(|p| (p, false)).collect());
                (lock, LOCK_CATALOGER)
            };
            match entries {
                Ok(entries) => add_packages(entries, file, found_by, out),
                Err(message) => out.warn(file, message),
            }
        }
    }
}

/// Adds a package per entry with a name and a version (the first of each
/// `name@version` in the file).
fn add_packages(entries: Vec<(RawPackage, bool)>, file: &File, found_by: &str, out: &mut Findings) {
    let mut seen = HashSet::new();
    let mut skipped = 0usize;
    for (raw, dev) in entries {
        let (Some(name), Some(version)) = (raw.name.clone(), raw.version.clone()) else {
            skipped += 1;
            continue;
        };
        if name.is_empty() || version.is_empty() {
            skipped += 1;
            continue;
        }
        if !seen.insert((name.clone(), version.clone())) {
            continue;
        }
        out.packages.push(new_package(
            name,
            version,
            &raw,
            dev,
            file.location(),
            found_by,
        ));
    }
    if skipped > 0 {
        out.warn(
            file,
            format!("{skipped} package entries without a name or version were skipped"),
        );
    }
}

/// `pkg:composer/VENDOR/NAME@VERSION`; a name of more than two parts keeps
/// the first as the vendor and joins the rest with `-`, as syft does.
fn purl(name: &str, version: &str) -> String {
    let (vendor, base) = split_name(name);
    let base = base.replace('/', "-");
    Purl::new("composer", &base)
        .namespace(vendor)
        .version(version)
        .to_string()
}

/// `vendor/name` → (`vendor`, `name`); a bare name has no vendor.
fn split_name(name: &str) -> (&str, &str) {
    name.split_once('/').unwrap_or(("", name))
}

fn new_package(
    name: String,
    version: String,
    raw: &RawPackage,
    dev: bool,
    location: Location,
    found_by: &str,
) -> Package {
    let (vendor, base) = split_name(&name);
    let cpes = if cpe::unbounded(&name, &version).is_some() {
        Vec::new()
    } else {
        cpe::candidates(&[vendor, base], &[base], &version)
    };
    let first_author = raw.authors.first();
    let metadata = ComposerMetadata {
        author: first_author.and_then(|a| a.name.clone()),
        author_email: first_author.and_then(|a| a.email.clone()),
        description: raw.description.clone(),
        homepage: raw.homepage.clone(),
        source_url: raw.source.as_ref().and_then(|s| s.url.clone()),
        source_reference: raw.source.as_ref().and_then(|s| s.reference.clone()),
        dist_url: raw.dist.as_ref().and_then(|d| d.url.clone()),
        dist_shasum: raw
            .dist
            .as_ref()
            .and_then(|d| d.shasum.clone())
            .filter(|s| !s.is_empty()),
        package_type: raw.package_type.clone(),
        provides: raw.provides(),
        dev,
    };
    let mut dependencies = raw.dependencies();
    dependencies.sort();
    dependencies.dedup();
    Package {
        purl: purl(&name, &version),
        cpes,
        licenses: Licenses::from_declared(raw.licenses()),
        locations: vec![location],
        found_by: found_by.to_owned(),
        files: Vec::new(),
        dependencies,
        metadata: Metadata::Composer(metadata),
        ecosystem: Ecosystem::Composer,
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
        ComposerCataloger.catalog(tree, &ctx, &mut out);
        out
    }

    fn wants(path: &str) -> bool {
        crate::layer::Wanted::new(ComposerCataloger.wanted()).matches(path)
    }

    #[test]
    fn wants_installed_json_and_project_lock_files() {
        for path in [
            "var/www/html/vendor/composer/installed.json",
            "app/lib/composer/installed.json",
            "composer/installed.json",
            "app/composer.lock",
            "composer.lock",
        ] {
            assert!(wants(path), "{path}");
        }
        for path in [
            "app/vendor/composer/installed.php",
            "app/installed.json",
            "app/vendor/a/b/composer.lock",
            "app/vendor/composer/composer.lock",
            "app/composer.json",
        ] {
            assert!(!wants(path), "{path}");
        }
    }

    #[test]
    fn purls_split_vendor_and_name() {
        assert_eq!(
            purl("symfony/console", "v5.4.47"),
            "pkg:composer/symfony/console@v5.4.47"
        );
        assert_eq!(purl("solo", "1"), "pkg:composer/solo@1");
        assert_eq!(purl("a/b/c", "1"), "pkg:composer/a/b-c@1");
    }

    const INSTALLED: &str = r#"{"packages": [
        {"name": "psr/log", "version": "1.1.4", "license": ["MIT"],
         "authors": [{"name": "PHP-FIG", "homepage": "https://www.php-fig.org/"}],
         "dist": {"type": "zip", "url": "https://api.github.com/x.zip", "shasum": "D49695B909C3B7628B6289DB5479A1C204601F11"},
         "source": {"type": "git", "url": "https://github.com/php-fig/log.git", "reference": "d49695b"}},
        {"name": "monolog/monolog", "version": "2.9.1", "require": {"php": ">=7.2", "psr/log": "^1.0.1"}, "provide": {"psr/log-implementation": "1.0.0"}},
        {"name": "psr/log", "version": "1.1.4"},
        {"version": "1"}
    ], "dev": true, "dev-package-names": ["monolog/monolog"]}"#;

    #[test]
    fn installed_packages_carry_metadata_and_dev_flags() {
        let mut t = FileTree::new();
        t.insert(file("app/vendor/composer/installed.json", INSTALLED));
        let out = run(&t, SourceKind::Image);
        assert_eq!(out.packages.len(), 2, "duplicate entry dropped");
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        let log = &out.packages[0];
        assert_eq!(log.purl, "pkg:composer/psr/log@1.1.4");
        assert_eq!(log.found_by, INSTALLED_CATALOGER);
        assert_eq!(log.licenses.expression.as_deref(), Some("MIT"));
        let Metadata::Composer(m) = &log.metadata else {
            panic!()
        };
        assert_eq!(m.author.as_deref(), Some("PHP-FIG"));
        assert_eq!(
            log.metadata.fields().checksums()[0].value,
            "d49695b909c3b7628b6289db5479a1c204601f11"
        );
        let monolog = &out.packages[1];
        assert_eq!(monolog.dependencies, ["psr/log"]);
        let Metadata::Composer(m) = &monolog.metadata else {
            panic!()
        };
        assert!(m.dev);
        assert_eq!(m.provides, ["psr/log-implementation"]);
    }

    #[test]
    fn lock_files_are_read_on_directories_only_and_broken_files_warn() {
        let mut t = FileTree::new();
        t.insert(file(
            "app/composer.lock",
            r#"{"packages": [{"name": "a/b", "version": "1.0.0"}], "packages-dev": [{"name": "c/d", "version": "1"}]}"#,
        ));
        t.insert(file("other/vendor/composer/installed.json", "[{\"name\": "));
        assert!(run(&t, SourceKind::Image).packages.is_empty());
        let out = run(&t, SourceKind::Directory);
        assert_eq!(out.packages.len(), 1);
        assert_eq!(out.packages[0].found_by, LOCK_CATALOGER);
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(
            out.diagnostics[0].location.as_ref().unwrap().path,
            "/other/vendor/composer/installed.json"
        );
    }
}
