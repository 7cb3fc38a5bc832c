//! CycloneDX XML 1.2–1.7 back into a [`Catalog`]: the XML is read into the
//! structs the JSON reader fills ([`super::read`]), then mapped alike, so
//! the XML and JSON encodings of one document read to the same catalog.
//!
//! Hostile input: no DTD is accepted (a `<!DOCTYPE` is an error), so no
//! entity is ever declared or expanded (no external entities, no
//! "billion laughs"); only XML's five predefined entities and character
//! references are resolved. Nesting is capped at [`MAX_DEPTH`] and
//! elements at [`MAX_ELEMENTS`]; the caller caps the size. One pass,
//! linear in the input.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::read::{
    to_catalog, CdxBom, CdxComponent, CdxContact, CdxDependency, CdxEntity, CdxLicense,
    CdxLicenseChoice, CdxMetadata, CdxProperty,
};
use crate::error::Result;
use crate::format::read::malformed;
use crate::model::Catalog;

/// The deepest element nesting read (CycloneDX documents nest a few
/// levels per nested component).
const MAX_DEPTH: usize = 64;

/// The most elements read from one document.
const MAX_ELEMENTS: usize = 20_000_000;

/// One element: its local name, attributes, text (for leaves) and
/// children.
#[derive(Default)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) text: String,
    pub(crate) children: Vec<Node>,
}

impl Node {
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub(crate) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.clone())
    }

    /// Moves out the children named `name`.
    pub(crate) fn take(&mut self, name: &str) -> Vec<Node> {
        let (taken, kept) = std::mem::take(&mut self.children)
            .into_iter()
            .partition(|c| c.name == name);
        self.children = kept;
        taken
    }
}

fn xml_error(e: impl std::fmt::Display) -> crate::error::Error {
    malformed(format!("CycloneDX XML: {e}"))
}

/// The local name (without namespace prefix) of an element.
fn local_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

/// An element's attributes (local names, normalized values), in one
/// buffer reused from element to element.
#[derive(Default)]
pub(crate) struct Attrs {
    text: String,
    spans: Vec<(usize, usize, usize)>,
}

impl Attrs {
    fn read(&mut self, e: &BytesStart<'_>) -> Result<()> {
        self.text.clear();
        self.spans.clear();
        for a in e.attributes() {
            let a = a.map_err(xml_error)?;
            let start = self.text.len();
            self.text
                .push_str(&String::from_utf8_lossy(a.key.local_name().as_ref()));
            let mid = self.text.len();
            self.text.push_str(
                &a.normalized_value(XmlVersion::Implicit1_0)
                    .map_err(xml_error)?,
            );
            self.spans.push((start, mid, self.text.len()));
        }
        Ok(())
    }

    /// Each attribute's local name and value, in document order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.spans.iter().map(|&(a, b, c)| {
            (
                self.text.get(a..b).unwrap_or_default(),
                self.text.get(b..c).unwrap_or_default(),
            )
        })
    }

    /// The first attribute of this local name.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }
}

/// What [`walk`] reports of a document, in document order: elements
/// opening and closing, and the text of the element open (character data,
/// CDATA, resolved references; none outside the root element).
pub(crate) trait Sink {
    /// An element opens: its local name and attributes.
    fn start(&mut self, name: &str, attrs: &Attrs);
    /// Text directly inside the innermost open element.
    fn text(&mut self, text: &str);
    /// The innermost open element closes.
    fn end(&mut self);
}

/// Reads a CycloneDX XML document's events into `sink`, with the checks
/// described in the module documentation, up to the end of the root
/// element (what follows it is not read). The one reading of XML: the
/// full reader builds its tree from these events, `diff`'s lean reader
/// its listing, so both accept and refuse the same documents.
pub(crate) fn walk(reader: impl std::io::BufRead, sink: &mut impl Sink) -> Result<()> {
    let mut reader = Reader::from_reader(reader);
    let mut depth = 0usize;
    let mut elements = 0usize;
    let mut attrs = Attrs::default();
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(xml_error)?;
        match event {
            Event::DocType(_) => {
                return Err(xml_error(
                    "document type declarations are not accepted (entities are not expanded)",
                ))
            }
            Event::Start(e) | Event::Empty(e) if depth >= MAX_DEPTH => {
                return Err(xml_error(format!(
                    "element `{}` nested deeper than {MAX_DEPTH}",
                    local_name(&e)
                )));
            }
            Event::Start(e) => {
                elements = elements.saturating_add(1);
                if elements > MAX_ELEMENTS {
                    return Err(xml_error(format!("more than {MAX_ELEMENTS} elements")));
                }
                attrs.read(&e)?;
                sink.start(&String::from_utf8_lossy(e.local_name().as_ref()), &attrs);
                depth += 1;
            }
            Event::Empty(e) => {
                elements = elements.saturating_add(1);
                if elements > MAX_ELEMENTS {
                    return Err(xml_error(format!("more than {MAX_ELEMENTS} elements")));
                }
                attrs.read(&e)?;
                sink.start(&String::from_utf8_lossy(e.local_name().as_ref()), &attrs);
                sink.end();
                if depth == 0 {
                    return Ok(());
                }
            }
            Event::End(_) => {
                if depth == 0 {
                    return Err(xml_error("unbalanced end tag"));
                }
                depth -= 1;
                sink.end();
                if depth == 0 {
                    return Ok(());
                }
            }
            Event::Text(t) => {
                if depth > 0 {
                    sink.text(&t.xml_content(XmlVersion::Implicit1_0).map_err(xml_error)?);
                }
            }
            Event::CData(t) => {
                if depth > 0 {
                    sink.text(&t.decode().map_err(xml_error)?);
                }
            }
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref().map_err(xml_error)?
                } else {
                    match r.decode().map_err(xml_error)?.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        other => {
                            return Err(xml_error(format!("undeclared entity `&{other};`")));
                        }
                    }
                };
                if let (true, Some(c)) = (depth > 0, c) {
                    sink.text(c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => return Err(xml_error("no root element or unclosed element")),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
        buf.clear();
    }
}

