//! What an ecosystem folder provides, and the macro that turns the one
//! registration list in `cataloger/mod.rs` into [`Ecosystem`](super::Ecosystem),
//! [`Metadata`](super::Metadata) and [`all`](super::all).
//!
//! `Metadata` is an enum with one variant per ecosystem, generated from the
//! list: serde derives its tagged form (`{"type": "apk", "data": {…}}`), so
//! the native JSON round-trips with no registry, and `Clone`/`PartialEq`
//! come for free. Each variant's methods delegate to the ecosystem's own
//! type, defined in its folder.

use std::collections::BTreeMap;

use base64::Engine as _;

use super::Cataloger;

/// What renderers ask a package's ecosystem-specific metadata. Every
/// method has a default that says "nothing recorded", so an ecosystem
/// implements only what its database holds.
pub trait EcosystemMetadata {
    /// syft JSON's `metadataType` and `metadata` for `package` (whose
    /// metadata this is), as the syft cataloger of the same kind writes
    /// them (syft schema 16.1.10): syft's field names, fields syft always
    /// writes present (empty when not recorded), `omitempty` fields left
    /// out when empty. Build it with [`SyftFields`]. `None` when syft
    /// writes no metadata for such a package.
    fn syft_metadata(
        &self,
        package: &crate::model::Package,
    ) -> Option<(&'static str, serde_json::Value)> {
        let _ = package;
        None
    }

