//! Java archive cataloger: jar, war, ear, par, sar, nar, jpi and hpi
//! files anywhere in the image, including archives nested in them (fat
//! jars, `WEB-INF/lib`, `BOOT-INF/lib`, an ear's `lib/`), as syft's
//! `java-archive-cataloger` finds them.
//!
//! Archives can be large and live anywhere, so they are not read through
//! the small-file path: [`zip_stream::walk`] reads each one once as its
//! layer streams, front to back by local headers, keeping only
//! `META-INF/MANIFEST.MF` and `META-INF/maven/**/pom.{properties,xml}` of
//! each (nested) archive ([`zip_stream::Archive`]). [`packages`] turns
//! what was kept into packages: one per identity found, nested ones linked
//! to the package they were found in.
//!
//! Identity, per archive (see `docs/catalogers.md` for the differences
//! from syft): the `pom.properties` whose artifactId matches the file
//! name, then the embedded `pom.xml` (groupId and version inherited from
//! its parent), then `MANIFEST.MF`, then the file name
//! (`name-1.2.3.jar`). Every other `pom.properties` (a shaded jar) is a
//! package of its own, which the archive's package depends on.
//!
//! Specs: <https://maven.apache.org/pom.html>,
//! <https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html>,
//! <https://github.com/package-url/purl-spec/blob/master/PURL-TYPES.rst#maven>.

mod extract;
pub mod manifest;
mod metadata;
pub mod pom_properties;
pub mod pom_xml;
pub mod zip_stream;

pub use extract::{decode, encode, JarExtractor, ID as EXTRACTOR_ID};
pub use metadata::{MavenMetadata, MavenSupplier};

use manifest::Manifest;
use pom_properties::PomProperties;
use pom_xml::PomProject;
use serde::{Deserialize, Serialize};
use zip_stream::{Archive, KeptKind};

use std::sync::Arc;

use super::{Cataloger, Context, Extractor, FileTree, Findings, Rule};
use crate::cpe;
use crate::model::{Diagnostic, Severity};
use crate::model::{Ecosystem, Licenses, Location, Metadata, Package};
use crate::purl::Purl;

/// The name packages are reported as found by, as syft names it.
pub const FOUND_BY: &str = "java-archive-cataloger";

/// Catalogs Java archives.
pub struct MavenCataloger;

impl Cataloger for MavenCataloger {
    fn name(&self) -> &'static str {
        FOUND_BY
    }

    // Archives are read by the streaming extractor, not as small files.
    fn wanted(&self) -> Vec<Rule> {
        Vec::new()
    }

    fn extractors(&self) -> Vec<Arc<dyn Extractor>> {
        vec![Arc::new(JarExtractor::default())]
    }

    fn catalog(&self, files: &FileTree, _ctx: &Context, out: &mut Findings) {
        for finding in files.findings(EXTRACTOR_ID) {
            let location = finding.location();
            let Some(parsed) = decode(&finding.data) else {
                out.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    location: Some(location),
                    message: "java archive metadata unreadable; skipped".to_owned(),
                });
                continue;
            };
            let found = packages_of(&parsed, &location);
            for message in found.problems {
                out.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    location: Some(location.clone()),
                    message,
                });
            }
            out.packages.extend(found.packages);
        }
    }
}

/// What [`packages`] found in one walked archive.
#[derive(Debug, Default)]
pub struct Found {
    /// Packages, the archive's own first, nested ones after their parent.
    pub packages: Vec<Package>,
    /// Problems, each naming the path chain inside the archive.
    pub problems: Vec<String>,
}

/// The packages of a walked archive found at `location` (the top-level
/// file in the image). Nested packages share that location; their
/// metadata's `virtual_path` says where inside it they are.
pub fn packages(archive: &Archive, location: &Location) -> Found {
    packages_of(&Parsed::from_archive(archive), location)
}

/// [`packages`] from an archive's parsed metadata (a finding read back).
pub fn packages_of(archive: &Parsed, location: &Location) -> Found {
    let mut found = Found::default();
    identify(archive, &location.path, None, location, &mut found, 0);
    found
}

/// The identity fields of one package before it becomes a [`Package`].
struct Identity {
    group: String,
    name: String,
    version: String,
    licenses: Vec<String>,
    properties: Option<PomProperties>,
    project: Option<PomProject>,
}