/// Builds the document's tree from [`walk`]'s events.
#[derive(Default)]
struct Tree {
    stack: Vec<Node>,
    root: Option<Node>,
}

impl Sink for Tree {
    fn start(&mut self, name: &str, attrs: &Attrs) {
        self.stack.push(Node {
            name: name.to_owned(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            ..Node::default()
        });
    }

    fn text(&mut self, text: &str) {
        if let Some(node) = self.stack.last_mut() {
            node.text.push_str(text);
        }
    }

    fn end(&mut self) {
        if let Some(node) = self.stack.pop() {
            match self.stack.last_mut() {
                Some(parent) => parent.children.push(node),
                None => self.root = Some(node),
            }
        }
    }
}

/// Parses the document into its root element (also for `check`'s
/// CycloneDX XML reader).
pub(crate) fn parse(bytes: &[u8]) -> Result<Node> {
    let mut tree = Tree::default();
    walk(bytes, &mut tree)?;
    tree.root
        .ok_or_else(|| xml_error("no root element or unclosed element"))
}

fn entity(n: &Node) -> CdxEntity {
    CdxEntity {
        name: n.text_of("name").unwrap_or_default(),
        contact: n
            .children("contact")
            .map(|c| CdxContact {
                email: c.text_of("email").unwrap_or_default(),
            })
            .collect(),
    }
}

fn properties(n: &Node) -> Vec<CdxProperty> {
    n.child("properties")
        .map(|p| {
            p.children("property")
                .map(|p| CdxProperty {
                    name: p.attr("name").unwrap_or_default().to_owned(),
                    value: p.text.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn component(mut n: Node) -> CdxComponent {
    let nested = n
        .take("components")
        .into_iter()
        .flat_map(|mut c| c.take("component"))
        .map(component)
        .collect();
    let licenses = n
        .child("licenses")
        .map(|l| {
            l.children
                .iter()
                .filter_map(|c| match c.name.as_str() {
                    "license" => Some(CdxLicenseChoice {
                        license: Some(CdxLicense {
                            id: c.text_of("id"),
                            name: c.text_of("name"),
                        }),
                        expression: None,
                    }),
                    "expression" => Some(CdxLicenseChoice {
                        license: None,
                        expression: Some(c.text.clone()),
                    }),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    CdxComponent {
        kind: n.attr("type").unwrap_or_default().to_owned(),
        bom_ref: n.attr("bom-ref").map(str::to_owned),
        group: n.text_of("group").unwrap_or_default(),
        name: n.text_of("name").unwrap_or_default(),
        version: n.text_of("version").unwrap_or_default(),
        description: n.text_of("description").unwrap_or_default(),
        supplier: n.child("supplier").map(entity),
        purl: n.text_of("purl"),
        cpe: n.text_of("cpe"),
        licenses,
        properties: properties(&n),
        components: nested,
    }
}

/// Reads CycloneDX XML (already sniffed as such).
pub(in crate::format) fn read(bytes: &[u8]) -> Result<Catalog> {
    let mut root = parse(bytes)?;
    if root.name != "bom" {
        return Err(xml_error(format!(
            "the root element is `{}`, not `bom`",
            root.name
        )));
    }
    let metadata = root
        .take("metadata")
        .into_iter()
        .next()
        .map(|mut m| CdxMetadata {
            properties: properties(&m),
            component: m.take("component").into_iter().next().map(component),
        })
        .unwrap_or_default();
    let components = root
        .take("components")
        .into_iter()
        .flat_map(|mut c| c.take("component"))
        .map(component)
        .collect();
    let dependencies = root
        .child("dependencies")
        .map(|d| {
            d.children("dependency")
                .map(|d| CdxDependency {
                    reference: d.attr("ref").unwrap_or_default().to_owned(),
                    depends_on: d
                        .children("dependency")
                        .filter_map(|t| t.attr("ref"))
                        .map(str::to_owned)
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let bom = CdxBom {
        metadata,
        components,
        dependencies,
    };
    Ok(to_catalog(bom, "cyclonedx-xml"))
}