    /// Who supplies the package, in the form the metadata records it.
    fn supplier(&self) -> Option<Supplier<'_>> {
        None
    }

    /// What the package says it is (CycloneDX `description`).
    fn description(&self) -> Option<&str> {
        None
    }

    /// The description SPDX documents carry (`PackageDescription`). syft
    /// writes one for apk and npm packages only; those return
    /// [`description`](Self::description) here.
    fn spdx_description(&self) -> Option<&str> {
        None
    }

    /// The project's home page, unchecked.
    fn homepage(&self) -> Option<&str> {
        None
    }

    /// Where the package itself was downloaded from, unchecked.
    fn download_location(&self) -> Option<&str> {
        None
    }

    /// The file name of the archive that is the package itself (a `.jar`
    /// a Java package was read from), when the package is one archive
    /// file: SPDX `PackageFileName`, and SPDX 3 `software_primaryPurpose`
    /// `library` with `software_additionalPurpose` `archive`. `None` when
    /// the package is not one file of its own (installed OS packages,
    /// modules inside a binary, several packages named by one archive).
    fn archive_file_name(&self) -> Option<&str> {
        None
    }

    /// Digests of the package itself the metadata records, decoded.
    fn checksums(&self) -> Vec<Checksum> {
        Vec::new()
    }

    /// Links for CycloneDX `externalReferences`, in output order. By
    /// default the download location, then the home page.
    fn external_refs(&self) -> Vec<ExternalRef<'_>> {
        let mut out = Vec::new();
        if let Some(url) = self.download_location() {
            out.push(ExternalRef::new(ExternalRefKind::Distribution, url));
        }
        if let Some(url) = self.homepage() {
            out.push(ExternalRef::new(ExternalRefKind::Website, url));
        }
        out
    }

    /// Fields worth keeping beside the standard ones, as
    /// `(name, value)` in output order (written as CycloneDX
    /// `sbomctl:metadata:<name>` properties; empty values are dropped).
    fn properties(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Sets the supplier from a document read back (SPDX `PackageSupplier`,
    /// CycloneDX component `supplier`), so that `convert` keeps it: the
    /// field [`supplier`](Self::supplier) reads. By default ignored.
    fn set_supplier(&mut self, supplier: &DocumentSupplier<'_>) {
        let _ = supplier;
    }

    /// Sets the field [`properties`](Self::properties) names `name` from a
    /// document read back; unknown names and unparsable values are ignored.
    fn set_property(&mut self, name: &str, value: &str) {
        let _ = (name, value);
    }

    /// Names this package also provides (virtual packages, sonames), with
    /// any version constraint as written.
    fn provides(&self) -> &[String] {
        &[]
    }
}

/// A syft metadata object under construction, fields in syft's order.
#[derive(Debug, Default)]
pub struct SyftFields(serde_json::Map<String, serde_json::Value>);

impl SyftFields {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// A field syft always writes (no `omitempty`), empty or not.
    #[must_use]
    pub fn field(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.0.insert(key.to_owned(), value.into());
        self
    }

    /// An `omitempty` field: left out when `None`, `""`, `[]` or `{}`.
    #[must_use]
    pub fn omit_empty<V: Into<serde_json::Value>>(mut self, key: &str, value: Option<V>) -> Self {
        let Some(value) = value.map(Into::into) else {
            return self;
        };
        let empty = match &value {
            serde_json::Value::Null => true,
            serde_json::Value::String(s) => s.is_empty(),
            serde_json::Value::Array(a) => a.is_empty(),
            serde_json::Value::Object(o) => o.is_empty(),
            _ => false,
        };
        if !empty {
            self.0.insert(key.to_owned(), value);
        }
        self
    }

    /// The object.
    pub fn build(self) -> serde_json::Value {
        serde_json::Value::Object(self.0)
    }
}

/// syft's `KeyValues`: `[{"key": …, "value": …}]`, in order.
pub fn syft_key_values(pairs: &[(String, String)]) -> serde_json::Value {
    pairs
        .iter()
        .map(|(k, v)| serde_json::json!({ "key": k, "value": v }))
        .collect()
}

/// What an ecosystem is, beyond one package's metadata: implemented by the
/// metadata type each folder registers.
pub trait EcosystemInfo: EcosystemMetadata + Sized {
    /// What the package info was read from, as syft words it in SPDX
    /// `PackageSourceInfo` (`APK DB`).
    const SOURCE_INFO: &'static str;

    /// True for operating-system packages: the files they own can be the
    /// evidence of another ecosystem's package (ownership by file overlap).
    const OS_PACKAGE: bool = false;

    /// True when a package's dependency names resolve only among the
    /// packages found at the same location (one executable), when any
    /// there has the name: modules of different binaries share names
    /// without being the same build's.
    const DEPENDENCIES_WITHIN_LOCATION: bool = false;

    /// True when the ecosystem's database records each installed
    /// package's full list of direct dependencies (dpkg `Depends` /
    /// `Pre-Depends`, rpm `Requires`, apk `D:`), so that the list a package
    /// gets is complete as far as the image holds its dependencies. Written
    /// as dependency completeness: CycloneDX `compositions` aggregate
    /// `complete`, SPDX 3 relationship `completeness: complete`. False
    /// (the default) says "unknown": lock files, manifests and build info
    /// may omit dependencies or not say which are installed.
    const DEPENDENCIES_COMPLETE: bool = false;

    /// The ecosystem's catalogers.
    fn catalogers() -> Vec<Box<dyn Cataloger>>;

    /// The metadata of a package read from another tool's SBOM, where only
    /// the name, version and PURL are known.
    fn from_document(package: &DocumentPackage<'_>) -> Self;

    /// One declared license value as an SPDX expression, `None` when it
    /// does not map. The default knows SPDX ids, license names and Python
    /// classifiers ([`crate::license::spdx_for`]).
    fn license_to_spdx(declared: &str) -> Option<String> {
        crate::license::spdx_for(declared)
    }
}

/// Who supplies a package, as its metadata records it. Renderers turn it
/// into SPDX `PackageSupplier` / `PackageOriginator` and CycloneDX
/// `publisher` / `author(s)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supplier<'a> {
    /// A distribution's maintainer, one `Name <email>` string (dpkg
    /// `Maintainer`, apk `m:`): the publisher.
    Maintainer(&'a str),
    /// The upstream author as one person string, `Name <email> (url)`.
    Author(&'a str),
    /// An organisation (rpm `Vendor`): SPDX `Organization:`, CycloneDX
    /// `publisher`.
    Organization(&'a str),
    /// The upstream author as separate fields (Python core metadata
    /// `Author` and `Author-email`, which may list several, comma-separated).
    AuthorFields {
        /// The name.
        name: Option<&'a str>,
        /// The email address(es).
        email: Option<&'a str>,
    },
    /// The maintainer as separate fields (Python core metadata
    /// `Maintainer` and `Maintainer-email`, for metadata that names no
    /// author): the publisher, as [`Maintainer`](Self::Maintainer).
    MaintainerFields {
        /// The name.
        name: Option<&'a str>,
        /// The email address(es).
        email: Option<&'a str>,
    },
}

impl<'a> Supplier<'a> {
    /// The supplier a distribution's maintainer field names (dpkg
    /// `Maintainer`, apk `m:`, rpm `Packager`): `None` when the field is
    /// absent, empty or a placeholder (`recorded`).
    pub fn maintainer(field: Option<&'a str>) -> Option<Self> {
        recorded(field).map(Supplier::Maintainer)
    }

    /// The supplier an upstream author field names (`Name <email> (url)`:
    /// npm `author`, gem `authors`), `None` as for
    /// [`maintainer`](Self::maintainer).
    pub fn author(field: Option<&'a str>) -> Option<Self> {
        recorded(field).map(Supplier::Author)
    }

    /// The supplier an organisation field names (rpm `Vendor`), `None` as
    /// for [`maintainer`](Self::maintainer).
    pub fn organization(field: Option<&'a str>) -> Option<Self> {
        recorded(field).map(Supplier::Organization)
    }
}

/// A supplier field's value, trimmed; `None` when it is absent, empty or a
/// placeholder package tools write for "nobody" (`unknown`, `none`,
/// `(none)`, `NOASSERTION`, in any case).
pub fn recorded(field: Option<&str>) -> Option<&str> {
    let value = field?.trim();
    let placeholder = ["", "unknown", "none", "(none)", "noassertion"]
        .iter()
        .any(|p| value.eq_ignore_ascii_case(p));
    (!placeholder).then_some(value)
}

/// A person as package metadata writes one, split into name and email
/// ([`Person::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Person<'a> {
    /// The name, trimmed; empty when there is none.
    pub name: &'a str,
    /// The email address, trimmed; empty when there is none.
    pub email: &'a str,
}

impl<'a> Person<'a> {
    /// Splits `Name <email> (url)`, `Name <email>`, `Name (email)`,
    /// `Name (url)`, a bare `email` or a bare `Name`, as syft does. Only
    /// the first person of a list is kept; a URL is dropped.
    pub fn parse(s: &'a str) -> Person<'a> {
        let s = s.trim();
        for (lt, _) in s.match_indices('<') {
            let Some(after) = s.get(lt + 1..) else {
                continue;
            };
            if let Some(len) = after.find('>') {
                let email = after.get(..len).unwrap_or_default().trim();
                if looks_like_email(email) {
                    let name = s.get(..lt).unwrap_or_default().trim();
                    return Person { name, email };
                }
            }
        }
        if let Some(before_close) = s.strip_suffix(')') {
            if let Some(open) = before_close.rfind('(') {
                let inner = before_close.get(open + 1..).unwrap_or_default().trim();
                let before = before_close.get(..open).unwrap_or_default().trim();
                if looks_like_email(inner) {
                    return Person {
                        name: before,
                        email: inner,
                    };
                }
                if inner.contains("://") && !before.is_empty() {
                    return Person {
                        name: before,
                        email: "",
                    };
                }
            }
        }
        if looks_like_email(s) {
            return Person { name: "", email: s };
        }
        Person { name: s, email: "" }
    }
}

fn looks_like_email(s: &str) -> bool {
    !s.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || "()<>".contains(c))
        && s.split_once('@')
            .is_some_and(|(_, host)| host.contains('.'))
}

/// Hash algorithms package databases record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashAlgorithm {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }
}

/// A digest of the package itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Checksum {
    /// The algorithm.
    pub algorithm: HashAlgorithm,
    /// Lowercase hex.
    pub value: String,
}

impl Checksum {
    /// A base64 digest (padded or not), `None` unless it decodes to the
    /// algorithm's length.
    pub fn from_base64(algorithm: HashAlgorithm, b64: &str) -> Option<Checksum> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64))
            .ok()?;
        (bytes.len() == algorithm.digest_len()).then(|| Checksum {
            algorithm,
            value: hex::encode(bytes),
        })
    }
}

