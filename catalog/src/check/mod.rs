//! Compliance checks of an SBOM document: which of the elements a profile
//! requires each component and the document itself lack, and why.
//!
//! Profiles: [`Profile::Ntia`] (the NTIA minimum elements, 2021) and
//! [`Profile::BsiTr03183`] (BSI TR-03183-2 v2.1.0). The document may be in
//! any format [`crate::format::read_document`] reads: SPDX 2.2 / 2.3 JSON
//! and tag-value, SPDX 3.0.1 JSON-LD, CycloneDX JSON and XML, syft JSON or
//! sbomctl's native JSON. Each format is read into the same facts (what a
//! check looks at), bounded like the readers: serde's recursion limit (and
//! the XML reader's depth cap) caps the depth, and the caller caps the
//! size. Where a format has no field for an element, the report says so
//! ([`Missing::unsupported`]); where a package's ecosystem is known not to
//! record it, the report says that too ([`Missing::ecosystem`]).
//!
//! ```
//! use sbomctl_catalog::check::{check, Profile};
//! let doc = br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}"#;
//! let report = check(doc, Profile::Ntia).unwrap();
//! assert!(!report.compliant);
//! assert_eq!(report.document[0].element, "author");
//! ```

mod bsi;
mod cyclonedx;
mod ecosystem;
mod facts;
mod native;
mod ntia;
mod spdx2;
mod spdx3;
mod syft;

use std::fmt::Write as _;
use std::str::FromStr;

use serde::Serialize;

use crate::error::Result;

/// What a document is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The NTIA minimum elements for an SBOM (NTIA, July 2021).
    Ntia,
    /// BSI TR-03183-2 v2.1.0 (2025-08-20).
    BsiTr03183,
}

impl Profile {
    /// The name on the command line (`ntia`, `bsi-tr-03183-2`).
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Ntia => "ntia",
            Profile::BsiTr03183 => "bsi-tr-03183-2",
        }
    }

    /// What the profile is, for reports.
    pub fn title(self) -> &'static str {
        match self {
            Profile::Ntia => "NTIA minimum elements (2021)",
            Profile::BsiTr03183 => "BSI TR-03183-2 v2.1.0",
        }
    }
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "ntia" => Ok(Profile::Ntia),
            "bsi-tr-03183-2" | "bsi" => Ok(Profile::BsiTr03183),
            other => Err(format!(
                "unknown profile `{other}` (expected ntia or bsi-tr-03183-2)"
            )),
        }
    }
}

/// One element a component or the document lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// The element, as the profile names it (`supplier`, `timestamp`).
    pub element: String,
    /// Why it counts as missing.
    pub reason: String,
    /// True when the document's format has no field for the element (the
    /// reason says so): no document in that format can have it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unsupported: bool,
    /// Why the component's ecosystem has nothing to put there, when it is
    /// known (by PURL type: Go build info records no supplier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
}

impl Missing {
    fn new(element: &str, reason: impl Into<String>) -> Missing {
        Missing {
            element: element.to_owned(),
            reason: reason.into(),
            unsupported: false,
            ecosystem: None,
        }
    }

    /// `element` is missing: for the format's reason when the format has no
    /// field for it, else for `reason`.
    fn lacking(sbom: &facts::Sbom, element: &str, reason: impl Into<String>) -> Missing {
        match sbom.unsupported(element) {
            Some(why) => Missing {
                unsupported: true,
                ..Missing::new(element, why)
            },
            None => Missing::new(element, reason),
        }
    }

    /// The reason as the table prints it: with the ecosystem's, if any.
    fn full_reason(&self) -> String {
        match &self.ecosystem {
            Some(why) => format!("{}: {why}", self.reason),
            None => self.reason.clone(),
        }
    }
}

/// A component that lacks elements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentReport {
    /// Its name (or its document key when it has none).
    pub name: String,
    /// Its version, possibly empty.
    pub version: String,
    /// Its PURL, else its document key (SPDX ID, bom-ref).
    pub id: String,
    /// True for the document's primary component.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub primary: bool,
    /// What it lacks, in the profile's order.
    pub missing: Vec<Missing>,
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The profile's name (`ntia`).
    pub profile: String,
    /// The document's format and version (`spdx-json 2.3`).
    pub format: String,
    /// True when nothing is missing.
    pub compliant: bool,
    /// How many components were checked.
    pub components: usize,
    /// What the document itself lacks.
    pub document: Vec<Missing>,
    /// The components that lack elements, in document order.
    pub missing: Vec<ComponentReport>,
}

