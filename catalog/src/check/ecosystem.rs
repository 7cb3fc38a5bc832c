//! Why a package of a known ecosystem lacks an element: what the files
//! sbomctl reads for that ecosystem record, keyed by PURL type. The
//! report adds the reason ([`super::Missing::ecosystem`]) to a missing
//! supplier (NTIA) or component creator (BSI) of a component the document
//! names nobody for: the image holds no one to write there.
//! docs/formats.md `## check` lists them.

/// Elements the reasons explain: who supplies or made the package.
const WHO: &[&str] = &["supplier", "creator"];

/// The reasons, by PURL type.
const REASONS: &[(&str, &str)] = &[
    (
        "cargo",
        "Cargo.lock and cargo-auditable's dependency list record names, versions, sources and checksums only, no authors, and no OS package that installed it names a maintainer",
    ),
    (
        "gem",
        "sbomctl takes a gem's supplier from its gemspec's authors; this gemspec names none, and no OS package that installed it names a maintainer",
    ),
    (
        "golang",
        "Go build info and go.mod record module paths, versions and sums only, no supplier or author, and no OS package that installed the binary names a maintainer",
    ),
    (
        "maven",
        "sbomctl takes a Java archive's supplier from its pom's organization or developers, else its manifest's Specification-, Implementation- or Bundle-Vendor, else from the OS package that installed it; this archive records none and no OS package installed it",
    ),
    (
        "npm",
        "sbomctl takes an npm package's supplier from its package.json author, authors, contributors or maintainers, else from the OS package that installed it; this package.json names none and no OS package installed it",
    ),
    (
        "nuget",
        "a .deps.json records names, versions and hashes only (authors are in the package's .nuspec, which a published application does not ship), and no OS package that installed it names a maintainer",
    ),
    (
        "oci",
        "the image itself: no --source-supplier was given and its config has no org.opencontainers.image.vendor label (sbomctl does not read the authors label)",
    ),
    (
        "pypi",
        "sbomctl takes a Python package's supplier from its METADATA Author, Author-email, Maintainer or Maintainer-email, else from the OS package that installed it; this METADATA names none and no OS package installed it",
    ),
];

/// The PURL type of `purl` (`pkg:golang/…` → `golang`), lowercase.
pub(super) fn purl_type(purl: &str) -> Option<String> {
    let rest = purl.trim().strip_prefix("pkg:")?;
    let end = rest.find('/')?;
    Some(rest.get(..end)?.to_ascii_lowercase())
}

/// Why a package of `purl` lacks `element`, when its ecosystem explains it.
pub(super) fn reason(purl: &str, element: &str) -> Option<&'static str> {
    if !WHO.contains(&element) {
        return None;
    }
    let kind = purl_type(purl)?;
    REASONS
        .iter()
        .find(|(t, _)| *t == kind)
        .map(|(_, why)| *why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_keyed_by_purl_type_for_who_elements_only() {
        assert_eq!(
            purl_type("pkg:golang/github.com/x/y@v1"),
            Some("golang".into())
        );
        assert_eq!(purl_type("not a purl"), None);
        assert!(reason("pkg:golang/github.com/x/y@v1", "supplier")
            .is_some_and(|r| r.starts_with("Go build info")));
        assert!(reason("pkg:NuGet/Newtonsoft.Json@13.0.1", "creator").is_some());
        assert_eq!(reason("pkg:golang/x@v1", "version"), None);
        assert_eq!(reason("pkg:deb/debian/libc6@2.36", "supplier"), None);
        assert_eq!(reason("", "supplier"), None);
    }
}
