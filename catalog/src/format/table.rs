//! A table of packages, as syft prints it: NAME, VERSION, TYPE.

use std::io::Write;

use crate::model::Catalog;

/// Writes the table into `w` a row at a time: the rows are the catalog's
/// own strings, sorted, and one pass over them gives the column widths.
pub(super) fn write_to(catalog: &Catalog, w: &mut dyn Write) -> std::io::Result<()> {
    let mut rows: Vec<[&str; 3]> = catalog
        .packages
        .iter()
        .map(|p| [p.name.as_str(), p.version.as_str(), p.ecosystem.as_str()])
        .collect();
    rows.sort_unstable();
    rows.dedup();
    if rows.is_empty() {
        return w.write_all(b"No packages discovered\n");
    }
    let header = ["NAME", "VERSION", "TYPE"];
    let mut widths = [0usize; 3];
    for row in std::iter::once(&header).chain(rows.iter()) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    // Padding by hand: a `{:<w$}` width above 65,535 panics in `fmt`, and a
    // package name can be that long.
    for [a, b, c] in std::iter::once(&header).chain(rows.iter()) {
        pad(w, a, widths[0])?;
        w.write_all(b"  ")?;
        pad(w, b, widths[1])?;
        w.write_all(b"  ")?;
        w.write_all(c.as_bytes())?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes `cell`, then spaces up to `width` characters.
fn pad(w: &mut dyn Write, cell: &str, width: usize) -> std::io::Result<()> {
    const SPACES: [u8; 64] = [b' '; 64];
    w.write_all(cell.as_bytes())?;
    let mut left = width.saturating_sub(cell.chars().count());
    while left > 0 {
        let n = left.min(SPACES.len());
        w.write_all(SPACES.get(..n).unwrap_or_default())?;
        left -= n;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Ecosystem, Licenses, Metadata, Package};

    fn render(catalog: &Catalog) -> String {
        let mut out = Vec::new();
        write_to(catalog, &mut out).expect("written");
        String::from_utf8(out).expect("UTF-8")
    }

    fn package(name: &str, version: &str) -> Package {
        Package {
            name: name.to_owned(),
            version: version.to_owned(),
            ecosystem: Ecosystem::Npm,
            purl: String::new(),
            cpes: Vec::new(),
            licenses: Licenses::default(),
            locations: Vec::new(),
            found_by: String::new(),
            files: Vec::new(),
            dependencies: Vec::new(),
            metadata: Metadata::Npm(crate::model::NpmMetadata::default()),
        }
    }

    fn catalog(packages: Vec<Package>) -> Catalog {
        let mut c: Catalog = serde_json::from_value(serde_json::json!({
            "source": {"kind": "directory", "transport": "dir", "name": "x", "layers": []},
            "scope": "squashed",
            "packages": [],
            "relationships": [],
            "diagnostics": []
        }))
        .expect("catalog");
        c.packages = packages;
        c
    }

    #[test]
    fn columns_are_aligned() {
        let out = render(&catalog(vec![
            package("a", "1.0"),
            package("long-name", "2"),
        ]));
        assert_eq!(
            out,
            "NAME       VERSION  TYPE\na          1.0      npm\nlong-name  2        npm\n"
        );
    }

    #[test]
    fn values_of_65536_characters_or_more_do_not_panic() {
        let name = "n".repeat(70_000);
        let version = "v".repeat(65_536);
        let out = render(&catalog(vec![package(&name, &version), package("a", "1")]));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        // Rows are sorted: `a` first.
        assert_eq!(lines[2].len(), 70_000 + 2 + 65_536 + 2 + 3);
        assert!(lines[1].starts_with("a   "));
        assert_eq!(lines[1].len(), lines[2].len(), "columns stay aligned");
    }
}
