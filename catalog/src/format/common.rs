//! What every document format derives the same way: names, content-derived
//! identifiers, the root element, timestamps.

use sha2::{Digest as _, Sha256};

use super::RenderOptions;
use crate::cataloger::Supplier;
use crate::model::{Catalog, Package};

/// `sbomctl-VERSION`, the creator tool.
pub fn tool() -> String {
    format!("sbomctl-{}", env!("CARGO_PKG_VERSION"))
}

/// The document name: `--source-name` when given, else the source as the
/// user gave it.
pub fn document_name(catalog: &Catalog, options: &RenderOptions) -> String {
    options
        .source_name
        .clone()
        .unwrap_or_else(|| catalog.source.name.clone())
}

/// The root's supplier: `--source-supplier` when given (syft's flag),
/// else the image config's `org.opencontainers.image.vendor` label;
/// trimmed, `None` when blank. Always an organisation, as syft writes it.
pub fn root_supplier<'a>(catalog: &'a Catalog, options: &'a RenderOptions) -> Option<&'a str> {
    options
        .source_supplier
        .as_deref()
        .or(catalog.source.vendor.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Where a package's supplier comes from (docs/formats.md, "Suppliers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupplierOrigin {
    /// The package's own metadata.
    Own,
    /// The OS package at this position owns the package's files and names
    /// a supplier ([`crate::relate::distributors`]).
    Distributor(usize),
    /// `--source-supplier`, for a package nothing else names one for (as
    /// syft).
    SourceSupplier,
}

/// Each catalog package's supplier as the documents write it: its own
/// metadata's; else the supplier of the OS package that installed its
/// files (its distributor); else `--source-supplier` (an organisation, as
/// syft writes it for every package without one). The image's vendor
/// label names the root only, never a package.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppliers<'a> {
    packages: &'a [Package],
    distributors: Vec<Option<u32>>,
    source_supplier: Option<String>,
}

impl<'a> Suppliers<'a> {
    /// The suppliers of `catalog`'s packages under `options`.
    pub fn new(catalog: &'a Catalog, options: &RenderOptions) -> Self {
        Suppliers {
            packages: &catalog.packages,
            distributors: crate::relate::distributors(&catalog.packages, &catalog.relationships),
            source_supplier: options
                .source_supplier
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        }
    }

    /// The supplier of the package at `at` and where it comes from;
    /// `None` when nothing names one.
    pub fn of(&self, at: usize) -> Option<(Supplier<'_>, SupplierOrigin)> {
        let p = self.packages.get(at)?;
        if let Some(s) = p.metadata.fields().supplier() {
            return Some((s, SupplierOrigin::Own));
        }
        if let Some(o) = self
            .distributors
            .get(at)
            .copied()
            .flatten()
            .and_then(|o| usize::try_from(o).ok())
        {
            if let Some(s) = self
                .packages
                .get(o)
                .and_then(|d| d.metadata.fields().supplier())
            {
                return Some((s, SupplierOrigin::Distributor(o)));
            }
        }
        self.source_supplier
            .as_deref()
            .map(|s| (Supplier::Organization(s), SupplierOrigin::SourceSupplier))
    }
}

/// sha256 over the catalog's native JSON, which holds the image digests
/// and every package: the same input gives the same hash.
pub fn content_hash(catalog: &Catalog) -> [u8; 32] {
    /// Feeds what is written into the hash, so the document is never held.
    struct HashWriter(Sha256);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = HashWriter(Sha256::new());
    // Hashing cannot fail; the result is the same as hashing the rendering.
    let _ = super::json::write_to(catalog, &mut w);
    w.0.finalize().into()
}

/// A UUID (version 5 layout) derived from [`content_hash`]; used for the
/// SPDX document namespace and the CycloneDX `serialNumber`.
pub fn content_uuid(catalog: &Catalog) -> String {
    let h = content_hash(catalog);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// The SPDX `DocumentNamespace`: unique per content, stable across runs.
pub fn spdx_namespace(catalog: &Catalog, options: &RenderOptions) -> String {
    let kind = if catalog.source.kind == "directory" {
        "dir"
    } else {
        "image"
    };
    let name: String = root_name(catalog, options)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!(
        "https://sbomctl.dev/spdx/{kind}/{name}-{}",
        content_uuid(catalog)
    )
}

/// A short name for the scanned thing: `--source-name` when given, else
/// the repository (without registry and tag) for registry images, the file
/// or directory name otherwise.
pub fn root_name(catalog: &Catalog, options: &RenderOptions) -> String {
    if let Some(name) = &options.source_name {
        return name.clone();
    }
    let s = &catalog.source;
    let raw = match s.transport.as_str() {
        "registry" => {
            let without_digest = s.name.split('@').next().unwrap_or(&s.name);
            let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
            last.split(':').next().unwrap_or(last).to_owned()
        }
        _ => {
            let path = s
                .name
                .split_once(':')
                .map_or(s.name.as_str(), |(_, p)| p)
                .trim_end_matches('/');
            let file = path.rsplit('/').next().unwrap_or(path);
            file.trim_end_matches(".tar")
                .trim_end_matches(".oci")
                .trim_end_matches(".docker")
                .trim_end_matches("-oci")
                .to_owned()
        }
    };
    if raw.is_empty() {
        "root".to_owned()
    } else {
        raw
    }
}

/// The version of the root element: `--source-version` when given, else
/// the manifest digest (the index digest for a multi-platform image is in
/// `index_digest`), else the config digest.
pub fn root_version(catalog: &Catalog, options: &RenderOptions) -> Option<String> {
    options.source_version.clone().or_else(|| {
        catalog
            .source
            .manifest_digest
            .clone()
            .or_else(|| catalog.source.config_digest.clone())
    })
}

/// `pkg:oci/NAME@sha256%3A…?arch=…&repository_url=…&tag=…` for images with a
/// manifest digest (purl-spec `oci` type).
pub fn root_purl(catalog: &Catalog, options: &RenderOptions) -> Option<String> {
    let s = &catalog.source;
    if s.kind != "image" {
        return None;
    }
    let digest = s.manifest_digest.as_deref()?;
    let name = root_name(catalog, options).to_ascii_lowercase();
    let mut purl = crate::purl::Purl::new("oci", &name).version(digest);
    if let Some(p) = &s.platform {
        let arch = p.split('/').nth(1);
        purl = purl.qualifier("arch", arch);
    }
    if s.transport == "registry" {
        let without_digest = s.name.split('@').next().unwrap_or(&s.name);
        let (repo, tag) = match without_digest.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r, Some(t)),
            _ => (without_digest, None),
        };
        purl = purl
            .qualifier("repository_url", Some(repo))
            .qualifier("tag", tag);
    }
    Some(purl.to_string())
}

/// RFC 3339 UTC time with seconds for `secs` since the epoch.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_values() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