/// What identity is read from in one (nested) archive: its kept metadata
/// files parsed, the compact form a finding stores.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parsed {
    /// The path chain (`app.war!/WEB-INF/lib/x.jar`).
    pub chain: String,
    /// `MANIFEST.MF`, without per-entry digests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<Manifest>,
    /// Every `pom.properties` with an artifactId and a version, by path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<PomProperties>,
    /// Every `pom.xml`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<PomProject>,
    /// Nested archives.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nested: Vec<Parsed>,
    /// Problems, each naming the path chain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl Parsed {
    /// Parses what the walker kept of `archive` and of every archive
    /// nested in it (the walker bounds the nesting).
    pub fn from_archive(archive: &Archive) -> Parsed {
        let mut parsed = Parsed {
            chain: archive.chain.clone(),
            problems: archive.problems.clone(),
            nested: archive.nested.iter().map(Parsed::from_archive).collect(),
            ..Parsed::default()
        };
        for kept in &archive.kept {
            let chain = format!("{}!/{}", archive.chain, kept.path);
            match kept.kind {
                KeptKind::Manifest => {
                    if kept.truncated
                        && !manifest::main_section_complete(&kept.data, kept.truncated)
                    {
                        parsed.problems.push(format!(
                            "{chain}: main section longer than {} bytes; read in part",
                            zip_stream::MAX_MANIFEST
                        ));
                    }
                    if parsed.manifest.is_none() {
                        let mut m = manifest::parse(&kept.data);
                        // Signed jars list a digest per entry: not identity.
                        for section in &mut m.sections {
                            section.retain(|(k, _)| k != "Name" && !k.ends_with("-Digest"));
                        }
                        m.sections.retain(|s| !s.is_empty());
                        parsed.manifest = Some(m);
                    }
                }
                KeptKind::PomProperties => {
                    if kept.truncated {
                        parsed.problems.push(format!(
                            "{chain}: longer than {} bytes; read in part",
                            zip_stream::MAX_POM_PROPERTIES
                        ));
                    }
                    let p = pom_properties::parse(&kept.path, &kept.data);
                    // syft skips a pom.properties without artifactId or version.
                    if !p.artifact_id.is_empty() && !p.version.is_empty() {
                        parsed.properties.push(p);
                    }
                }
                KeptKind::PomXml => {
                    if kept.truncated {
                        parsed.problems.push(format!(
                            "{chain}: longer than {} bytes; read in part",
                            zip_stream::MAX_POM_XML
                        ));
                    }
                    parsed.projects.push(pom_xml::parse(&kept.path, &kept.data));
                }
            }
        }
        parsed.properties.sort_by(|a, b| a.path.cmp(&b.path));
        parsed
    }

    /// The last component of [`Parsed::chain`]: the archive's file name.
    pub fn file_name(&self) -> &str {
        let last = self.chain.rsplit("!/").next().unwrap_or(&self.chain);
        last.rsplit('/').next().unwrap_or(last)
    }
}

