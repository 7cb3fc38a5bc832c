//! One side's packages as the diff sees them: a [`Listing`] of lean
//! [`Entry`]s holding only what a diff compares or reports (name, version,
//! PURL, licenses, supplier, locations), borrowing from a [`Catalog`] or
//! from the bytes of an SBOM document ([`Listing::read`]).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::model::{Catalog, Ecosystem, Licenses, Location};

/// A layer a location names, as [`crate::model::LayerRef`] (same fields,
/// same order).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct LayerKey<'a> {
    pub(crate) digest: Cow<'a, str>,
    pub(crate) diff_id: Option<Cow<'a, str>>,
    pub(crate) index: usize,
}

/// A location, as [`Location`] (same fields, same order, so the same
/// sort order).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Loc<'a> {
    pub(crate) path: Cow<'a, str>,
    pub(crate) layer: Option<LayerKey<'a>>,
}

impl<'a> Loc<'a> {
    fn borrowed(l: &'a Location) -> Self {
        Loc {
            path: Cow::Borrowed(&l.path),
            layer: l.layer.as_ref().map(|l| LayerKey {
                digest: Cow::Borrowed(&l.digest),
                diff_id: l.diff_id.as_deref().map(Cow::Borrowed),
                index: l.index,
            }),
        }
    }

    pub(crate) fn owned(l: Location) -> Loc<'static> {
        Loc {
            path: Cow::Owned(l.path),
            layer: l.layer.map(|l| LayerKey {
                digest: Cow::Owned(l.digest),
                diff_id: l.diff_id.map(Cow::Owned),
                index: l.index,
            }),
        }
    }
}

/// One package as the diff sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) version: Cow<'a, str>,
    pub(crate) purl: Cow<'a, str>,
    pub(crate) ecosystem: Ecosystem,
    /// Index into [`Listing::licenses`].
    pub(crate) license: u32,
    /// [`super::supplier`] of the package.
    pub(crate) supplier: Option<Arc<str>>,
    pub(crate) locations: Vec<Loc<'a>>,
}

/// A license set and its one-string form ([`super::license`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LicenseText {
    pub(crate) licenses: Licenses,
    pub(crate) text: String,
}

impl LicenseText {
    fn new(licenses: Licenses) -> Self {
        let text = match &licenses.expression {
            Some(e) => e.clone(),
            None => licenses.declared.join(" AND "),
        };
        LicenseText { licenses, text }
    }
}

/// The packages of one side of a diff, in the order of the catalog they
/// come from (a document read is sorted as
/// [`crate::format::read_document`] sorts it), with the layers' positions.
///
/// License sets and suppliers repeat across packages and are stored once.
#[derive(Debug, Clone, Default)]
pub struct Listing<'a> {
    pub(crate) entries: Vec<Entry<'a>>,
    pub(crate) licenses: Vec<LicenseText>,
    /// Layer digest -> position in the image (from the catalog's list of
    /// layers; empty for documents that list none).
    pub(crate) layers: HashMap<Cow<'a, str>, usize>,
    license_index: HashMap<String, u32>,
    suppliers: HashSet<Arc<str>>,
    key: String,
    /// The lean reader copies the strings it keeps ([`Listing::read_owned`]).
    pub(crate) own: bool,
}

impl<'a> Listing<'a> {
    /// The packages of `catalog`, borrowed.
    pub fn from_catalog(catalog: &'a Catalog) -> Listing<'a> {
        let mut out = Listing::with_capacity(catalog.packages.len());
        for l in &catalog.source.layers {
            out.layers.insert(Cow::Borrowed(l.digest.as_str()), l.index);
        }
        for p in &catalog.packages {
            let license = out.intern_licenses(&p.licenses);
            let supplier = super::supplier(p).map(|s| out.intern_supplier(&s));
            out.entries.push(Entry {
                name: Cow::Borrowed(&p.name),
                version: Cow::Borrowed(&p.version),
                purl: Cow::Borrowed(&p.purl),
                ecosystem: p.ecosystem,
                license,
                supplier,
                locations: p.locations.iter().map(Loc::borrowed).collect(),
            });
        }
        out
    }

    /// The packages of `catalog`, moved out of it.
    pub fn from_owned_catalog(catalog: Catalog) -> Listing<'static> {
        let mut out = Listing::with_capacity(catalog.packages.len());
        for l in catalog.source.layers {
            out.layers.insert(Cow::Owned(l.digest), l.index);
        }
        for p in catalog.packages {
            let license = out.intern_licenses(&p.licenses);
            let supplier = super::supplier(&p).map(|s| out.intern_supplier(&s));
            out.entries.push(Entry {
                name: Cow::Owned(p.name),
                version: Cow::Owned(p.version),
                purl: Cow::Owned(p.purl),
                ecosystem: p.ecosystem,
                license,
                supplier,
                locations: p.locations.into_iter().map(Loc::owned).collect(),
            });
        }
        out
    }

