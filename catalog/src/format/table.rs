//! A table of packages, as syft prints it: NAME, VERSION, TYPE.

use std::fmt::Write;

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
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let [a, b, c] = row;
        let _ = writeln!(
            out,
            "{a:<w0$}  {b:<w1$}  {c}",
            w0 = widths[0],
            w1 = widths[1]
        );
    }
    out
}