fn identify(
    archive: &Parsed,
    virtual_path: &str,
    parent: Option<&str>,
    location: &Location,
    found: &mut Found,
    depth: usize,
) {
    found.problems.extend(archive.problems.iter().cloned());
    // The walker bounds nesting; a finding read back is bounded here too.
    if depth > MAX_DEPTH {
        return;
    }
    let manifest = archive.manifest.clone();
    let properties = &archive.properties;
    let projects = &archive.projects;

    let file = FileName::parse(archive.file_name());
    let project_beside = |props: &PomProperties| -> Option<PomProject> {
        let dir = parent_dir(&props.path);
        projects
            .iter()
            .find(|p| parent_dir(&p.path) == dir)
            .cloned()
    };

    // The archive's own package.
    let best = best_match(properties, projects, &file.name);
    let mut main: Option<Identity> = None;
    {
        let (props, project) = match best {
            Some(i) => {
                let p = properties.get(i).cloned();
                let proj = p.as_ref().and_then(&project_beside);
                (p, proj)
            }
            None if properties.is_empty() && projects.len() == 1 => {
                (None, projects.first().cloned())
            }
            None => (None, None),
        };
        let mut group = props
            .as_ref()
            .map(|p| p.group_id.clone())
            .unwrap_or_default();
        let mut name = props
            .as_ref()
            .map(|p| p.artifact_id.clone())
            .unwrap_or_default();
        let mut version = props
            .as_ref()
            .map(|p| p.version.clone())
            .unwrap_or_default();
        if let Some(proj) = &project {
            fill(&mut group, &proj.group_id);
            fill(&mut name, &proj.artifact_id);
            fill(&mut version, &proj.version);
        }
        if name.is_empty() {
            name = select_name(manifest.as_ref(), &file);
        }
        if version.is_empty() {
            version = select_version(manifest.as_ref(), &file);
        }
        // syft needs a manifest for the archive's own package; an archive
        // with only maven metadata or a versioned file name is one here.
        let evidence =
            manifest.is_some() || props.is_some() || project.is_some() || !file.version.is_empty();
        if evidence && !name.is_empty() {
            let mut licenses = manifest.as_ref().map(manifest_licenses).unwrap_or_default();
            if licenses.is_empty() {
                licenses = project
                    .as_ref()
                    .map(|p| p.licenses.clone())
                    .unwrap_or_default();
            }
            main = Some(Identity {
                group,
                name,
                version,
                licenses,
                properties: props,
                project,
            });
        }
    }

    let main_key = main.as_ref().map(|_| virtual_path.to_owned());
    let mut dependencies: Vec<String> = Vec::new();
    let mut aux: Vec<Package> = Vec::new();
    for props in properties {
        if let Some(m) = &main {
            // syft merges a pom.properties into the archive's package when
            // groupId, artifactId and version match or the artifactId is
            // the package's name; the second contains the first.
            if m.name == props.artifact_id {
                continue;
            }
        }
        let key = format!("{virtual_path}:{}:{}", props.group_id, props.artifact_id);
        let project = project_beside(props);
        let identity = Identity {
            group: props.group_id.clone(),
            name: props.artifact_id.clone(),
            version: props.version.clone(),
            licenses: project
                .as_ref()
                .map(|p| p.licenses.clone())
                .unwrap_or_default(),
            properties: Some(props.clone()),
            project,
        };
        let owner = main_key.as_deref().or(parent);
        aux.push(package(identity, None, &key, owner, location, found));
        if main_key.is_some() {
            dependencies.push(key);
        }
    }
    let own_parent = main_key.as_deref().or(parent);
    for nested in &archive.nested {
        let entry = nested
            .chain
            .strip_prefix(&archive.chain)
            .and_then(|s| s.strip_prefix("!/"))
            .unwrap_or(&nested.chain);
        let nested_path = format!("{virtual_path}:{entry}");
        let mut inner = Found::default();
        identify(
            nested,
            &nested_path,
            own_parent,
            location,
            &mut inner,
            depth + 1,
        );
        found.problems.extend(inner.problems);
        // The archive's package depends on the nested archive's own one.
        if main_key.is_some()
            && inner
                .packages
                .first()
                .is_some_and(|p| is_at(p, &nested_path))
        {
            dependencies.push(nested_path);
        }
        aux.extend(inner.packages);
    }
    if let Some(m) = main {
        let mut p = package(
            m,
            Some(manifest.as_ref()),
            virtual_path,
            parent,
            location,
            found,
        );
        p.dependencies = dependencies;
        found.packages.push(p);
    }
    found.packages.extend(aux);
}

/// Deepest nesting identified (the walker stops well before).
const MAX_DEPTH: usize = 64;

fn is_at(p: &Package, virtual_path: &str) -> bool {
    matches!(&p.metadata, Metadata::Maven(m) if m.virtual_path == virtual_path)
}

fn fill(target: &mut String, value: &str) {
    if target.is_empty() {
        value.clone_into(target);
    }
}

fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The `pom.properties` that names the archive itself, as syft picks it:
/// the one whose artifactId is the file name's, else one whose artifactId
/// starts with it or that the file name ends with; among several, the
/// first with a `pom.xml` beside it.
fn best_match(
    properties: &[PomProperties],
    projects: &[PomProject],
    file_name: &str,
) -> Option<usize> {
    if file_name.is_empty() {
        return None;
    }
    let exact = properties.iter().any(|p| p.artifact_id == file_name);
    let matches = |p: &PomProperties| {
        if p.artifact_id.is_empty() {
            false
        } else if exact {
            p.artifact_id == file_name
        } else {
            p.artifact_id.starts_with(file_name) || file_name.ends_with(&p.artifact_id)
        }
    };
    let has_project = |p: &PomProperties| {
        let dir = parent_dir(&p.path);
        projects.iter().any(|x| parent_dir(&x.path) == dir)
    };
    let mut best: Option<usize> = None;
    for (i, p) in properties.iter().enumerate() {
        if !matches(p) {
            continue;
        }
        match best {
            None => best = Some(i),
            Some(b) => {
                if !properties.get(b).is_some_and(has_project) && has_project(p) {
                    best = Some(i);
                }
            }
        }
    }
    // A single pom.properties names the archive even under another name
    // (`commons-lang3.jar` holding `commons-lang3`; a renamed jar).
    best.or_else(|| (properties.len() == 1).then_some(0))
}

