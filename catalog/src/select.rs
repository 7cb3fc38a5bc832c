//! Which catalogers run, chosen the way syft 1.x chooses them
//! (`--override-default-catalogers`, `--select-catalogers`): by syft's
//! cataloger names and tags, mapped onto the catalogers registered in
//! [`crate::cataloger`].
//!
//! syft's rules (`internal/task/selection.go`, `expression.go`): the base
//! set is the catalogers carrying the `image` or `directory` tag (by
//! source), or those the override names (names or tags); bare tokens in the
//! selection narrow it to the catalogers with one of those tags, `-TOKEN`
//! removes catalogers by name or tag, `+NAME` adds one by name. The result
//! is `(base ∩ narrowed) − removed + added`. Comma-separated lists are
//! split. A token no cataloger answers to is an error.
//!
//! Our catalogers do not map one to one onto syft's (the npm cataloger
//! reads `package.json` files and lock files, which are two syft
//! catalogers): a cataloger runs when one of the syft catalogers it stands
//! for is selected, and its packages are kept when their `found_by` (a
//! syft name) is.

use std::collections::BTreeSet;

use crate::cataloger::{Cataloger, SourceKind};
use crate::model::Package;
use crate::{Error, Result};

/// One of syft's package catalogers: its name and tags (`package` is
/// implied, as syft adds it to every package cataloger).
#[derive(Debug, Clone, Copy)]
pub struct SyftCataloger {
    /// The name, as in `found_by`.
    pub name: &'static str,
    /// The tags it answers to besides its name and `package`.
    pub tags: &'static [&'static str],
}