/// What an [`ExternalRef`] points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalRefKind {
    /// The project's web site.
    Website,
    /// Where the package can be downloaded.
    Distribution,
    /// The source repository.
    Vcs,
}

/// A link from a package's metadata, unchecked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRef<'a> {
    /// What it points to.
    pub kind: ExternalRefKind,
    /// The URL as recorded.
    pub url: &'a str,
    /// A remark (`commit: …`).
    pub comment: Option<String>,
}

impl<'a> ExternalRef<'a> {
    /// A reference without a comment.
    pub fn new(kind: ExternalRefKind, url: &'a str) -> Self {
        ExternalRef {
            kind,
            url,
            comment: None,
        }
    }
}

/// A supplier as a document states it, for
/// [`EcosystemMetadata::set_supplier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentSupplier<'a> {
    /// The person's or organisation's name (may be empty when only an
    /// email is known).
    pub name: &'a str,
    /// The email, empty when none.
    pub email: &'a str,
    /// True for an organisation (SPDX `Organization:`; in CycloneDX, a
    /// supplier without a contact email).
    pub organization: bool,
}

impl DocumentSupplier<'_> {
    /// `Name <email>`, `Name` or `email`: the person string databases
    /// record.
    pub fn person(&self) -> String {
        match (self.name.is_empty(), self.email.is_empty()) {
            (false, false) => format!("{} <{}>", self.name, self.email),
            (false, true) => self.name.to_owned(),
            _ => self.email.to_owned(),
        }
    }
}