/// A file name split as syft splits it: `name-1.2.3.jar` → (`name`,
/// `1.2.3`). The version starts at the first `-`-separated part that
/// starts with a digit, or is `build` or `r`/`rc` followed by a digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    /// The name part.
    pub name: String,
    /// The version part, empty when there is none.
    pub version: String,
}

impl FileName {
    /// Splits `file` (with its extension).
    pub fn parse(file: &str) -> FileName {
        let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
        let parts: Vec<&str> = stem.split('-').collect();
        let starts_version = |p: &str| {
            let digit_after = |prefix: &str| {
                p.strip_prefix(prefix)
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
            };
            p.starts_with(|c: char| c.is_ascii_digit())
                || digit_after("build")
                || digit_after("rc")
                || digit_after("r")
        };
        let at = parts
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, p)| starts_version(p))
            .map_or(parts.len(), |(i, _)| i);
        FileName {
            name: parts.get(..at).unwrap_or(&[]).join("-"),
            version: parts.get(at..).unwrap_or(&[]).join("-"),
        }
    }
}

/// The name from the file name and manifest: the file name, then (as
/// syft's `selectName`) the Maven bundle plugin's `Bundle-SymbolicName`,
/// then the manifest's names. syft tries the bundle plugin's name first,
/// which names `commons-logging-1.2.jar` `logging`.
fn select_name(manifest: Option<&Manifest>, file: &FileName) -> String {
    let from_file = name_from_file(&file.name);
    if !from_file.is_empty() {
        return from_file;
    }
    if let Some(m) = manifest {
        let bundle_plugin = m
            .main_value("Created-By")
            .is_some_and(|c| c.contains("Apache Maven Bundle Plugin"));
        if let (true, Some(sym)) = (bundle_plugin, m.main_value("Bundle-SymbolicName")) {
            if m.main_value("Implementation-Vendor-Id") != Some(sym) {
                let sym = sym.split(';').next().unwrap_or(sym).trim();
                if let Some(last) = sym.rsplit('.').next().filter(|s| !s.is_empty()) {
                    return last.to_owned();
                }
            }
        }
    }
    manifest
        .and_then(|m| {
            [
                "Name",
                "Bundle-Name",
                "Short-Name",
                "Extension-Name",
                "Implementation-Title",
            ]
            .iter()
            .find_map(|k| m.main_value(k))
        })
        .unwrap_or_default()
        .to_owned()
}

/// A file name that looks like `group.artifact` gives the artifact.
fn name_from_file(name: &str) -> String {
    if name.contains('.') && !name.starts_with("org.eclipse.") {
        let fields: Vec<&str> = name.split('.').collect();
        let identifiers = fields.iter().all(|f| {
            f.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        });
        if identifiers {
            return fields.last().copied().unwrap_or(name).to_owned();
        }
    }
    name.to_owned()
}

/// The version from the manifest, then from the file name.
fn select_version(manifest: Option<&Manifest>, file: &FileName) -> String {
    manifest
        .and_then(|m| {
            [
                "Implementation-Version",
                "Specification-Version",
                "Plugin-Version",
                "Bundle-Version",
            ]
            .iter()
            .find_map(|k| m.value(k))
        })
        .map_or_else(|| file.version.clone(), str::to_owned)
}

fn manifest_licenses(m: &Manifest) -> Vec<String> {
    ["Bundle-License", "Plugin-License-Name"]
        .iter()
        .filter_map(|k| m.value(k))
        .map(str::to_owned)
        .collect()
}

/// Domains a groupId is recognised by when it comes from the manifest.
const DOMAINS: [&str; 5] = ["com", "org", "net", "io", "be"];

