//! Rendering a [`Catalog`] as a document: native JSON, table, SPDX
//! (tag-value and JSON), SPDX 3 (JSON-LD) and CycloneDX (JSON and XML); and reading native
//! JSON, SPDX JSON and CycloneDX JSON back ([`read_document`]).
//!
//! One folder per format (`<format>/{mod.rs, write.rs, read.rs}`); what
//! several formats share sits here: [`common`] (names, identifiers,
//! timestamps), `read` (sniffing and the mapping every reader shares) and
//! [`validate`] (value checks the specs' schemas impose).

mod author;
pub mod common;
mod cyclonedx;
mod github;
pub mod index_doc;
mod json;
mod purls;
mod read;
mod spdx;
mod spdx3;
mod syft_json;
mod table;
pub mod validate;

pub use author::SbomAuthor;
pub use cyclonedx::CYCLONEDX_FOUND_BY;
// For the diff's lean CycloneDX XML reader (crate::diff::cyclonedx_xml).
pub(crate) use cyclonedx::{walk_xml, XmlAttrs, XmlSink};
pub use json::SCHEMA_VERSION;
pub(crate) use read::{malformed as read_malformed, nullable as read_nullable};
pub use read::{read_document, NOT_AN_SBOM};
// For the diff's lean reader (crate::diff::lean).
pub(crate) use read::{
    cyclonedx_xml, kind_of, locations_from, nullable, parse_purl, read_kind, sniff, Kind, Sniff,
};
// For check's CycloneDX XML and SPDX tag-value readers.
pub(crate) use cyclonedx::{parse_xml, XmlNode};
pub(crate) use spdx::tag_value_pairs;
pub use spdx::SPDX_FOUND_BY;
pub(crate) use spdx::{annotation_entries, spdx_actor, spdx_licenses};
pub use spdx3::Spdx3Version;
pub use syft_json::SYFT_SCHEMA_VERSION;
// For the diff's lean syft JSON reader (crate::diff::syft_json).
pub(crate) use syft_json::{
    licenses as syft_licenses, supplier_of as syft_supplier, SyftCpe, SyftLicense,
};

use std::fmt;
use std::str::FromStr;

use crate::model::Catalog;

/// SPDX specification versions we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SpdxVersion {
    /// SPDX 2.2.
    V2_2,
    /// SPDX 2.3.
    V2_3,
}

/// CycloneDX specification versions we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CyclonedxVersion {
    /// CycloneDX 1.4.
    V1_4,
    /// CycloneDX 1.5.
    V1_5,
    /// CycloneDX 1.6.
    V1_6,
    /// CycloneDX 1.7 (the default, as syft's since 1.7 support landed).
    V1_7,
}

impl SpdxVersion {
    /// `2.2` / `2.3`.
    pub fn as_str(self) -> &'static str {
        match self {
            SpdxVersion::V2_2 => "2.2",
            SpdxVersion::V2_3 => "2.3",
        }
    }
}

impl CyclonedxVersion {
    /// `1.4` / `1.5` / `1.6` / `1.7`.
    pub fn as_str(self) -> &'static str {
        match self {
            CyclonedxVersion::V1_4 => "1.4",
            CyclonedxVersion::V1_5 => "1.5",
            CyclonedxVersion::V1_6 => "1.6",
            CyclonedxVersion::V1_7 => "1.7",
        }
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// sbomctl's native JSON (lossless; see docs/json-schema.md).
    Json,
    /// A human-readable table.
    Table,
    /// SPDX tag-value (`spdx`, `spdx-tag-value`; 2.2 by default).
    SpdxTagValue(SpdxVersion),
    /// SPDX JSON (`spdx-json`; 2.3 by default).
    SpdxJson(SpdxVersion),
    /// SPDX 3 JSON-LD (`spdx3-json`; 3.0.1).
    Spdx3Json(Spdx3Version),
    /// CycloneDX JSON (`cyclonedx-json`; 1.7 by default, as syft).
    CyclonedxJson(CyclonedxVersion),
    /// CycloneDX XML (`cyclonedx-xml`, `cyclonedx`; 1.7 by default).
    CyclonedxXml(CyclonedxVersion),
    /// syft's own JSON (`syft-json`), schema [`SYFT_SCHEMA_VERSION`].
    SyftJson,
    /// One PURL per line (`purls`), as syft writes them.
    Purls,
    /// GitHub's dependency submission snapshot (`github-json`, `github`),
    /// as syft's encoder writes it.
    GithubJson,
}

