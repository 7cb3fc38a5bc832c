//! The XML encoding: a small writer that emits elements in the order the
//! XSD sequences require, escapes markup characters and replaces what XML
//! 1.0 cannot carry.

use super::write::{Bom, Component, Contact, Entity, License, LicenseChoice, Tools};
use crate::format::CyclonedxVersion;

/// Serialises `bom` for `version` (the namespace is per version) into
/// `sink`, one component at a time.
pub(super) fn encode(
    bom: &Bom<'_>,
    version: CyclonedxVersion,
    sink: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut w = Writer::default();
    w.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let ns = format!("http://cyclonedx.org/schema/bom/{}", version.as_str());
    let doc_version = bom.version.to_string();
    w.start(
        "bom",
        &[
            ("xmlns", &ns),
            ("serialNumber", &bom.serial_number),
            ("version", &doc_version),
        ],
    );

    w.start("metadata", &[]);
    w.leaf("timestamp", &[], &bom.metadata.timestamp);
    w.start("tools", &[]);
    match &bom.metadata.tools {
        Tools::Legacy(tools) => {
            for t in tools {
                w.start("tool", &[]);
                w.leaf("vendor", &[], &t.vendor);
                w.leaf("name", &[], &t.name);
                w.leaf("version", &[], &t.version);
                w.end("tool");
            }
        }
        Tools::Components { components } => {
            w.start("components", &[]);
            for c in components {
                component(&mut w, c);
            }
            w.end("components");
        }
    }
    w.end("tools");
    if !bom.metadata.authors.is_empty() {
        w.start("authors", &[]);
        for a in &bom.metadata.authors {
            contact(&mut w, "author", a);
        }
        w.end("authors");
    }
    component(&mut w, &bom.metadata.component);
    if let Some(m) = &bom.metadata.manufacturer {
        entity(&mut w, "manufacturer", m);
    }
    if let Some(s) = &bom.metadata.supplier {
        entity(&mut w, "supplier", s);
    }
    properties(&mut w, &bom.metadata.properties);
    w.end("metadata");

    if !bom.components.is_empty() {
        w.start("components", &[]);
        for c in bom.components.iter() {
            component(&mut w, &c);
            sink.write_all(w.out.as_bytes())?;
            w.out.clear();
        }
        w.end("components");
    }

    if !bom.dependencies.is_empty() {
        w.start("dependencies", &[]);
        for d in bom.dependencies.iter() {
            if d.depends_on.is_empty() {
                w.empty("dependency", &[("ref", d.reference)]);
            } else {
                w.start("dependency", &[("ref", d.reference)]);
                for to in &d.depends_on {
                    w.empty("dependency", &[("ref", to)]);
                }
                w.end("dependency");
            }
            sink.write_all(w.out.as_bytes())?;
            w.out.clear();
        }
        w.end("dependencies");
    }

    w.start("compositions", &[]);
    for c in bom.compositions.iter() {
        w.start("composition", &[]);
        w.leaf("aggregate", &[], c.aggregate);
        if let Some(root) = c.assembly {
            w.start("assemblies", &[]);
            w.empty("assembly", &[("ref", root)]);
            w.end("assemblies");
        }
        let mut refs = c.dependencies().peekable();
        if refs.peek().is_some() {
            w.start("dependencies", &[]);
            for r in refs {
                w.empty("dependency", &[("ref", r)]);
                sink.write_all(w.out.as_bytes())?;
                w.out.clear();
            }
            w.end("dependencies");
        }
        w.end("composition");
    }
    w.end("compositions");
    w.end("bom");
    sink.write_all(w.out.as_bytes())
}

/// An `organizationalEntity`: its name and contacts' emails.
fn entity(w: &mut Writer, tag: &str, e: &Entity) {
    w.start(tag, &[]);
    w.leaf("name", &[], &e.name);
    for contact in &e.contact {
        w.start("contact", &[]);
        w.leaf("email", &[], &contact.email);
        w.end("contact");
    }
    w.end(tag);
}

/// An `organizationalContact`: name and email.
fn contact(w: &mut Writer, tag: &str, c: &Contact) {
    w.start(tag, &[]);
    w.leaf("name", &[], &c.name);
    if let Some(e) = &c.email {
        w.leaf("email", &[], e);
    }
    w.end(tag);
}

