//! What a compliance check looks at, read from any document format: the
//! document's creators and timestamp, and per component the fields the
//! NTIA minimum elements and BSI TR-03183-2 name. Each format's reader
//! (`spdx2.rs`, `cyclonedx.rs`, `spdx3.rs`, `native.rs`) fills these in;
//! the profiles (`ntia.rs`, `bsi.rs`) only read them.

/// The document format, as the check reports and BSI TR-03183-2 §4 judges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocFormat {
    /// `spdx-json`, `spdx3-json`, `cyclonedx-json` or `json` (native).
    pub(crate) name: &'static str,
    /// The specification version the document states (`2.3`, `3.0.1`,
    /// `1.6`), empty when it states none.
    pub(crate) version: String,
}

/// A person, organisation or tool a document names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Agent {
    /// The name, empty when there is none.
    pub(crate) name: String,
    /// An email address, when one is given.
    pub(crate) email: Option<String>,
    /// A URL, when one is given.
    pub(crate) url: Option<String>,
}

impl Agent {
    /// An agent from a `Name <email>` / `Name (url)` string as SPDX 2
    /// (`Organization: Name (email)`) and package databases write them.
    pub(crate) fn parse(s: &str) -> Agent {
        let p = crate::cataloger::Person::parse(s);
        let url = s
            .split(['(', ')', '<', '>', ' '])
            .find(|w| w.starts_with("https://") || w.starts_with("http://"))
            .map(str::to_owned);
        Agent {
            name: p.name.to_owned(),
            email: (!p.email.is_empty()).then(|| p.email.to_owned()),
            url,
        }
    }

    /// True when the agent can be reached: an email address or a URL
    /// (BSI TR-03183-2 §5.2.1 / §5.2.2 "email address or URL").
    pub(crate) fn contact(&self) -> bool {
        self.email.as_deref().is_some_and(|e| !e.trim().is_empty())
            || self.url.as_deref().is_some_and(|u| !u.trim().is_empty())
    }

    /// True when the agent has a name (or at least an address).
    pub(crate) fn named(&self) -> bool {
        !self.name.trim().is_empty() || self.contact()
    }
}

/// A yes/no statement a document makes or leaves out.
pub(crate) type Flag = Option<bool>;

/// One component (package) of the document, its primary component included.
#[derive(Debug, Clone, Default)]
pub(crate) struct Component {
    /// The document's key for it (SPDX ID, bom-ref, native package id).
    pub(crate) key: String,
    /// Name, empty when absent.
    pub(crate) name: String,
    /// Version, empty when absent.
    pub(crate) version: String,
    /// True for the document's primary component (the image).
    pub(crate) primary: bool,
    /// Who supplies it (NTIA's supplier): SPDX `supplier`, SPDX 3
    /// `suppliedBy`, CycloneDX `supplier`, `manufacturer`, `publisher`,
    /// `author(s)`.
    pub(crate) suppliers: Vec<Agent>,
    /// Who made it (BSI's component creator): SPDX `originator`, SPDX 3
    /// `originatedBy`, CycloneDX `manufacturer`, `authors`, `author`.
    pub(crate) creators: Vec<Agent>,
    /// PURL, empty when absent.
    pub(crate) purl: String,
    /// CPEs.
    pub(crate) cpes: Vec<String>,
    /// Hash algorithms given for the component itself (or, in SPDX 3, its
    /// distribution artifact), lowercase without dashes (`sha512`).
    pub(crate) hashes: Vec<String>,
    /// A licence the component is distributed under (SPDX concluded
    /// licence, CycloneDX licence not acknowledged as `declared`).
    pub(crate) distribution_licence: bool,
    /// The file name of the component (SPDX `packageFileName`, CycloneDX
    /// `bsi:component:filename`, SPDX 3 distribution artifact's name).
    pub(crate) filename: Option<String>,
    /// True when the document lists its direct dependencies (possibly none).
    pub(crate) dependencies_listed: bool,
    /// True when the document states whether that list is complete.
    pub(crate) completeness_stated: bool,
    /// True when the component is in any relationship (contains,
    /// depends on, either direction).
    pub(crate) related: bool,
    /// BSI's executable property.
    pub(crate) executable: Flag,
    /// BSI's archive property.
    pub(crate) archive: Flag,
    /// BSI's structured property.
    pub(crate) structured: Flag,
}

impl Component {
    /// The name, or its key when it has none, for reports.
    pub(crate) fn label(&self) -> &str {
        if self.name.is_empty() {
            &self.key
        } else {
            &self.name
        }
    }
}

/// A document, as the checks see it.
#[derive(Debug, Clone)]
pub(crate) struct Sbom {
    /// The format and its version.
    pub(crate) format: DocFormat,
    /// Who made the document (people, organisations and tools).
    pub(crate) creators: Vec<Agent>,
    /// The creation timestamp, when the document gives one.
    pub(crate) timestamp: Option<String>,
    /// True when the document names what it describes (SPDX `DESCRIBES`,
    /// CycloneDX `metadata.component`, SPDX 3 `rootElement`).
    pub(crate) describes: bool,
    /// Every component, in document order.
    pub(crate) components: Vec<Component>,
    /// Where the document format has no field for an element: the element
    /// and why (e.g. the native JSON has no timestamp).
    pub(crate) unsupported: Vec<(&'static str, &'static str)>,
}

impl Sbom {
    /// A document of `format` with nothing in it yet.
    pub(crate) fn new(name: &'static str, version: impl Into<String>) -> Sbom {
        Sbom {
            format: DocFormat {
                name,
                version: version.into(),
            },
            creators: Vec::new(),
            timestamp: None,
            describes: false,
            components: Vec::new(),
            unsupported: Vec::new(),
        }
    }

    /// The reason the format gives for lacking `element`, if it does.
    pub(crate) fn unsupported(&self, element: &str) -> Option<&'static str> {
        self.unsupported
            .iter()
            .find(|(e, _)| *e == element)
            .map(|(_, why)| *why)
    }
}

/// `SHA-512`, `sha512`, `SHA512` → `sha512`.
pub(crate) fn hash_name(alg: &str) -> String {
    alg.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// True for an absent value or SPDX's placeholders.
pub(crate) fn blank(v: &str) -> bool {
    let v = v.trim();
    v.is_empty() || v == "NOASSERTION" || v == "NONE"
}