/// A package as another tool's SBOM describes it, for
/// [`EcosystemInfo::from_document`].
#[derive(Debug, Clone, Copy)]
pub struct DocumentPackage<'a> {
    /// Name.
    pub name: &'a str,
    /// Version.
    pub version: &'a str,
    /// The PURL's qualifiers, keys lowercase, values decoded.
    pub qualifiers: &'a BTreeMap<String, String>,
}

impl DocumentPackage<'_> {
    /// A PURL qualifier.
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.get(key).map(String::as_str)
    }

    /// The `upstream` qualifier split into name and version
    /// (`upstream=name@version`, as syft writes it, or `upstream=name`).
    pub fn upstream(&self) -> Option<(&str, Option<&str>)> {
        let u = self.qualifier("upstream")?;
        Some(match u.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (u, None),
        })
    }
}

/// Generates, from `module::MetadataType => Variant` lines: the
/// [`Ecosystem`](super::Ecosystem) enum, the [`Metadata`](super::Metadata)
/// enum, their dispatch to [`EcosystemMetadata`] / [`EcosystemInfo`],
/// [`all`](super::all), and `registered`, which re-exports every metadata
/// type (for `crate::model`). The variant must be the module name
/// capitalised: serde names both enums' variants in lowercase.
macro_rules! ecosystems {
    ($($module:ident :: $meta:ident => $variant:ident,)+) => {
        /// A package ecosystem, one per folder of [`crate::cataloger`].
        /// Names follow PURL types.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum Ecosystem {
            $(
                #[doc = concat!("Packages found by [`", stringify!($module), "`].")]
                $variant,
            )+
        }

        impl Ecosystem {
            /// Every ecosystem, in registration order (the sort order).
            pub const ALL: &'static [Ecosystem] = &[$(Ecosystem::$variant,)+];

            /// The PURL type of the ecosystem.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Ecosystem::$variant => stringify!($module),)+
                }
            }

            /// The ecosystem of a PURL type (`apk`), `None` when not modelled.
            pub fn from_purl_type(ty: &str) -> Option<Ecosystem> {
                Self::ALL.iter().copied().find(|e| e.as_str() == ty)
            }

            /// See [`EcosystemInfo::SOURCE_INFO`].
            pub fn source_info(self) -> &'static str {
                match self {
                    $(Ecosystem::$variant => <$module::$meta as EcosystemInfo>::SOURCE_INFO,)+
                }
            }

            /// See [`EcosystemInfo::OS_PACKAGE`].
            pub fn is_os_package(self) -> bool {
                match self {
                    $(Ecosystem::$variant => <$module::$meta as EcosystemInfo>::OS_PACKAGE,)+
                }
            }

            /// See [`EcosystemInfo::DEPENDENCIES_WITHIN_LOCATION`].
            pub fn dependencies_within_location(self) -> bool {
                match self {
                    $(Ecosystem::$variant => <$module::$meta as EcosystemInfo>::DEPENDENCIES_WITHIN_LOCATION,)+
                }
            }

            /// See [`EcosystemInfo::DEPENDENCIES_COMPLETE`].
            pub fn dependencies_complete(self) -> bool {
                match self {
                    $(Ecosystem::$variant => <$module::$meta as EcosystemInfo>::DEPENDENCIES_COMPLETE,)+
                }
            }

            /// See [`EcosystemInfo::license_to_spdx`].
            pub fn license_to_spdx(self, declared: &str) -> Option<String> {
                match self {
                    $(Ecosystem::$variant => <$module::$meta as EcosystemInfo>::license_to_spdx(declared),)+
                }
            }
        }

        impl ::std::fmt::Display for Ecosystem {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Ecosystem-specific metadata, kept lossless for the native JSON
        /// output. Renderers read it through [`Metadata::fields`].
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type", content = "data", rename_all = "lowercase")]
        pub enum Metadata {
            $(
                #[doc = concat!("[`", stringify!($module), "`] metadata.")]
                $variant($module::$meta),
            )+
        }

        impl Metadata {
            /// The ecosystem the metadata belongs to.
            pub fn ecosystem(&self) -> Ecosystem {
                match self {
                    $(Metadata::$variant(_) => Ecosystem::$variant,)+
                }
            }

            /// What renderers ask of the metadata.
            pub fn fields(&self) -> &dyn EcosystemMetadata {
                match self {
                    $(Metadata::$variant(m) => m,)+
                }
            }

            /// [`Metadata::fields`], to fill in from a document read back.
            pub fn fields_mut(&mut self) -> &mut dyn EcosystemMetadata {
                match self {
                    $(Metadata::$variant(m) => m,)+
                }
            }

            /// See [`EcosystemInfo::from_document`].
            pub fn from_document(ecosystem: Ecosystem, package: &DocumentPackage<'_>) -> Metadata {
                match ecosystem {
                    $(Ecosystem::$variant => Metadata::$variant(<$module::$meta as EcosystemInfo>::from_document(package)),)+
                }
            }
        }

        $(
            impl From<$module::$meta> for Metadata {
                fn from(m: $module::$meta) -> Metadata {
                    Metadata::$variant(m)
                }
            }
        )+

        /// Every registered metadata type, re-exported by [`crate::model`].
        pub mod registered {
            $(pub use super::$module::$meta;)+
        }

        /// Every cataloger, in registration order.
        pub fn all() -> Vec<Box<dyn Cataloger>> {
            let mut out: Vec<Box<dyn Cataloger>> = Vec::new();
            $(out.extend(<$module::$meta as EcosystemInfo>::catalogers());)+
            out
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_no_supplier() {
        for none in [
            None,
            Some(""),
            Some("  "),
            Some("unknown"),
            Some("UNKNOWN"),
            Some("(none)"),
        ] {
            assert_eq!(Supplier::maintainer(none), None, "{none:?}");
            assert_eq!(Supplier::organization(none), None, "{none:?}");
        }
        assert_eq!(
            Supplier::maintainer(Some(" Natanael Copa <ncopa@alpinelinux.org> ")),
            Some(Supplier::Maintainer(
                "Natanael Copa <ncopa@alpinelinux.org>"
            ))
        );
        assert_eq!(
            Supplier::organization(Some("Red Hat, Inc.")),
            Some(Supplier::Organization("Red Hat, Inc."))
        );
        assert_eq!(
            Supplier::author(Some("Unknown Soldier")),
            Some(Supplier::Author("Unknown Soldier"))
        );
    }

    #[test]
    fn people_split_into_name_and_email() {
        let p = |s| {
            let p = Person::parse(s);
            (p.name, p.email)
        };
        assert_eq!(
            p("GNU Libc Maintainers <debian-glibc@lists.debian.org>"),
            ("GNU Libc Maintainers", "debian-glibc@lists.debian.org")
        );
        assert_eq!(
            p("Isaac Z. Schlueter <i@izs.me> (http://blog.izs.me)"),
            ("Isaac Z. Schlueter", "i@izs.me")
        );
        assert_eq!(p("Jane (jane@example.com)"), ("Jane", "jane@example.com"));
        assert_eq!(p("Jane (https://jane.dev)"), ("Jane", ""));
        assert_eq!(p("me@example.com"), ("", "me@example.com"));
        assert_eq!(p("Fedora Project"), ("Fedora Project", ""));
        // Not an email between the brackets: the whole string is the name.
        assert_eq!(p("A <not an email>"), ("A <not an email>", ""));
        assert_eq!(p("<"), ("<", ""));
        assert_eq!(p(""), ("", ""));
    }
}
