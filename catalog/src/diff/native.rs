//! The diff's lean reader of sbomctl's native JSON: a mirror of
//! [`crate::Catalog`]'s serde shape (the same fields, the same types
//! accepted, so the same documents accepted as
//! format/json/read.rs) whose package names, versions and PURLs borrow
//! from the input; the rest of each package (metadata, files, CPEs) is
//! parsed into its own type, used for the supplier, and dropped with the
//! package, and relationships and diagnostics are checked one at a time
//! and dropped.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::lean::{owned_if, Checked, CheckedList, Str};
use super::listing::{Entry, Listing, Loc};
use crate::format::{self, Kind};
use crate::model::{
    Diagnostic, Distro, Ecosystem, Licenses, Location, Metadata, OwnedFile, Relationship, Scope,
    SourceInfo,
};

/// A package as [`crate::Package`] deserializes (same fields, same
/// order, same types; unknown fields skipped).
#[derive(Deserialize)]
struct NativePackage<'a> {
    #[serde(borrow)]
    name: Str<'a>,
    #[serde(borrow)]
    version: Str<'a>,
    #[serde(rename = "type")]
    ecosystem: Ecosystem,
    #[serde(borrow)]
    purl: Str<'a>,
    #[serde(default)]
    #[allow(dead_code)]
    cpes: CheckedList,
    #[serde(default)]
    licenses: Licenses,
    locations: Vec<Location>,
    #[allow(dead_code)]
    found_by: Checked,
    #[serde(default)]
    #[allow(dead_code)]
    files: Vec<OwnedFile>,
    #[serde(default)]
    #[allow(dead_code)]
    dependencies: CheckedList,
    metadata: Metadata,
}

/// Reads native JSON without building a catalog; `None` when the full
/// reader is to decide (not native JSON of schema 1.x, or refused).
pub(super) fn read(bytes: &[u8], own: bool) -> Option<Listing<'_>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let listing = NativeDocument { own }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(listing)
}

/// The top level of a native document, as [`crate::Catalog`]: `source`,
/// `scope`, `distro`, `packages`, `relationships`, `diagnostics` (each
/// once; all but `distro` required), other keys skipped.
struct NativeDocument {
    own: bool,
}

impl<'de> DeserializeSeed<'de> for NativeDocument {
    type Value = Listing<'de>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Listing<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for NativeDocument {
    type Value = Listing<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a native sbomctl JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Listing<'de>, A::Error> {
        use serde::de::Error as _;
        let mut listing = Listing::default();
        listing.own = self.own;
        let mut seen = [false; 6];
        let mut source: Option<SourceInfo> = None;
        let mut sniff = format::Sniff {
            object: true,
            ..format::Sniff::default()
        };
        while let Some(key) = map.next_key::<Str<'de>>()? {
            let slot = match key.as_str() {
                "source" => 0,
                "scope" => 1,
                "distro" => 2,
                "packages" => 3,
                "relationships" => 4,
                "diagnostics" => 5,
                other => {
                    sniff.value(other, &mut map)?;
                    continue;
                }
            };
            if std::mem::replace(&mut seen[slot], true) {
                return Err(A::Error::custom("duplicate field"));
            }
            match slot {
                0 => source = Some(map.next_value()?),
                1 => {
                    map.next_value::<Scope>()?;
                }
                2 => {
                    map.next_value::<Option<Distro>>()?;
                }
                3 => map.next_value_seed(Packages(&mut listing))?,
                4 => map.next_value_seed(Each::<Relationship>(PhantomData))?,
                _ => map.next_value_seed(Each::<Diagnostic>(PhantomData))?,
            }
        }
        // `distro` alone may be missing.
        if seen.iter().enumerate().any(|(i, s)| i != 2 && !s) {
            return Err(A::Error::custom("missing field"));
        }
        match format::kind_of(&sniff) {
            Ok(Kind::Native(v)) if v.split('.').next() == Some("1") => {}
            _ => return Err(A::Error::custom("not native JSON of schema 1.x")),
        }
        for l in source.map(|s| s.layers).unwrap_or_default() {
            listing.layers.insert(Cow::Owned(l.digest), l.index);
        }
        listing.sort();
        listing.finish();
        Ok(listing)
    }
}

/// The packages, each mapped as it is parsed.
struct Packages<'l, 'a>(&'l mut Listing<'a>);

impl<'de: 'a, 'a> DeserializeSeed<'de> for Packages<'_, 'a> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for Packages<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of packages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let listing = self.0;
        if let Some(n) = seq.size_hint() {
            listing.entries.reserve(n);
        }
        while let Some(p) = seq.next_element::<NativePackage<'a>>()? {
            let license = listing.intern_licenses(&p.licenses);
            let supplier = super::supplier_of(&p.metadata).map(|s| listing.intern_supplier(&s));
            let own = listing.own;
            listing.entries.push(Entry {
                name: owned_if(own, p.name.0),
                version: owned_if(own, p.version.0),
                purl: owned_if(own, p.purl.0),
                ecosystem: p.ecosystem,
                license,
                supplier,
                locations: p.locations.into_iter().map(Loc::owned).collect(),
            });
        }
        Ok(())
    }
}

/// A list of `T`, each parsed (so checked) and dropped.
struct Each<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Each<T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Each<T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element::<T>()?.is_some() {}
        Ok(())
    }
}
