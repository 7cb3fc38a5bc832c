//! What stays on a terminal after the progress bars are cleared, as syft
//! leaves it: what was loaded, how many packages of each type, and where
//! files were written. Printed on stderr, only when the bars were shown
//! (stderr is a terminal and not `--quiet`); never on stdout.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use sbomctl_catalog::format::Format;
use sbomctl_catalog::Catalog;

/// The summary lines, each ending in a newline.
pub fn render(catalog: &Catalog, written: &[(Format, PathBuf)]) -> String {
    let s = &catalog.source;
    let mut out = String::new();
    if s.kind == "directory" {
        let _ = writeln!(out, " ✔ Indexed directory     {}", s.name);
    } else {
        let size: u64 = s.layers.iter().filter_map(|l| l.size).sum();
        let mut what = vec![format!(
            "{} layer{}",
            s.layers.len(),
            if s.layers.len() == 1 { "" } else { "s" }
        )];
        if size > 0 {
            what.push(bytes(size));
        }
        if let Some(p) = &s.platform {
            what.insert(0, p.clone());
        }
        let _ = writeln!(out, " ✔ Loaded image          {}", s.name);
        if let Some(d) = s.manifest_digest.as_ref().or(s.config_digest.as_ref()) {
            let _ = writeln!(out, " ✔ Parsed image          {d} ({})", what.join(", "));
        }
    }
    let mut per_type: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &catalog.packages {
        *per_type.entry(p.ecosystem.as_str()).or_default() += 1;
    }
    let total = catalog.packages.len();
    let _ = writeln!(
        out,
        " ✔ Cataloged contents    {total} package{}",
        if total == 1 { "" } else { "s" }
    );
    let n = per_type.len();
    for (i, (ty, count)) in per_type.iter().enumerate() {
        let branch = if i + 1 == n { "└──" } else { "├──" };
        let _ = writeln!(out, "   {branch} {ty:<10} {count:>6}");
    }
    if let Some(d) = &catalog.distro {
        let name = d.pretty_name.clone().unwrap_or_else(|| d.purl_qualifier());
        let _ = writeln!(out, " ✔ Distro                {name}");
    }
    for (format, path) in written {
        let _ = writeln!(out, " ✔ Wrote {:<16}{}", format.to_string(), path.display());
    }
    out
}

/// `12.3 MiB`, `512 B`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    #[allow(clippy::cast_precision_loss)] // a display value
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbomctl_catalog::model::{LayerInfo, Scope};

    #[test]
    fn summary_names_the_image_types_and_files() {
        let json = r#"{"schema":{"name":"sbomctl-catalog","version":"1.0.0"},
            "source":{"kind":"image","transport":"oci-dir","name":"oci-dir:img",
              "manifest_digest":"sha256:aa","platform":"linux/amd64"},
            "scope":"squashed","packages":[],"relationships":[],"diagnostics":[]}"#;
        let mut catalog: Catalog = serde_json::from_str(json).unwrap();
        catalog.source.layers = vec![LayerInfo {
            index: 0,
            digest: "sha256:bb".into(),
            diff_id: None,
            media_type: None,
            size: Some(3 * 1024 * 1024 + 512 * 1024),
        }];
        assert_eq!(catalog.scope, Scope::Squashed);
        let text = render(&catalog, &[(Format::Purls, PathBuf::from("out/purls.txt"))]);
        assert_eq!(
            text,
            " ✔ Loaded image          oci-dir:img\n \
             ✔ Parsed image          sha256:aa (linux/amd64, 1 layer, 3.5 MiB)\n \
             ✔ Cataloged contents    0 packages\n \
             ✔ Wrote purls           out/purls.txt\n"
        );
        assert_eq!(bytes(100), "100 B");
        assert_eq!(bytes(2048), "2.0 KiB");
    }
}