impl Format {
    /// All format names, for help and errors.
    pub const NAMES: &'static [&'static str] = &[
        "json",
        "table",
        "spdx",
        "spdx-tag-value",
        "spdx-json",
        "spdx3-json",
        "cyclonedx-json",
        "cyclonedx-xml",
        "cyclonedx",
        "syft-json",
        "purls",
        "github-json",
        "github",
    ];
}

fn parse_spdx_version(v: Option<&str>, default: SpdxVersion) -> Result<SpdxVersion, String> {
    match v {
        None => Ok(default),
        Some("2.2") => Ok(SpdxVersion::V2_2),
        Some("2.3") => Ok(SpdxVersion::V2_3),
        Some(other) => Err(format!(
            "SPDX version `{other}` is not supported (2.2, 2.3)"
        )),
    }
}

fn parse_cdx_version(v: Option<&str>) -> Result<CyclonedxVersion, String> {
    match v {
        // syft's default (cyclonedxutil.DefaultVersion) is 1.7.
        None | Some("1.7") => Ok(CyclonedxVersion::V1_7),
        Some("1.6") => Ok(CyclonedxVersion::V1_6),
        Some("1.5") => Ok(CyclonedxVersion::V1_5),
        Some("1.4") => Ok(CyclonedxVersion::V1_4),
        Some(other) => Err(format!(
            "CycloneDX version `{other}` is not supported (1.4, 1.5, 1.6, 1.7)"
        )),
    }
}

impl FromStr for Format {
    type Err = String;
    /// Parses `NAME[@VERSION]`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, version) = match s.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (s, None),
        };
        let no_version = |f: Format| match version {
            None => Ok(f),
            Some(v) => Err(format!("format `{name}` has no versions (got @{v})")),
        };
        match name {
            "json" | "sbomctl-json" => no_version(Format::Json),
            "table" => no_version(Format::Table),
            "spdx" | "spdx-tag-value" | "spdx-tv" => Ok(Format::SpdxTagValue(parse_spdx_version(
                version,
                SpdxVersion::V2_2,
            )?)),
            "spdx-json" => Ok(Format::SpdxJson(parse_spdx_version(
                version,
                SpdxVersion::V2_3,
            )?)),
            "spdx3-json" => match version {
                None | Some("3.0.1") => Ok(Format::Spdx3Json(Spdx3Version::V3_0_1)),
                Some(other) => Err(format!("SPDX 3 version `{other}` is not supported (3.0.1)")),
            },
            "cyclonedx-json" => Ok(Format::CyclonedxJson(parse_cdx_version(version)?)),
            "cyclonedx-xml" | "cyclonedx" => Ok(Format::CyclonedxXml(parse_cdx_version(version)?)),
            "syft-json" => match version {
                None => Ok(Format::SyftJson),
                Some(v) if v == SYFT_SCHEMA_VERSION => Ok(Format::SyftJson),
                Some(v) => Err(format!(
                    "syft-json schema version `{v}` is not supported ({SYFT_SCHEMA_VERSION})"
                )),
            },
            "purls" => no_version(Format::Purls),
            "github-json" | "github" => no_version(Format::GithubJson),
            other => Err(format!(
                "unknown output format `{other}` (expected one of: {})",
                Format::NAMES.join(", ")
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Json => f.write_str("json"),
            Format::Table => f.write_str("table"),
            Format::SpdxTagValue(v) => write!(f, "spdx-tag-value@{}", v.as_str()),
            Format::SpdxJson(v) => write!(f, "spdx-json@{}", v.as_str()),
            Format::Spdx3Json(v) => write!(f, "spdx3-json@{}", v.as_str()),
            Format::CyclonedxJson(v) => write!(f, "cyclonedx-json@{}", v.as_str()),
            Format::CyclonedxXml(v) => write!(f, "cyclonedx-xml@{}", v.as_str()),
            Format::SyftJson => write!(f, "syft-json@{SYFT_SCHEMA_VERSION}"),
            Format::Purls => f.write_str("purls"),
            Format::GithubJson => f.write_str("github-json"),
        }
    }
}

/// What a rendering needs beyond the catalog. Keeping the clock out of the
/// renderers makes them pure: the same catalog and options give the same
/// bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Creation time, RFC 3339 UTC with seconds (`2024-01-02T03:04:05Z`).
    pub created: String,
    /// The name of the scanned thing in documents, instead of the one
    /// derived from the source (syft's `--source-name`).
    pub source_name: Option<String>,
    /// The version of the scanned thing in documents, instead of the
    /// manifest digest (syft's `--source-version`).
    pub source_version: Option<String>,
    /// The supplier of the scanned image or directory (syft's
    /// `--source-supplier`): an organisation, written as the root's
    /// supplier and as the supplier of every package nothing else names
    /// one for.
    pub source_supplier: Option<String>,
    /// Who made the SBOM (`--sbom-author`), in the order given; the tool
    /// is always named besides.
    pub authors: Vec<SbomAuthor>,
}