fn looks_like_group(value: &str) -> bool {
    DOMAINS.iter().any(|d| {
        value
            .strip_prefix(d)
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

fn clean_group(value: &str) -> String {
    let v = value.split(';').next().unwrap_or(value);
    v.split('#').next().unwrap_or(v).trim().to_owned()
}

/// The groupId for the PURL, as syft derives it: from the pom.properties
/// (or its artifactId when that looks like a groupId), the pom.xml (or its
/// parent), then manifest fields that look like a groupId; else the name.
fn group_id(identity: &Identity, manifest: Option<&Manifest>) -> String {
    if !identity.group.is_empty() {
        return clean_group(&identity.group);
    }
    if let Some(p) = &identity.properties {
        if p.artifact_id.contains('.') {
            return clean_group(&p.artifact_id);
        }
    }
    if let Some(p) = &identity.project {
        if p.artifact_id.contains('.') {
            return clean_group(&p.artifact_id);
        }
    }
    if let Some(m) = manifest {
        for fields in [
            &[
                "Group-Id",
                "Bundle-SymbolicName",
                "Extension-Name",
                "Specification-Vendor",
                "Implementation-Vendor",
                "Implementation-Vendor-Id",
                "Implementation-Title",
                "Bundle-Activator",
            ][..],
            &["Automatic-Module-Name", "Main-Class", "Package"][..],
        ] {
            let mut groups: Vec<String> = fields
                .iter()
                .flat_map(|f| {
                    std::iter::once(m.main.as_slice())
                        .chain(m.sections.iter().map(Vec::as_slice))
                        .filter_map(move |s| {
                            s.iter()
                                .find(|(k, _)| k.eq_ignore_ascii_case(f))
                                .map(|(_, v)| v.as_str())
                        })
                })
                .filter(|v| looks_like_group(v))
                .map(clean_group)
                .collect();
            groups.sort();
            if let Some(g) = groups.into_iter().next() {
                return g;
            }
        }
    }
    identity.name.clone()
}

/// CPE candidates from the groupId and artifactId, as syft's
/// `candidateVendorsForJava` / `candidateProductsForJava`, simplified: the
/// groupId and its parts after the first as vendors, the artifactId and
/// the groupId parts after the second that it starts or ends with as
/// products.
fn cpes(group: &str, name: &str, version: &str) -> Vec<String> {
    if version.is_empty()
        || cpe::unbounded(name, version).is_some()
        || group.len() > cpe::MAX_FIELD_LEN
    {
        return Vec::new();
    }
    let fields: Vec<&str> = group
        .split('.')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    let mut vendors: Vec<&str> = vec![group];
    vendors.extend(
        fields
            .iter()
            .skip(1)
            .filter(|f| !matches!(f.to_ascii_lowercase().as_str(), "plugin" | "plugins")),
    );
    vendors.push(name);
    let mut products: Vec<&str> = vec![name];
    let plugin = name.contains("plugin") || group.contains("plugin");
    for f in fields.iter().skip(2) {
        if matches!(
            f.to_ascii_lowercase().as_str(),
            "plugin" | "plugins" | "client"
        ) {
            continue;
        }
        if !plugin && (name.starts_with(f) || name.ends_with(f)) {
            products.push(f);
        }
    }
    cpe::candidates(&vendors, &products, version)
}

fn package(
    identity: Identity,
    manifest: Option<Option<&Manifest>>,
    key: &str,
    parent: Option<&str>,
    location: &Location,
    found: &mut Found,
) -> Package {
    let manifest = manifest.flatten();
    let group = group_id(&identity, manifest);
    let purl = Purl::new("maven", &identity.name)
        .namespace(&group)
        .version(&identity.version)
        .to_string();
    if let Some(why) = cpe::unbounded(&identity.name, &identity.version) {
        found.problems.push(format!("{key}: {why}"));
    }
    let cpes = cpes(&group, &identity.name, &identity.version);
    let metadata = MavenMetadata {
        virtual_path: key.to_owned(),
        group_id: group,
        manifest: manifest.map(|m| m.main.clone()).unwrap_or_default(),
        pom_properties: identity.properties,
        pom_project: identity.project,
        parent: parent.map(str::to_owned),
        document_supplier: None,
    };
    Package {
        name: identity.name,
        version: identity.version,
        ecosystem: Ecosystem::Maven,
        purl,
        cpes,
        licenses: Licenses::from_declared(identity.licenses),
        locations: vec![location.clone()],
        found_by: FOUND_BY.to_owned(),
        files: Vec::new(),
        dependencies: Vec::new(),
        metadata: Metadata::Maven(metadata),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_split_as_syft_splits_them() {
        for (file, name, version) in [
            ("commons-lang3-3.12.0.jar", "commons-lang3", "3.12.0"),
            ("my-http2-server-5.jar", "my-http2-server", "5"),
            ("ironman-r4-2009.jar", "ironman", "r4-2009"),
            ("slf4j-api.jar", "slf4j-api", ""),
            ("jetpack-build235-rc5.jar", "jetpack", "build235-rc5"),
        ] {
            assert_eq!(
                FileName::parse(file),
                FileName {
                    name: name.into(),
                    version: version.into()
                },
                "{file}"
            );
        }
    }

    #[test]
    fn group_from_manifest_needs_a_domain_and_a_dot() {
        assert!(looks_like_group("org.apache.commons.lang3"));
        assert!(!looks_like_group("commons-lang3"));
        assert_eq!(clean_group("org.bar;uses:=\"org.foo\""), "org.bar");
    }
}