const fn c(name: &'static str, tags: &'static [&'static str]) -> SyftCataloger {
    SyftCataloger { name, tags }
}

/// syft's package catalogers and their tags (syft 1.x,
/// `internal/task/package_tasks.go`), in syft's order.
pub const SYFT_CATALOGERS: &[SyftCataloger] = &[
    c(
        "alpm-db-cataloger",
        &[
            "directory",
            "installed",
            "image",
            "os",
            "linux",
            "alpm",
            "archlinux",
            "pacman",
        ],
    ),
    c(
        "apk-db-cataloger",
        &[
            "directory",
            "installed",
            "image",
            "os",
            "linux",
            "apk",
            "alpine",
        ],
    ),
    c(
        "dpkg-db-cataloger",
        &[
            "directory",
            "installed",
            "image",
            "os",
            "linux",
            "dpkg",
            "debian",
        ],
    ),
    c(
        "portage-cataloger",
        &[
            "directory",
            "installed",
            "image",
            "os",
            "linux",
            "portage",
            "gentoo",
        ],
    ),
    c(
        "rpm-db-cataloger",
        &[
            "directory",
            "installed",
            "image",
            "os",
            "linux",
            "rpm",
            "redhat",
        ],
    ),
    c(
        "rpm-archive-cataloger",
        &["declared", "directory", "os", "linux", "rpm", "redhat"],
    ),
    c(
        "deb-archive-cataloger",
        &["declared", "directory", "os", "linux", "deb", "debian"],
    ),
    c(
        "conan-info-cataloger",
        &["installed", "image", "language", "cpp", "conan"],
    ),
    c(
        "javascript-package-cataloger",
        &["installed", "image", "language", "javascript", "node"],
    ),
    c(
        "php-composer-installed-cataloger",
        &["installed", "image", "language", "php", "composer"],
    ),
    c(
        "r-package-cataloger",
        &["installed", "image", "language", "directory", "r"],
    ),
    c(
        "ruby-installed-gemspec-cataloger",
        &["installed", "image", "language", "ruby", "gem", "gemspec"],
    ),
    c(
        "cargo-auditable-binary-cataloger",
        &[
            "directory",
            "installed",
            "image",
            "language",
            "rust",
            "binary",
        ],
    ),
    c(
        "conan-cataloger",
        &["declared", "directory", "language", "cpp", "conan"],
    ),
    c(
        "vcpkg-manifest-cataloger",
        &["declared", "directory", "language", "cpp", "vcpkg"],
    ),
    c(
        "dart-pubspec-lock-cataloger",
        &["declared", "directory", "language", "dart"],
    ),
    c(
        "dart-pubspec-cataloger",
        &["declared", "directory", "language", "dart"],
    ),
    c(
        "elixir-mix-lock-cataloger",
        &["declared", "directory", "language", "elixir"],
    ),
    c(
        "erlang-rebar-lock-cataloger",
        &["declared", "directory", "language", "erlang"],
    ),
    c(
        "erlang-otp-application-cataloger",
        &["declared", "directory", "language", "erlang", "otp"],
    ),
    c(
        "haskell-cataloger",
        &[
            "declared",
            "directory",
            "language",
            "haskell",
            "hackage",
            "cabal",
        ],
    ),
    c(
        "go-module-file-cataloger",
        &["declared", "directory", "language", "go", "golang", "gomod"],
    ),
    c(
        "java-gradle-lockfile-cataloger",
        &["declared", "directory", "language", "java", "gradle"],
    ),
    c(
        "java-pom-cataloger",
        &["declared", "directory", "language", "java", "maven"],
    ),
    c(
        "javascript-lock-cataloger",
        &[
            "declared",
            "directory",
            "language",
            "javascript",
            "node",
            "npm",
            "deno",
        ],
    ),
    c(
        "php-composer-lock-cataloger",
        &["declared", "directory", "language", "php", "composer"],
    ),
    c(
        "php-pear-serialized-cataloger",
        &["declared", "directory", "language", "image", "php", "pear"],
    ),
    c(
        "python-package-cataloger",
        &["declared", "directory", "language", "python"],
    ),
    c(
        "ruby-gemfile-cataloger",
        &["declared", "directory", "language", "ruby", "gem"],
    ),
    c(
        "ruby-gemspec-cataloger",
        &[
            "declared",
            "directory",
            "language",
            "ruby",
            "gem",
            "gemspec",
        ],
    ),
    c(
        "rust-cargo-lock-cataloger",
        &["declared", "directory", "language", "rust", "cargo"],
    ),
    c(
        "cocoapods-cataloger",
        &["declared", "directory", "language", "swift", "cocoapods"],
    ),
    c(
        "swift-package-manager-cataloger",
        &["declared", "directory", "language", "swift", "spm"],
    ),
    c(
        "swipl-pack-cataloger",
        &["declared", "directory", "language", "swipl", "pack"],
    ),
    c(
        "opam-cataloger",
        &["declared", "directory", "language", "ocaml", "opam"],
    ),
    c(
        "dotnet-deps-binary-cataloger",
        &[
            "installed",
            "image",
            "directory",
            "language",
            "dotnet",
            "c#",
        ],
    ),
    c(
        "dotnet-packages-lock-cataloger",
        &["declared", "image", "directory", "language", "dotnet", "c#"],
    ),
    c(
        "python-installed-package-cataloger",
        &["directory", "installed", "image", "language", "python"],
    ),
    c(
        "go-module-binary-cataloger",
        &[
            "directory",
            "installed",
            "image",
            "language",
            "go",
            "golang",
            "gomod",
            "binary",
        ],
    ),
    c(
        "java-archive-cataloger",
        &[
            "directory",
            "installed",
            "image",
            "language",
            "java",
            "maven",
        ],
    ),
    c(
        "graalvm-native-image-cataloger",
        &["directory", "installed", "image", "language", "java"],
    ),
    c(
        "nix-cataloger",
        &["directory", "installed", "image", "language", "nix"],
    ),
    c(
        "lua-rock-cataloger",
        &["directory", "installed", "image", "language", "lua"],
    ),
    c(
        "binary-classifier-cataloger",
        &["declared", "directory", "installed", "image", "binary"],
    ),
    c(
        "elf-binary-package-cataloger",
        &[
            "declared",
            "directory",
            "installed",
            "image",
            "binary",
            "elf-package",
            "elf",
        ],
    ),
    c(
        "pe-binary-package-cataloger",
        &[
            "declared",
            "directory",
            "installed",
            "image",
            "binary",
            "pe-package",
            "pe",
            "dll",
            "exe",
            "bpl",
        ],
    ),
    c(
        "github-actions-usage-cataloger",
        &["declared", "directory", "github", "github-actions"],
    ),
    c(
        "github-action-workflow-usage-cataloger",
        &["declared", "directory", "github", "github-actions"],
    ),
    c(
        "java-jvm-cataloger",
        &[
            "declared",
            "directory",
            "installed",
            "image",
            "java",
            "jvm",
            "jdk",
            "jre",
        ],
    ),
    c(
        "linux-kernel-cataloger",
        &[
            "declared",
            "directory",
            "installed",
            "image",
            "linux",
            "kernel",
        ],
    ),
    c(
        "php-interpreter-cataloger",
        &[
            "declared",
            "directory",
            "installed",
            "image",
            "binary",
            "php",
        ],
    ),
    c("sbom-cataloger", &["sbom"]),
    c("bitnami-cataloger", &["bitnami", "installed", "image"]),
    c(
        "wordpress-plugins-cataloger",
        &["directory", "image", "wordpress"],
    ),
    c(
        "terraform-lock-cataloger",
        &["declared", "directory", "terraform"],
    ),
    c(
        "homebrew-cataloger",
        &["directory", "installed", "image", "homebrew"],
    ),
    c(
        "apple-app-bundle-cataloger",
        &["directory", "installed", "image", "apple"],
    ),
    c(
        "conda-meta-cataloger",
        &["directory", "installed", "package", "conda"],
    ),
    c(
        "snap-cataloger",
        &["directory", "installed", "image", "snap"],
    ),
    c(
        "gguf-cataloger",
        &["directory", "image", "ai", "model", "gguf", "ml"],
    ),
    c(
        "safetensors-cataloger",
        &["directory", "image", "ai", "model", "safetensors", "ml"],
    ),
    c("dotnet-deps-cataloger", &["deprecated"]),
    c("dotnet-portable-executable-cataloger", &["deprecated"]),
    c("php-pecl-serialized-cataloger", &["deprecated"]),
    c("nix-store-cataloger", &["deprecated"]),
];

/// syft's file catalogers (tag `file`): sbomctl has none, but a selection
/// naming them is valid, as it is for syft.
const SYFT_FILE_CATALOGERS: &[&str] = &[
    "file-content-cataloger",
    "file-digest-cataloger",
    "file-executable-cataloger",
    "file-metadata-cataloger",
];

/// Our catalogers whose name is not one syft cataloger, and the syft
/// catalogers they stand for. Any other cataloger is named as syft's.
const COVERS: &[(&str, &[&str])] = &[
    (
        "javascript-cataloger",
        &["javascript-package-cataloger", "javascript-lock-cataloger"],
    ),
    (
        "ruby-cataloger",
        &["ruby-installed-gemspec-cataloger", "ruby-gemfile-cataloger"],
    ),
    (
        "php-composer-cataloger",
        &[
            "php-composer-installed-cataloger",
            "php-composer-lock-cataloger",
        ],
    ),
    (
        "dotnet-deps-cataloger",
        &["dotnet-deps-cataloger", "dotnet-deps-binary-cataloger"],
    ),
];

/// `found_by` values of ours that syft reports under another cataloger by
/// default: syft's `dotnet-deps-cataloger` is deprecated and off by
/// default; `dotnet-deps-binary-cataloger` reads the same files.
const FOUND_BY_ALIASES: &[(&str, &str)] =
    &[("dotnet-deps-cataloger", "dotnet-deps-binary-cataloger")];

/// A cataloger selection as the user gave it: syft's
/// `--override-default-catalogers` and `--select-catalogers` values (each
/// may be a comma-separated list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// The base set (names or tags); empty: `image` or `directory`.
    pub defaults: Vec<String>,
    /// `TAG` (narrow), `-NAME|TAG` (remove), `+NAME` (add).
    pub select: Vec<String>,
}

