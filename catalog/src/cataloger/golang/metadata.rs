//! What a Go module tells renderers.

use serde::{Deserialize, Serialize};

use super::{GoBinaryCataloger, GoModCataloger};
use crate::cataloger::{
    syft_key_values, Cataloger, Checksum, DocumentPackage, EcosystemInfo, EcosystemMetadata,
    SyftFields,
};
use crate::model::Package;

/// Go build settings with a property of their own (see
/// [`GolangMetadata::properties`]); others are listed together in
/// `buildSettingsOther`.
const SETTINGS: &[(&str, &str)] = &[
    ("-asmflags", "buildSetting:-asmflags"),
    ("-buildmode", "buildSetting:-buildmode"),
    ("-compiler", "buildSetting:-compiler"),
    ("-gcflags", "buildSetting:-gcflags"),
    ("-ldflags", "buildSetting:-ldflags"),
    ("-pgo", "buildSetting:-pgo"),
    ("-race", "buildSetting:-race"),
    ("-tags", "buildSetting:-tags"),
    ("-trimpath", "buildSetting:-trimpath"),
    ("CGO_CFLAGS", "buildSetting:CGO_CFLAGS"),
    ("CGO_CPPFLAGS", "buildSetting:CGO_CPPFLAGS"),
    ("CGO_CXXFLAGS", "buildSetting:CGO_CXXFLAGS"),
    ("CGO_ENABLED", "buildSetting:CGO_ENABLED"),
    ("CGO_LDFLAGS", "buildSetting:CGO_LDFLAGS"),
    ("DefaultGODEBUG", "buildSetting:DefaultGODEBUG"),
    ("GO386", "buildSetting:GO386"),
    ("GOAMD64", "buildSetting:GOAMD64"),
    ("GOARCH", "buildSetting:GOARCH"),
    ("GOARM", "buildSetting:GOARM"),
    ("GOARM64", "buildSetting:GOARM64"),
    ("GOEXPERIMENT", "buildSetting:GOEXPERIMENT"),
    ("GOFIPS140", "buildSetting:GOFIPS140"),
    ("GOMIPS", "buildSetting:GOMIPS"),
    ("GOOS", "buildSetting:GOOS"),
    ("GOPPC64", "buildSetting:GOPPC64"),
    ("GORISCV64", "buildSetting:GORISCV64"),
    ("GOWASM", "buildSetting:GOWASM"),
    ("vcs", "buildSetting:vcs"),
    ("vcs.modified", "buildSetting:vcs.modified"),
    ("vcs.revision", "buildSetting:vcs.revision"),
    ("vcs.time", "buildSetting:vcs.time"),
];

/// Fields of a Go module (syft's `GolangBinaryBuildinfoEntry` /
/// `GolangModuleEntry`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GolangMetadata {
    /// The toolchain that built the binary (`go1.22.1`), as recorded.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub go_compiled_version: String,
    /// `GOARCH` of the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// The module's `h1:` checksum (go.sum / build info).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h1_digest: Option<String>,
    /// The main module of the binary this module was found in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_module: Option<String>,
    /// The build settings (main module only), in build info order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_settings: Vec<(String, String)>,
}

impl EcosystemMetadata for GolangMetadata {
    /// A module of an executable: syft's `go-module-buildinfo-entry`
    /// (build settings on the main module only, as syft); a module of a
    /// `go.mod`: `go-module-entry`.
    fn syft_metadata(&self, p: &Package) -> Option<(&'static str, serde_json::Value)> {
        if p.found_by == super::FILE_CATALOGER {
            return Some((
                "go-module-entry",
                SyftFields::new()
                    .omit_empty("h1Digest", self.h1_digest.as_deref())
                    .build(),
            ));
        }
        Some((
            "go-module-buildinfo-entry",
            SyftFields::new()
                .omit_empty(
                    "goBuildSettings",
                    Some(syft_key_values(&self.build_settings)),
                )
                .field("goCompiledVersion", self.go_compiled_version.as_str())
                .field(
                    "architecture",
                    self.architecture.as_deref().unwrap_or_default(),
                )
                .omit_empty("h1Digest", self.h1_digest.as_deref())
                .omit_empty("mainModule", self.main_module.as_deref())
                .build(),
        ))
    }

    /// The `h1:` sum is SHA-256 over the module's file list, not over an
    /// artifact, so it is not a package checksum.
    fn checksums(&self) -> Vec<Checksum> {
        Vec::new()
    }

    fn properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.go_compiled_version.is_empty() {
            out.push(("goCompiledVersion", self.go_compiled_version.clone()));
        }
        if let Some(a) = &self.architecture {
            out.push(("architecture", a.clone()));
        }
        if let Some(h) = &self.h1_digest {
            out.push(("h1Digest", h.clone()));
        }
        if let Some(m) = &self.main_module {
            out.push(("mainModule", m.clone()));
        }
        let mut other = Vec::new();
        for (k, v) in &self.build_settings {
            match SETTINGS.iter().find(|(key, _)| key == k) {
                Some((_, name)) => out.push((name, v.clone())),
                None => other.push(format!("{k}={v}")),
            }
        }
        if !other.is_empty() {
            out.push(("buildSettingsOther", other.join("\n")));
        }
        out
    }

    fn set_property(&mut self, name: &str, value: &str) {
        match name {
            "goCompiledVersion" => self.go_compiled_version = value.to_owned(),
            "architecture" => self.architecture = Some(value.to_owned()),
            "h1Digest" => self.h1_digest = Some(value.to_owned()),
            "mainModule" => self.main_module = Some(value.to_owned()),
            "buildSettingsOther" => self.build_settings.extend(
                value
                    .lines()
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned())),
            ),
            _ => {
                if let Some(key) = name.strip_prefix("buildSetting:") {
                    self.build_settings.push((key.to_owned(), value.to_owned()));
                }
            }
        }
    }
}

impl EcosystemInfo for GolangMetadata {
    const DEPENDENCIES_WITHIN_LOCATION: bool = true;
    const SOURCE_INFO: &'static str = "go module information";

    fn catalogers() -> Vec<Box<dyn Cataloger>> {
        vec![Box::new(GoBinaryCataloger), Box::new(GoModCataloger)]
    }

    fn from_document(_: &DocumentPackage<'_>) -> Self {
        GolangMetadata::default()
    }
}
