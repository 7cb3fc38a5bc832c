//! `-o purls`: one PURL per line, in package order, each once, as syft
//! writes them; packages without a PURL are left out.

use std::collections::HashSet;

use crate::model::Catalog;

pub(super) fn write_to(catalog: &Catalog, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut seen = HashSet::new();
    for p in &catalog.packages {
        let purl = p.purl.trim();
        if purl.is_empty() || super::read::parse_purl(purl).is_none() || !seen.insert(purl) {
            continue;
        }
        w.write_all(purl.as_bytes())?;
        w.write_all(b"\n")?;
    }
    Ok(())
}