/// The syft catalogers a [`Selection`] chose; `None` from
/// [`Selection::resolve`] means the default, for which nothing is
/// filtered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    names: BTreeSet<&'static str>,
}

impl Selection {
    /// True when neither option was given.
    pub fn is_default(&self) -> bool {
        split(&self.defaults).is_empty() && split(&self.select).is_empty()
    }

    /// The syft catalogers chosen for a source of `kind`, `None` when the
    /// selection is the default. Errors name every bad token, then list
    /// the valid names and tags.
    pub fn resolve(&self, kind: SourceKind) -> Result<Option<Selected>> {
        if self.is_default() {
            return Ok(None);
        }
        let mut defaults = split(&self.defaults);
        if defaults.is_empty() {
            defaults.push(match kind {
                SourceKind::Image => "image".to_owned(),
                SourceKind::Directory => "directory".to_owned(),
            });
        }
        let mut errors = Vec::new();
        let mut base = BTreeSet::new();
        for token in &defaults {
            match lookup(token, true, true) {
                Ok(found) => base.extend(found),
                Err(why) => errors.push(format!("{token:?}: {why}")),
            }
        }
        let (mut narrow, mut narrowed, mut add, mut remove) =
            (BTreeSet::new(), false, BTreeSet::new(), BTreeSet::new());
        for expr in split(&self.select) {
            let result = if let Some(name) = expr.strip_prefix('+') {
                lookup(name, true, false).map(|f| add.extend(f))
            } else if let Some(token) = expr.strip_prefix('-') {
                lookup(token, true, true).map(|f| remove.extend(f))
            } else if expr == "all" {
                Err("cannot use the 'all' operand in this context".to_owned())
            } else {
                narrowed = true;
                lookup(&expr, true, true).map(|f| narrow.extend(f))
            };
            if let Err(why) = result {
                errors.push(format!("{expr:?}: {why}"));
            }
        }
        if !errors.is_empty() {
            return Err(Error::InvalidOption {
                message: format!(
                    "invalid cataloger selection: {}; valid names: {}; valid tags: {}",
                    errors.join(", "),
                    names().join(", "),
                    tags().join(", ")
                ),
            });
        }
        let mut names: BTreeSet<&'static str> = if narrowed {
            base.intersection(&narrow).copied().collect()
        } else {
            base
        };
        names.retain(|n| !remove.contains(n));
        names.extend(add);
        Ok(Some(Selected { names }))
    }
}

