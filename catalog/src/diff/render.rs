//! The diff's three renderings: JSON (stable, documented in docs/diff.md),
//! a table for a terminal, and Markdown for a pull-request comment.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Change, ChangeKind, Diff, PackageState, Side, Summary, SCHEMA_NAME, SCHEMA_VERSION};

/// At most this many rows per Markdown section (a pull-request comment is
/// limited to 65536 characters); the rest is counted.
const MARKDOWN_ROWS: usize = 200;

#[derive(Serialize)]
struct Schema {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Document<'a> {
    schema: Schema,
    old: &'a Side,
    new: &'a Side,
    summary: &'a Summary,
    changes: &'a [Change],
}

/// The diff as JSON: `schema`, `old`, `new`, `summary`, `changes`, pretty
/// printed with a final newline.
pub fn render_json(d: &Diff) -> String {
    let doc = Document {
        schema: Schema {
            name: SCHEMA_NAME,
            version: SCHEMA_VERSION,
        },
        old: &d.old,
        new: &d.new,
        summary: &d.summary,
        changes: &d.changes,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// `sha256:0123456789ab` (12 hex digits) and the layer's position.
fn short_layer(s: Option<&PackageState>) -> String {
    let Some(s) = s else { return String::new() };
    match (&s.layer, s.layer_index) {
        (Some(d), Some(i)) => {
            let short: String = d.chars().take("sha256:".len() + 12).collect();
            format!("{i}: {short}")
        }
        (Some(d), None) => d.chars().take("sha256:".len() + 12).collect(),
        _ => String::new(),
    }
}

fn version(s: Option<&PackageState>) -> &str {
    s.map_or("", |s| s.version.as_str())
}

fn license_text(s: Option<&PackageState>) -> &str {
    match s {
        Some(s) if !s.license.is_empty() => &s.license,
        Some(_) => "(none)",
        None => "",
    }
}

fn supplier_text(s: Option<&PackageState>) -> &str {
    s.and_then(|s| s.supplier.as_deref()).unwrap_or("")
}

/// One-line summary: `1 added, 2 removed, ...; 40 unchanged`.
fn summary_line(s: &Summary) -> String {
    format!(
        "{} added, {} removed, {} upgraded, {} downgraded, {} license change(s), {} supplier \
         change(s); {} unchanged",
        s.added,
        s.removed,
        s.upgraded,
        s.downgraded,
        s.license_changed,
        s.supplier_changed,
        s.unchanged
    )
}

/// The table's rows: one per version change, plus one per license and
/// supplier change.
fn rows(d: &Diff) -> Vec<[String; 6]> {
    let mut rows = Vec::new();
    for c in &d.changes {
        let layer = short_layer(c.blame());
        let (o, n) = (c.old.as_ref(), c.new.as_ref());
        if c.change != ChangeKind::Changed {
            rows.push([
                c.change.as_str().to_owned(),
                c.name.clone(),
                c.ty.clone(),
                version(o).to_owned(),
                version(n).to_owned(),
                layer.clone(),
            ]);
        }
        if c.license_changed {
            rows.push([
                "license".to_owned(),
                c.name.clone(),
                c.ty.clone(),
                license_text(o).to_owned(),
                license_text(n).to_owned(),
                layer.clone(),
            ]);
        }
        if c.supplier_changed {
            rows.push([
                "supplier".to_owned(),
                c.name.clone(),
                c.ty.clone(),
                supplier_text(o).to_owned(),
                supplier_text(n).to_owned(),
                layer,
            ]);
        }
    }
    rows
}

/// A value fit for one table cell: control characters shown escaped.
fn cell(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// The diff as an aligned text table with a summary line, for a terminal.
pub fn render_table(d: &Diff) -> String {
    let header = ["CHANGE", "NAME", "TYPE", "OLD", "NEW", "LAYER"].map(str::to_owned);
    let body: Vec<[String; 6]> = rows(d).into_iter().map(|r| r.map(|c| cell(&c))).collect();
    let mut widths = [0usize; 6];
    for r in std::iter::once(&header).chain(&body) {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    if !body.is_empty() {
        for r in std::iter::once(&header).chain(&body) {
            let mut line = String::new();
            for (i, (c, w)) in r.iter().zip(widths).enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let _ = write!(line, "{c:<w$}");
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(&summary_line(&d.summary));
    out.push('\n');
    out
}

/// A value fit for a Markdown table cell: `|`, backticks, HTML and other
/// inline syntax escaped, newlines flattened.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn md_section(out: &mut String, title: &str, header: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### {title} ({})\n", rows.len());
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for r in rows.iter().take(MARKDOWN_ROWS) {
        let cells: Vec<String> = r.iter().map(|c| md(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    if rows.len() > MARKDOWN_ROWS {
        let _ = writeln!(out, "\n… and {} more", rows.len() - MARKDOWN_ROWS);
    }
}

/// The diff as Markdown for a pull-request comment: a heading naming both
/// sides, the summary, then one table per kind of change.
pub fn render_markdown(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## SBOM diff: `{}` → `{}`\n\n{}",
        d.old.input.replace('`', "'"),
        d.new.input.replace('`', "'"),
        md(&summary_line(&d.summary))
    );
    let of = |kind: ChangeKind| d.changes.iter().filter(move |c| c.change == kind);
    let one = |c: &Change, s: Option<&PackageState>| {
        vec![
            c.name.clone(),
            c.ty.clone(),
            version(s).to_owned(),
            short_layer(s),
        ]
    };
    let two = |c: &Change| {
        vec![
            c.name.clone(),
            c.ty.clone(),
            version(c.old.as_ref()).to_owned(),
            version(c.new.as_ref()).to_owned(),
            short_layer(c.blame()),
        ]
    };
    let added: Vec<_> = of(ChangeKind::Added)
        .map(|c| one(c, c.new.as_ref()))
        .collect();
    let removed: Vec<_> = of(ChangeKind::Removed)
        .map(|c| one(c, c.old.as_ref()))
        .collect();
    let upgraded: Vec<_> = of(ChangeKind::Upgraded).map(two).collect();
    let downgraded: Vec<_> = of(ChangeKind::Downgraded).map(two).collect();
    let licenses: Vec<_> = d
        .changes
        .iter()
        .filter(|c| c.license_changed)
        .map(|c| {
            vec![
                c.name.clone(),
                c.ty.clone(),
                license_text(c.old.as_ref()).to_owned(),
                license_text(c.new.as_ref()).to_owned(),
            ]
        })
        .collect();
    let suppliers: Vec<_> = d
        .changes
        .iter()
        .filter(|c| c.supplier_changed)
        .map(|c| {
            vec![
                c.name.clone(),
                c.ty.clone(),
                supplier_text(c.old.as_ref()).to_owned(),
                supplier_text(c.new.as_ref()).to_owned(),
            ]
        })
        .collect();
    md_section(
        &mut out,
        "Downgraded",
        &["Package", "Type", "Old", "New", "Layer"],
        &downgraded,
    );
    md_section(
        &mut out,
        "Added",
        &["Package", "Type", "Version", "Layer"],
        &added,
    );
    md_section(
        &mut out,
        "Removed",
        &["Package", "Type", "Version", "Layer"],
        &removed,
    );
    md_section(
        &mut out,
        "Upgraded",
        &["Package", "Type", "Old", "New", "Layer"],
        &upgraded,
    );
    md_section(
        &mut out,
        "License changes",
        &["Package", "Type", "Old", "New"],
        &licenses,
    );
    md_section(
        &mut out,
        "Supplier changes",
        &["Package", "Type", "Old", "New"],
        &suppliers,
    );
    out
}
