//! What an rpm header tells renderers.

use serde::{Deserialize, Serialize};

use super::RpmCataloger;
use crate::cataloger::{
    Cataloger, DocumentPackage, DocumentSupplier, EcosystemInfo, EcosystemMetadata, Supplier,
};

/// Fields of one installed rpm header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RpmMetadata {
    /// `NAME`
    pub name: String,
    /// `EPOCH`, when the package has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
    /// `VERSION`
    pub version: String,
    /// `RELEASE`
    pub release: String,
    /// `ARCH`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// `SOURCERPM`, the source package file name (`bash-5.1-2.el9.src.rpm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_rpm: Option<String>,
    /// Installed size in bytes (`LONGSIZE`, else `SIZE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `VENDOR`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// `PACKAGER`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packager: Option<String>,
    /// `URL`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `SUMMARY`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `MODULARITYLABEL` (RHEL 8 modules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modularity_label: Option<String>,
    /// `SIGMD5`: MD5 over the header and payload, lowercase hex. Kept as a
    /// property, not a package checksum: it is not a digest of the `.rpm`
    /// file (which also holds the lead and signature header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigmd5: Option<String>,
    /// `SHA256HEADER`, else `SHA1HEADER`: digest of the header, as stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_digest: Option<String>,
    /// `PROVIDENAME`, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provides: Vec<String>,
    /// `REQUIRENAME`, as written, duplicates removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
}

impl EcosystemMetadata for RpmMetadata {
    fn syft_metadata(
        &self,
        _: &crate::model::Package,
    ) -> Option<(&'static str, serde_json::Value)> {
        Some((
            "rpm-db-entry",
            serde_json::json!({
                "name": self.name,
                "version": self.version,
                "epoch": self.epoch,
                "architecture": self.architecture.as_deref().unwrap_or_default(),
                "release": self.release,
                "sourceRpm": self.source_rpm.as_deref().unwrap_or_default(),
                "size": self.size.unwrap_or_default(),
                "vendor": self.vendor.as_deref().unwrap_or_default(),
                "modularityLabel": self.modularity_label.as_deref().unwrap_or_default(),
                "provides": self.provides,
                "requires": self.requires,
            }),
        ))
    }

    /// The vendor (`Red Hat, Inc.`) is the supplier, an organisation (SPDX
    /// `Organization:`, as syft writes it); packages without one fall back
    /// to the packager, a person or team string like a dpkg maintainer.
    /// An organisation is the vendor; a person the packager.
    fn set_supplier(&mut self, s: &DocumentSupplier<'_>) {
        if s.organization {
            self.vendor = Some(s.name.to_owned());
        } else {
            self.packager = Some(s.person());
        }
    }

    fn supplier(&self) -> Option<Supplier<'_>> {
        Supplier::organization(self.vendor.as_deref())
            .or_else(|| Supplier::maintainer(self.packager.as_deref()))
    }

    fn description(&self) -> Option<&str> {
        self.summary.as_deref()
    }

    fn homepage(&self) -> Option<&str> {
        self.url.as_deref()
    }

    fn properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let fields = [
            ("epoch", self.epoch.map(|e| e.to_string())),
            ("release", Some(self.release.clone())),
            ("architecture", self.architecture.clone()),
            ("sourceRpm", self.source_rpm.clone()),
            ("size", self.size.map(|v| v.to_string())),
            ("vendor", self.vendor.clone()),
            ("packager", self.packager.clone()),
            ("modularityLabel", self.modularity_label.clone()),
            ("sigmd5", self.sigmd5.clone()),
            ("headerDigest", self.header_digest.clone()),
        ];
        for (k, v) in fields {
            out.extend(v.filter(|v| !v.is_empty()).map(|v| (k, v)));
        }
        out
    }

    fn set_property(&mut self, name: &str, value: &str) {
        let text = Some(value.to_owned());
        match name {
            "epoch" => self.epoch = value.parse().ok(),
            "release" => self.release = value.to_owned(),
            "architecture" => self.architecture = text,
            "sourceRpm" => self.source_rpm = text,
            "size" => self.size = value.parse().ok(),
            "vendor" => self.vendor = text,
            "packager" => self.packager = text,
            "modularityLabel" => self.modularity_label = text,
            "sigmd5" => self.sigmd5 = text,
            "headerDigest" => self.header_digest = text,
            _ => {}
        }
    }

    fn provides(&self) -> &[String] {
        &self.provides
    }
}

impl EcosystemInfo for RpmMetadata {
    const SOURCE_INFO: &'static str = "RPM DB";
    const OS_PACKAGE: bool = true;
    const DEPENDENCIES_COMPLETE: bool = true;

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        vec![Box::new(RpmCataloger)]
    }

    /// From the PURL: `pkg:rpm/NS/NAME@[EPOCH:]VERSION-RELEASE?arch=…&upstream=…`
    /// (an `epoch` qualifier, as syft writes it, is read too).
    fn from_document(p: &DocumentPackage<'_>) -> Self {
        let (epoch, rest) = match p.version.split_once(':') {
            Some((e, rest)) if e.bytes().all(|b| b.is_ascii_digit()) && !e.is_empty() => {
                (e.parse().ok(), rest)
            }
            _ => (None, p.version),
        };
        let epoch = epoch.or_else(|| p.qualifier("epoch").and_then(|e| e.parse().ok()));
        let (version, release) = rest.rsplit_once('-').unwrap_or((rest, ""));
        RpmMetadata {
            name: p.name.to_owned(),
            epoch,
            version: version.to_owned(),
            release: release.to_owned(),
            architecture: p.qualifier("arch").map(str::to_owned),
            source_rpm: p.qualifier("upstream").map(str::to_owned),
            ..RpmMetadata::default()
        }
    }

    fn license_to_spdx(declared: &str) -> Option<String> {
        super::license::to_spdx(declared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(vendor: Option<&str>, packager: Option<&str>) -> RpmMetadata {
        RpmMetadata {
            vendor: vendor.map(str::to_owned),
            packager: packager.map(str::to_owned),
            ..RpmMetadata::default()
        }
    }

    #[test]
    fn the_vendor_is_an_organisation_and_the_packager_a_fallback() {
        let packager = "Fedora Release Engineering <releng@fedoraproject.org>";
        assert_eq!(
            meta(Some("Red Hat, Inc."), Some(packager)).supplier(),
            Some(Supplier::Organization("Red Hat, Inc."))
        );
        for vendor in [None, Some(""), Some("(none)")] {
            assert_eq!(
                meta(vendor, Some(packager)).supplier(),
                Some(Supplier::Maintainer(packager)),
                "{vendor:?}"
            );
        }
        assert_eq!(meta(None, Some(" ")).supplier(), None);
    }
}