impl Selected {
    /// Whether `name` (a syft cataloger name) is selected.
    pub fn has(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// The selected syft catalogers, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.names.iter().copied()
    }

    /// Whether our cataloger `name` runs: one of the syft catalogers it
    /// stands for is selected.
    pub fn runs(&self, name: &str) -> bool {
        match COVERS.iter().find(|(ours, _)| *ours == name) {
            Some((_, syft)) => syft.iter().any(|s| self.has(s)),
            None => self.has(name),
        }
    }

    /// Whether a package found by `found_by` is kept.
    pub fn keeps(&self, package: &Package) -> bool {
        let by = package.found_by.as_str();
        self.has(by)
            || FOUND_BY_ALIASES
                .iter()
                .any(|(ours, syft)| *ours == by && self.has(syft))
    }

    /// The catalogers of `all` that run.
    pub fn filter(&self, all: Vec<Box<dyn Cataloger>>) -> Vec<Box<dyn Cataloger>> {
        all.into_iter().filter(|c| self.runs(c.name())).collect()
    }
}

/// Splits comma-separated lists, trimming and dropping empty items.
fn split(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The syft catalogers `token` names (`by_name`) or tags (`by_tag`);
/// `all` is every cataloger; syft's file catalogers and the `file` tag
/// select nothing sbomctl has.
fn lookup(token: &str, by_name: bool, by_tag: bool) -> Result<Vec<&'static str>, String> {
    if token.is_empty() {
        return Err("no value given".to_owned());
    }
    if !token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '+' || c == '#')
    {
        return Err(
            "invalid token given: only alphanumeric characters and hyphens are allowed".to_owned(),
        );
    }
    if by_name {
        if let Some(c) = SYFT_CATALOGERS.iter().find(|c| c.name == token) {
            return Ok(vec![c.name]);
        }
        if SYFT_FILE_CATALOGERS.contains(&token) {
            return Ok(Vec::new());
        }
    }
    let is_tag = token == "all" || token == "package" || token == "file" || tags().contains(&token);
    if is_tag && by_tag {
        return Ok(SYFT_CATALOGERS
            .iter()
            .filter(|c| token == "all" || token == "package" || c.tags.contains(&token))
            .map(|c| c.name)
            .collect());
    }
    if is_tag {
        return Err("tags are not allowed with this operation (must use exact names)".to_owned());
    }
    Err("unknown name or tag given".to_owned())
}