fn component(w: &mut Writer, c: &Component) {
    let mut attrs = vec![("type", c.kind)];
    if let Some(r) = &c.bom_ref {
        attrs.push(("bom-ref", r));
    }
    w.start("component", &attrs);
    if let Some(s) = &c.supplier {
        entity(w, "supplier", s);
    }
    if !c.authors.is_empty() {
        w.start("authors", &[]);
        for a in &c.authors {
            contact(w, "author", a);
        }
        w.end("authors");
    }
    w.opt_leaf("author", c.author.as_deref());
    w.opt_leaf("publisher", c.publisher.as_deref());
    w.leaf("name", &[], &c.name);
    w.opt_leaf("version", c.version.as_deref());
    w.opt_leaf("description", c.description.as_deref());
    if !c.hashes.is_empty() {
        w.start("hashes", &[]);
        for h in &c.hashes {
            w.leaf("hash", &[("alg", h.alg)], &h.content);
        }
        w.end("hashes");
    }
    if !c.licenses.is_empty() {
        w.start("licenses", &[]);
        for l in &c.licenses {
            match l {
                LicenseChoice::License(l) => {
                    w.start("license", &[]);
                    match l {
                        License::Id(id) => w.leaf("id", &[], id),
                        License::Name(name) => w.leaf("name", &[], name),
                    }
                    w.end("license");
                }
                LicenseChoice::Expression(e) => w.leaf("expression", &[], e),
            }
        }
        w.end("licenses");
    }
    w.opt_leaf("cpe", c.cpe.as_deref());
    w.opt_leaf("purl", c.purl.as_deref());
    if !c.external_references.is_empty() {
        w.start("externalReferences", &[]);
        for r in &c.external_references {
            w.start("reference", &[("type", r.kind)]);
            w.leaf("url", &[], &r.url);
            w.opt_leaf("comment", r.comment.as_deref());
            w.end("reference");
        }
        w.end("externalReferences");
    }
    properties(w, &c.properties);
    w.end("component");
}

fn properties(w: &mut Writer, props: &[super::write::Property]) {
    if props.is_empty() {
        return;
    }
    w.start("properties", &[]);
    for p in props {
        w.leaf("property", &[("name", &p.name)], &p.value);
    }
    w.end("properties");
}

/// Writes indented elements (two spaces per level) into a string.
#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape(v, true, &mut self.out);
            self.out.push('"');
        }
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.open_tag(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn end(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.open_tag(name, attrs);
        self.out.push_str("/>\n");
    }

    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.open_tag(name, attrs);
        self.out.push('>');
        escape(text, false, &mut self.out);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn opt_leaf(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.leaf(name, &[], t);
        }
    }
}

/// True for characters XML 1.0 allows in a document (the `Char`
/// production). Rust strings hold no surrogates, so only controls and the
/// two noncharacters U+FFFE and U+FFFF are left to exclude.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes `s` into `out`: the five markup characters always; `\r` always
/// (a parser would turn a literal CR into LF); tab and newline inside
/// attributes (a parser would turn them into spaces). Characters XML 1.0
/// cannot carry at all become U+FFFD.
pub(super) fn escape(s: &str, attribute: bool, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str, attribute: bool) -> String {
        let mut out = String::new();
        escape(s, attribute, &mut out);
        out
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"a<b>&"c"'d' ]]>"#, false),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos; ]]&gt;"
        );
    }

    #[test]
    fn replaces_characters_xml_cannot_carry() {
        assert_eq!(
            esc("a\u{0}b\u{1b}c\u{7f}", false),
            "a\u{FFFD}b\u{FFFD}c\u{7f}"
        );
        assert_eq!(
            esc("\u{FFFE}\u{FFFF}\u{10000}", false),
            "\u{FFFD}\u{FFFD}\u{10000}"
        );
        assert_eq!(esc("é✓", false), "é✓");
    }

    #[test]
    fn keeps_whitespace_that_parsers_would_normalise() {
        assert_eq!(esc("a\tb\nc\rd", false), "a\tb\nc&#13;d");
        assert_eq!(esc("a\tb\nc\rd", true), "a&#9;b&#10;c&#13;d");
    }
}
