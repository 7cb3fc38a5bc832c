//! Compliance checks of an SBOM document: which of the elements a profile
//! requires each component and the document itself lack, and why.
//!
//! Profiles: [`Profile::Ntia`] (the NTIA minimum elements, 2021) and
//! [`Profile::BsiTr03183`] (BSI TR-03183-2 v2.1.0). The document may be in
//! any format [`crate::format::read_document`] reads: SPDX 2.2 / 2.3 JSON,
//! SPDX 3.0.1 JSON-LD, CycloneDX JSON or sbomctl's native JSON. Each
//! format is read into the same facts (what a check looks at), bounded
//! like the readers: serde's recursion limit caps the depth, and the
//! caller caps the size.
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
mod facts;
mod native;
mod ntia;
mod spdx2;
mod spdx3;

use std::fmt::Write as _;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;
use crate::format::read_malformed as malformed;

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
}

impl Missing {
    fn new(element: &str, reason: impl Into<String>) -> Missing {
        Missing {
            element: element.to_owned(),
            reason: reason.into(),
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
            rows.push(["(document)".into(), m.element.clone(), m.reason.clone()]);
        }
        for c in &self.missing {
            let who = if c.version.is_empty() {
                c.name.clone()
            } else {
                format!("{} {}", c.name, c.version)
            };
            for m in &c.missing {
                rows.push([who.clone(), m.element.clone(), m.reason.clone()]);
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

/// The top-level fields that tell the formats apart.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Sniff {
    schema: Option<Value>,
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<Value>,
    #[serde(rename = "bomFormat")]
    bom_format: Option<Value>,
    #[serde(rename = "@context")]
    context: Option<Value>,
}

/// Reads `bytes` in any JSON format sbomctl reads into the facts a check
/// looks at.
fn facts(bytes: &[u8]) -> Result<facts::Sbom> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let sniff: Sniff = match serde_json::from_slice(bytes) {
        Ok(s) => s,
        Err(_) => {
            let head = String::from_utf8_lossy(bytes.get(..64 * 1024).unwrap_or(bytes));
            if head
                .lines()
                .take(50)
                .any(|l| l.trim_start().starts_with("SPDXVersion:"))
            {
                return Err(malformed(
                    "SPDX tag-value input is not checked yet (convert it first: \
                     `sbomctl convert FILE -o spdx-json=FILE.json`)",
                ));
            }
            if head.trim_start().starts_with('<') && head.contains("cyclonedx.org/schema/bom/") {
                return Err(malformed(
                    "CycloneDX XML input is not checked yet (convert it first: \
                     `sbomctl convert FILE -o cyclonedx-json=FILE.json`)",
                ));
            }
            // Let the reader say what the input is (not JSON).
            return match crate::format::read_document(bytes) {
                Ok(_) => Err(malformed(crate::format::NOT_AN_SBOM)),
                Err(e) => Err(e),
            };
        }
    };
    let str_of = |v: &Option<Value>| v.as_ref().and_then(Value::as_str).map(str::to_owned);
    let native = sniff
        .schema
        .as_ref()
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        == Some("sbomctl-catalog");
    if native {
        let version = sniff
            .schema
            .as_ref()
            .and_then(|s| s.get("version"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let catalog = crate::format::read_document(bytes)?;
        return Ok(native::from_catalog(&catalog, &version));
    }
    if let Some(v) = str_of(&sniff.spdx_version) {
        return match v.as_str() {
            "SPDX-2.2" | "SPDX-2.3" => spdx2::read(bytes),
            _ => Err(malformed(format!(
                "SPDX version `{v}` is not supported (SPDX-2.2, SPDX-2.3)"
            ))),
        };
    }
    if str_of(&sniff.bom_format).as_deref() == Some("CycloneDX") {
        return cyclonedx::read(bytes);
    }
    if sniff
        .context
        .is_some_and(|c| c.to_string().contains("spdx.org/rdf/3"))
    {
        return spdx3::read(bytes);
    }
    Err(malformed(crate::format::NOT_AN_SBOM))
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
        let m = match profile {
            Profile::Ntia => ntia::component(c),
            Profile::BsiTr03183 => bsi::component(&sbom, c),
        };
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