    /// The same listing owning all its strings (strings already owned are
    /// moved, not copied).
    pub fn into_static(self) -> Listing<'static> {
        fn own(s: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(s.into_owned())
        }
        Listing {
            // Same size, same alignment: collected in place.
            entries: self
                .entries
                .into_iter()
                .map(|e| Entry {
                    name: own(e.name),
                    version: own(e.version),
                    purl: own(e.purl),
                    ecosystem: e.ecosystem,
                    license: e.license,
                    supplier: e.supplier,
                    locations: e
                        .locations
                        .into_iter()
                        .map(|l| Loc {
                            path: own(l.path),
                            layer: l.layer.map(|k| LayerKey {
                                digest: own(k.digest),
                                diff_id: k.diff_id.map(own),
                                index: k.index,
                            }),
                        })
                        .collect(),
                })
                .collect(),
            licenses: self.licenses,
            layers: self.layers.into_iter().map(|(k, v)| (own(k), v)).collect(),
            license_index: self.license_index,
            suppliers: self.suppliers,
            key: self.key,
            own: true,
        }
    }

    pub(crate) fn with_capacity(n: usize) -> Self {
        Listing {
            entries: Vec::with_capacity(n),
            ..Listing::default()
        }
    }

    /// How many packages.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn license(&self, e: &Entry<'_>) -> &LicenseText {
        // Every entry's index comes from `intern_*`, so it is in range; an
        // empty set stands in otherwise.
        static NONE: LicenseText = LicenseText {
            licenses: Licenses {
                declared: Vec::new(),
                expression: None,
            },
            text: String::new(),
        };
        usize::try_from(e.license)
            .ok()
            .and_then(|i| self.licenses.get(i))
            .unwrap_or(&NONE)
    }

    fn push_license(&mut self, licenses: Licenses) -> u32 {
        let i = u32::try_from(self.licenses.len()).unwrap_or(u32::MAX);
        self.licenses.push(LicenseText::new(licenses));
        i
    }

    /// The index of a license set as a package holds it.
    pub(crate) fn intern_licenses(&mut self, l: &Licenses) -> u32 {
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        key.push('m');
        for d in &l.declared {
            key.push_str(d);
            key.push('\0');
        }
        if let Some(e) = &l.expression {
            key.push('\x01');
            key.push_str(e);
        }
        let i = match self.license_index.get(key.as_str()) {
            Some(&i) => i,
            None => {
                let i = self.push_license(l.clone());
                self.license_index.insert(key.clone(), i);
                i
            }
        };
        self.key = key;
        i
    }

    /// The index of the license set [`Licenses::from_declared`] makes of
    /// `declared`, computed once per distinct list.
    pub(crate) fn intern_declared<'s>(
        &mut self,
        declared: impl Iterator<Item = &'s str> + Clone,
    ) -> u32 {
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        key.push('d');
        for d in declared.clone() {
            key.push_str(d);
            key.push('\0');
        }
        let i = match self.license_index.get(key.as_str()) {
            Some(&i) => i,
            None => {
                let l = Licenses::from_declared(declared.map(str::to_owned).collect());
                let i = self.push_license(l);
                self.license_index.insert(key.clone(), i);
                i
            }
        };
        self.key = key;
        i
    }

    pub(crate) fn intern_supplier(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.suppliers.get(s) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(s);
        self.suppliers.insert(Arc::clone(&a));
        a
    }

    /// Sorts like [`crate::format::read_document`] sorts packages
    /// (ecosystem, name, version, locations; stable).
    pub(crate) fn sort(&mut self) {
        self.entries.sort_by(sort_key_cmp);
    }

    /// Frees the look-up tables only reading needs.
    pub(crate) fn finish(&mut self) {
        self.license_index = HashMap::new();
        self.suppliers = HashSet::new();
        self.key = String::new();
        self.entries.shrink_to_fit();
    }
}

fn sort_key_cmp(a: &Entry<'_>, b: &Entry<'_>) -> Ordering {
    a.ecosystem
        .cmp(&b.ecosystem)
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.version.cmp(&b.version))
        .then_with(|| a.locations.cmp(&b.locations))
}
