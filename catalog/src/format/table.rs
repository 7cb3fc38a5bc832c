//! A table of packages, as syft prints it: NAME, VERSION, TYPE.

use crate::model::Catalog;

pub(super) fn render(catalog: &Catalog) -> String {
    let mut rows: Vec<[String; 3]> = catalog
        .packages
        .iter()
        .map(|p| [p.name.clone(), p.version.clone(), p.ecosystem.to_string()])
        .collect();
    rows.sort();
    rows.dedup();
    if rows.is_empty() {
        return "No packages discovered\n".to_owned();
    }
    let header = ["NAME".to_owned(), "VERSION".to_owned(), "TYPE".to_owned()];
    let mut widths = [0usize; 3];
    for row in std::iter::once(&header).chain(rows.iter()) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    // Padding by hand: a `{:<w$}` width above 65,535 panics in `fmt`, and a
    // package name can be that long.
    let mut out = String::new();
    for [a, b, c] in std::iter::once(&header).chain(rows.iter()) {
        pad(&mut out, a, widths[0]);
        out.push_str("  ");
        pad(&mut out, b, widths[1]);
        out.push_str("  ");
        out.push_str(c);
        out.push('\n');
    }
    out
}

/// Appends `cell`, then spaces up to `width` characters.
fn pad(out: &mut String, cell: &str, width: usize) {
    out.push_str(cell);
    let len = cell.chars().count();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(len)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Ecosystem, Licenses, Metadata, Package};

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