/// Every syft cataloger name, sorted.
pub fn names() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = SYFT_CATALOGERS
        .iter()
        .map(|c| c.name)
        .chain(SYFT_FILE_CATALOGERS.iter().copied())
        .collect();
    out.sort_unstable();
    out
}

/// Every tag, sorted (`all`, `file` and `package` included).
pub fn tags() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = SYFT_CATALOGERS
        .iter()
        .flat_map(|c| c.tags.iter().copied())
        .chain(["all", "file", "package"])
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(defaults: &[&str], select: &[&str]) -> Selection {
        Selection {
            defaults: defaults.iter().map(|s| (*s).to_owned()).collect(),
            select: select.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn chosen(s: &Selection, kind: SourceKind) -> Vec<&'static str> {
        s.resolve(kind).unwrap().unwrap().names().collect()
    }

    #[test]
    fn every_registered_cataloger_stands_for_a_syft_cataloger() {
        for c in crate::cataloger::all() {
            let covered = COVERS
                .iter()
                .find(|(ours, _)| *ours == c.name())
                .map_or_else(|| vec![c.name()], |(_, s)| s.to_vec());
            for name in covered {
                assert!(
                    SYFT_CATALOGERS.iter().any(|s| s.name == name),
                    "{} stands for {name}, which is not a syft cataloger",
                    c.name()
                );
            }
        }
    }

    #[test]
    fn default_selection_filters_nothing() {
        assert!(sel(&[], &[]).resolve(SourceKind::Image).unwrap().is_none());
        assert!(sel(&[" "], &[","])
            .resolve(SourceKind::Image)
            .unwrap()
            .is_none());
    }

    #[test]
    fn narrowing_by_tag_keeps_the_source_default() {
        // `java` on an image: the archive cataloger, not the pom one
        // (declared, directory only).
        let s = sel(&[], &["java"]);
        assert_eq!(
            chosen(&s, SourceKind::Image),
            vec![
                "graalvm-native-image-cataloger",
                "java-archive-cataloger",
                "java-jvm-cataloger"
            ]
        );
        assert!(chosen(&s, SourceKind::Directory).contains(&"java-pom-cataloger"));
    }

    #[test]
    fn remove_and_add_apply_after_narrowing() {
        let s = sel(&[], &["os,-rpm", "+go-module-binary-cataloger"]);
        assert_eq!(
            chosen(&s, SourceKind::Image),
            vec![
                "alpm-db-cataloger",
                "apk-db-cataloger",
                "dpkg-db-cataloger",
                "go-module-binary-cataloger",
                "portage-cataloger",
            ]
        );
    }

    #[test]
    fn override_replaces_the_base_set() {
        let s = sel(&["dpkg-db-cataloger", "apk"], &[]);
        assert_eq!(
            chosen(&s, SourceKind::Image),
            vec!["apk-db-cataloger", "dpkg-db-cataloger"]
        );
    }

    #[test]
    fn bad_tokens_are_errors_listing_valid_ones() {
        let err = sel(&[], &["+java", "nope", "-", "all"])
            .resolve(SourceKind::Image)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"+java\": tags are not allowed"), "{err}");
        assert!(err.contains("\"nope\": unknown name or tag given"), "{err}");
        assert!(err.contains("\"-\": no value given"), "{err}");
        assert!(
            err.contains("\"all\": cannot use the 'all' operand"),
            "{err}"
        );
        assert!(
            err.contains("valid names: alpm-db-cataloger, apk-db-cataloger"),
            "{err}"
        );
        assert!(err.contains("valid tags: "), "{err}");
    }

    #[test]
    fn runs_and_keeps_map_onto_our_catalogers() {
        let s = sel(&[], &["-javascript-package-cataloger"])
            .resolve(SourceKind::Directory)
            .unwrap()
            .unwrap();
        // The npm cataloger still runs for the lock-file half.
        assert!(s.runs("javascript-cataloger"));
        assert!(s.runs("dotnet-deps-cataloger"));
        let s = sel(&[], &["os"])
            .resolve(SourceKind::Image)
            .unwrap()
            .unwrap();
        assert!(!s.runs("javascript-cataloger"));
        assert!(s.runs("dpkg-db-cataloger"));
        assert!(!s.runs("dotnet-deps-cataloger"));
    }
}