impl Report {
    /// The report as JSON (one object, a trailing newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The report as a table: a summary line, then one row per missing
    /// element.
    pub fn to_table(&self, title: &str) -> String {
        let lacking = self.missing.len();
        let mut out = format!(
            "{title}: {} ({}; {} of {} components lack elements, the document lacks {})\n",
            if self.compliant {
                "compliant"
            } else {
                "not compliant"
            },
            self.format,
            lacking,
            self.components,
            self.document.len()
        );
        let mut rows: Vec<[String; 3]> = Vec::new();
        for m in &self.document {
            rows.push(["(document)".into(), m.element.clone(), m.full_reason()]);
        }
        for c in &self.missing {
            let who = if c.version.is_empty() {
                c.name.clone()
            } else {
                format!("{} {}", c.name, c.version)
            };
            for m in &c.missing {
                rows.push([who.clone(), m.element.clone(), m.full_reason()]);
            }
        }
        if rows.is_empty() {
            return out;
        }
        let width = |i: usize| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .chain([["COMPONENT", "ELEMENT"].get(i).map_or(0, |h| h.len())])
                .max()
                .unwrap_or(0)
        };
        let (w0, w1) = (width(0), width(1));
        let _ = writeln!(out, "{:<w0$}  {:<w1$}  REASON", "COMPONENT", "ELEMENT");
        for [a, b, c] in &rows {
            let _ = writeln!(out, "{a:<w0$}  {b:<w1$}  {c}");
        }
        out
    }
}

/// Reads `bytes`, in any format sbomctl reads (sniffed as `convert`
/// sniffs it), into the facts a check looks at.
fn facts(bytes: &[u8]) -> Result<facts::Sbom> {
    use crate::format::Kind;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match crate::format::sniff(bytes)? {
        Kind::Native(version) => {
            let catalog = crate::format::read_document(bytes)?;
            Ok(native::from_catalog(&catalog, &version))
        }
        Kind::Spdx2 => spdx2::read(bytes),
        Kind::TagValue(text) => spdx2::read_tag_value(text),
        Kind::Cyclonedx => cyclonedx::read(bytes),
        Kind::CyclonedxXml => cyclonedx::read_xml(bytes),
        Kind::Spdx3 => spdx3::read(bytes),
        Kind::SyftJson => syft::read(bytes),
    }
}

/// Checks `bytes`, an SBOM document, against `profile`. An input that is
/// not a document sbomctl reads is an error
/// ([`crate::Error::as_malformed`]); a document lacking elements is a
/// report that is not [`Report::compliant`].
pub fn check(bytes: &[u8], profile: Profile) -> Result<Report> {
    let sbom = facts(bytes)?;
    let document = match profile {
        Profile::Ntia => ntia::document(&sbom),
        Profile::BsiTr03183 => bsi::document(&sbom),
    };
    let mut missing = Vec::new();
    for c in &sbom.components {
        let mut m = match profile {
            Profile::Ntia => ntia::component(&sbom, c),
            Profile::BsiTr03183 => bsi::component(&sbom, c),
        };
        // The ecosystem explains a missing supplier or creator only when
        // the document names nobody for the component: a creator without
        // an address is not for want of one.
        if c.suppliers.is_empty() && c.creators.is_empty() {
            for m in &mut m {
                if !m.unsupported {
                    m.ecosystem = ecosystem::reason(&c.purl, &m.element).map(str::to_owned);
                }
            }
        }
        if !m.is_empty() {
            missing.push(ComponentReport {
                name: c.label().to_owned(),
                version: c.version.clone(),
                id: if c.purl.is_empty() {
                    c.key.clone()
                } else {
                    c.purl.clone()
                },
                primary: c.primary,
                missing: m,
            });
        }
    }
    let format = if sbom.format.version.is_empty() {
        sbom.format.name.to_owned()
    } else {
        format!("{} {}", sbom.format.name, sbom.format.version)
    };
    Ok(Report {
        profile: profile.as_str().to_owned(),
        format,
        compliant: document.is_empty() && missing.is_empty(),
        components: sbom.components.len(),
        document,
        missing,
    })
}