impl RenderOptions {
    /// Creation time from `SOURCE_DATE_EPOCH` when set (an integer number
    /// of seconds), else now. An unparsable value is an error naming it.
    pub fn from_env() -> Result<Self, String> {
        let secs = match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(v) => v
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("SOURCE_DATE_EPOCH=`{v}` is not a number of seconds"))?,
            Err(_) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        };
        Ok(RenderOptions::at(secs))
    }

    /// Options with a fixed creation time (tests, conversions).
    pub fn at(secs: i64) -> Self {
        RenderOptions {
            created: common::rfc3339(secs),
            source_name: None,
            source_version: None,
            source_supplier: None,
            authors: Vec::new(),
        }
    }
}

/// Renders `catalog` in `format`. Output is deterministic: the same catalog
/// and options give the same bytes.
pub fn render(catalog: &Catalog, format: Format, options: &RenderOptions) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = render_to(catalog, format, options, &mut out);
    out
}

/// [`render`] into `w`, a package at a time: the document is never held
/// whole, so memory stays bounded by the catalog, not by the output.
pub fn render_to(
    catalog: &Catalog,
    format: Format,
    options: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write_to(catalog, w),
        Format::Table => table::write_to(catalog, w),
        Format::SpdxTagValue(v) => spdx::render_tag_value(catalog, v, options, w),
        Format::SpdxJson(v) => spdx::render_json(catalog, v, options, w),
        Format::Spdx3Json(v) => spdx3::render_json(catalog, v, options, w),
        Format::CyclonedxJson(v) => cyclonedx::render_json(catalog, v, options, w),
        Format::CyclonedxXml(v) => cyclonedx::render_xml(catalog, v, options, w),
        Format::SyftJson => syft_json::write_to(catalog, options, w),
        Format::Purls => purls::write_to(catalog, w),
        Format::GithubJson => github::write_to(catalog, options, w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions_parse() {
        assert_eq!("spdx".parse(), Ok(Format::SpdxTagValue(SpdxVersion::V2_2)));
        assert_eq!(
            "spdx@2.3".parse(),
            Ok(Format::SpdxTagValue(SpdxVersion::V2_3))
        );
        assert_eq!("spdx-json".parse(), Ok(Format::SpdxJson(SpdxVersion::V2_3)));
        assert_eq!(
            "spdx-json@2.2".parse(),
            Ok(Format::SpdxJson(SpdxVersion::V2_2))
        );
        assert_eq!(
            "cyclonedx-json@1.4".parse(),
            Ok(Format::CyclonedxJson(CyclonedxVersion::V1_4))
        );
        assert_eq!(
            "cyclonedx".parse(),
            Ok(Format::CyclonedxXml(CyclonedxVersion::V1_7))
        );
        assert_eq!(
            "cyclonedx-json".parse(),
            Ok(Format::CyclonedxJson(CyclonedxVersion::V1_7))
        );
        assert_eq!(
            "cyclonedx-xml@1.6".parse(),
            Ok(Format::CyclonedxXml(CyclonedxVersion::V1_6))
        );
        assert!("spdx@3.0"
            .parse::<Format>()
            .unwrap_err()
            .contains("2.2, 2.3"));
        assert!("json@1".parse::<Format>().is_err());
        assert_eq!("syft-json".parse(), Ok(Format::SyftJson));
        assert_eq!("syft-json@16.1.10".parse(), Ok(Format::SyftJson));
        assert!("syft-json@15.0.0"
            .parse::<Format>()
            .unwrap_err()
            .contains("16.1.10"));
        assert_eq!(
            "spdx3-json".parse(),
            Ok(Format::Spdx3Json(Spdx3Version::V3_0_1))
        );
        assert_eq!(
            "spdx3-json@3.0.1".parse(),
            Ok(Format::Spdx3Json(Spdx3Version::V3_0_1))
        );
        assert!("spdx3-json@3.0.0"
            .parse::<Format>()
            .unwrap_err()
            .contains("3.0.1"));
        assert_eq!("purls".parse(), Ok(Format::Purls));
        assert!("purls@1".parse::<Format>().is_err());
        assert_eq!("github-json".parse(), Ok(Format::GithubJson));
        assert_eq!("github".parse(), Ok(Format::GithubJson));
        assert!("nope"
            .parse::<Format>()
            .unwrap_err()
            .contains("unknown output format"));
    }
}
