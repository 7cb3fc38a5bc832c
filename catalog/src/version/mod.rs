//! Version ordering per ecosystem, by each ecosystem's own rules: dpkg's,
//! rpm's (`rpmvercmp` over epoch, version and release), PEP 440, SemVer 2
//! (npm, Cargo, Go modules, NuGet, Composer), Maven's `ComparableVersion`,
//! RubyGems' `Gem::Version` and apk-tools' (`apk version -t`); other package types fall back to
//! [`Scheme::Generic`]. Each comparison is linear in the versions' lengths
//! and never overflows: numbers are compared as digit strings.
//!
//! The tests (catalog/tests/it/version.rs) check each scheme against the
//! ecosystem's own implementation on generated pairs.

use std::cmp::Ordering;

mod apk;
mod dpkg;
mod gem;
mod maven;
mod pep440;
mod rpm;
mod semver;

/// A version ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Debian: `[epoch:]upstream[-revision]`, `~` before everything.
    Dpkg,
    /// RPM: `[epoch:]version[-release]` by `rpmvercmp`.
    Rpm,
    /// Python packages: PEP 440.
    Pep440,
    /// SemVer 2.0.0 (a leading `v` allowed, as Go writes it).
    Semver,
    /// Maven's `ComparableVersion`.
    Maven,
    /// RubyGems' `Gem::Version`.
    Gem,
    /// Alpine's apk-tools: `1.2.3_rc1-r0`, suffixes and `-rN` revisions.
    Apk,
    /// Runs of digits compared as numbers, runs of letters as text, as
    /// `rpmvercmp` does: the fallback for types without a scheme (and for
    /// versions a scheme cannot parse).
    Generic,
}

impl Scheme {
    /// The scheme of a package URL type (`deb`, `pypi`, ...).
    pub fn for_purl_type(ty: &str) -> Scheme {
        match ty {
            "deb" => Scheme::Dpkg,
            "rpm" => Scheme::Rpm,
            "pypi" => Scheme::Pep440,
            "npm" | "cargo" | "golang" | "nuget" | "composer" => Scheme::Semver,
            "maven" => Scheme::Maven,
            "gem" => Scheme::Gem,
            "apk" => Scheme::Apk,
            _ => Scheme::Generic,
        }
    }

    /// Orders `a` and `b` by this scheme. A version the scheme cannot parse
    /// (PEP 440, SemVer) is ordered by [`Scheme::Generic`] instead, against
    /// any other version, so the order stays total.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            Scheme::Dpkg => dpkg::compare(a, b),
            Scheme::Rpm => rpm::compare_evr(a, b),
            Scheme::Pep440 => match (pep440::Version::parse(a), pep440::Version::parse(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => rpm::vercmp(a, b),
            },
            Scheme::Semver => match (semver::Version::parse(a), semver::Version::parse(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => rpm::vercmp(a, b),
            },
            Scheme::Maven => maven::compare(a, b),
            Scheme::Gem => gem::compare(a, b),
            Scheme::Apk => apk::compare(a, b),
            Scheme::Generic => rpm::vercmp(a, b),
        }
    }
}

/// Compares two runs of ASCII digits as numbers of any length.
fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Asserts that `compare` puts `order` in ascending order, pair by pair.
#[cfg(test)]
fn assert_ascending(compare: fn(&str, &str) -> Ordering, order: &[&str]) {
    for pair in order.windows(2) {
        assert_eq!(
            compare(pair[0], pair[1]),
            Ordering::Less,
            "{} < {}",
            pair[0],
            pair[1]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_compare_as_numbers_of_any_length() {
        assert_eq!(cmp_digits("010", "9"), Ordering::Greater);
        assert_eq!(cmp_digits("000", ""), Ordering::Equal);
        let big = "9".repeat(100);
        assert_eq!(
            cmp_digits(&big, &format!("1{}", "0".repeat(100))),
            Ordering::Less
        );
    }

    #[test]
    fn purl_types_pick_their_scheme() {
        assert_eq!(Scheme::for_purl_type("deb"), Scheme::Dpkg);
        assert_eq!(Scheme::for_purl_type("golang"), Scheme::Semver);
        assert_eq!(Scheme::for_purl_type("apk"), Scheme::Apk);
        assert_eq!(Scheme::for_purl_type("swift"), Scheme::Generic);
    }

    #[test]
    fn unparsable_versions_fall_back_to_the_generic_order() {
        assert_eq!(
            Scheme::Pep440.compare("1.0", "not a version"),
            rpm::vercmp("1.0", "not a version")
        );
        assert_eq!(Scheme::Semver.compare("1.2", "1.10"), Ordering::Less);
    }
}
