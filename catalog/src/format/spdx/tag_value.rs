//! SPDX tag-value encoding of a [`Document`]
//! (<https://spdx.github.io/spdx-spec/v2.3/conformance/>, Annex on the
//! tag-value format). Fields come in the order the SPDX Go tools write them.

use std::fmt::Write as _;

use super::fields::is_plain_line;
use super::write::{Document, SpdxPackage, DOCUMENT_ID};

/// The spec has no escape for `</text>` inside a `<text>` block; it is
/// written as this instead (documented in docs/formats-spdx.md).
pub(super) const TEXT_END_REPLACEMENT: &str = "&lt;/text&gt;";

/// Writes `doc` into `sink`, a package (or annotation) at a time.
pub(super) fn write(doc: &Document<'_>, sink: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut w = Writer::default();
    w.raw("SPDXVersion", doc.spdx_version());
    w.raw("DataLicense", "CC0-1.0");
    w.raw("SPDXID", DOCUMENT_ID);
    w.line("DocumentName", &doc.name);
    w.line("DocumentNamespace", &doc.namespace);
    w.raw("LicenseListVersion", &doc.license_list_version);
    for c in &doc.creators {
        w.raw("Creator", c);
    }
    w.raw("Creator", &format!("Tool: {}", doc.tool));
    w.raw("Created", &doc.created);

    for p in doc.packages.iter() {
        w.blank();
        w.comment(&format!("##### Package: {}", p.name));
        w.blank();
        package(&mut w, &p);
        w.drain_into(sink)?;
    }

    if !doc.extracted_licenses.is_empty() {
        w.blank();
        w.comment("##### Other Licenses");
        for l in &doc.extracted_licenses {
            w.blank();
            w.raw("LicenseID", &l.id);
            w.text("ExtractedText", &l.text);
            w.line("LicenseName", &l.name);
        }
    }

    w.blank();
    w.comment("##### Relationships");
    w.blank();
    for r in doc.relationships.iter() {
        w.raw(
            "Relationship",
            &format!("{} {} {}", r.element, r.kind, r.related),
        );
        if let Some(c) = r.comment {
            w.line("RelationshipComment", c);
        }
        w.drain_into(sink)?;
    }

    let mut annotations = doc.annotations().peekable();
    if annotations.peek().is_some() {
        w.blank();
        w.comment("##### Annotations");
        for (id, a) in annotations {
            w.blank();
            w.raw("Annotator", &format!("Tool: {}", a.annotator));
            w.raw("AnnotationDate", &a.date);
            w.raw("AnnotationType", "OTHER");
            w.raw("SPDXREF", &id);
            w.line("AnnotationComment", &a.comment);
            w.drain_into(sink)?;
        }
    }
    w.drain_into(sink)
}

fn package(w: &mut Writer, p: &SpdxPackage) {
    w.line("PackageName", &p.name);
    w.raw("SPDXID", &p.spdx_id);
    if let Some(v) = &p.version {
        w.line("PackageVersion", v);
    }
    if let Some(f) = &p.file_name {
        w.line("PackageFileName", f);
    }
    w.raw("PackageSupplier", &p.supplier);
    if let Some(o) = &p.originator {
        w.raw("PackageOriginator", o);
    }
    w.raw("PackageDownloadLocation", &p.download_location);
    if let Some(purpose) = p.primary_purpose {
        w.raw("PrimaryPackagePurpose", purpose);
    }
    w.raw("FilesAnalyzed", "false");
    for c in &p.checksums {
        w.raw("PackageChecksum", &format!("{}: {}", c.algorithm, c.value));
    }
    if let Some(h) = &p.homepage {
        w.raw("PackageHomePage", h);
    }
    if let Some(s) = &p.source_info {
        w.line("PackageSourceInfo", s);
    }
    w.raw("PackageLicenseConcluded", &p.license_concluded);
    w.raw("PackageLicenseDeclared", &p.license_declared);
    w.raw("PackageCopyrightText", &p.copyright);
    if let Some(d) = &p.description {
        w.line("PackageDescription", d);
    }
    for r in &p.external_refs {
        w.raw(
            "ExternalRef",
            &format!("{} {} {}", r.category, r.kind, r.locator),
        );
    }
}

#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    /// Moves what was written so far into `sink`.
    fn drain_into(&mut self, sink: &mut dyn std::io::Write) -> std::io::Result<()> {
        sink.write_all(self.out.as_bytes())?;
        self.out.clear();
        Ok(())
    }

    /// A value known to be a plain line (ids, enums, checked URLs, actors).
    fn raw(&mut self, tag: &str, value: &str) {
        let _ = writeln!(self.out, "{tag}: {value}");
    }

    /// A value written as a line when it reads back unchanged, else as a
    /// `<text>` block.
    fn line(&mut self, tag: &str, value: &str) {
        if is_plain_line(value) {
            self.raw(tag, value);
        } else {
            self.text(tag, value);
        }
    }

    fn text(&mut self, tag: &str, value: &str) {
        let _ = writeln!(
            self.out,
            "{tag}: <text>{}</text>",
            value.replace("</text>", TEXT_END_REPLACEMENT)
        );
    }

    /// A `#` comment line; its text never spans lines.
    fn comment(&mut self, text: &str) {
        let text: String = text
            .chars()
            .map(|c| if c == '\n' || c.is_control() { ' ' } else { c })
            .collect();
        self.out.push_str(text.trim_end());
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }
}
