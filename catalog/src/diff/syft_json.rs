//! The diff's lean reader of syft JSON: mirrors of format/syft_json/
//! read.rs's structs (same fields, same order, same types accepted, so the
//! same documents accepted) whose names, versions and PURLs borrow from
//! the input; each artifact is mapped as it is parsed, its metadata read
//! only for the supplier (`maintainer`, `vendor`), its owned files, CPEs
//! and the document's `files` and relationships checked and dropped.
//! Locations name their layer by diff ID and are placed by the source's
//! layer list, which syft writes after the artifacts: the positions are
//! filled in after the pass.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::lean::{
    document_metadata, ecosystem_of, locations_of, owned_if, Checked, CheckedList, ForEach, Str,
};
use super::listing::{Entry, Listing};
use crate::cataloger::DocumentSupplier;
use crate::format::{self, nullable, syft_licenses, syft_supplier, Kind, SyftCpe, SyftLicense};
use crate::model::{LayerRef, Location};

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
#[allow(dead_code)]
struct Artifact<'a> {
    #[serde(deserialize_with = "nullable")]
    id: Checked,
    #[serde(borrow, deserialize_with = "nullable")]
    name: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    version: Str<'a>,
    #[serde(deserialize_with = "nullable")]
    found_by: Checked,
    #[serde(borrow, deserialize_with = "nullable")]
    locations: Vec<ArtifactLocation<'a>>,
    #[serde(deserialize_with = "nullable")]
    licenses: Vec<SyftLicense>,
    #[serde(deserialize_with = "nullable")]
    cpes: Vec<SyftCpe>,
    #[serde(borrow, deserialize_with = "nullable")]
    purl: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    metadata: Metadata<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ArtifactLocation<'a> {
    #[serde(borrow, deserialize_with = "nullable")]
    path: Str<'a>,
    #[serde(rename = "layerID", borrow)]
    layer_id: Option<Str<'a>>,
}

/// The full reader's `SyftMetadata`: `files` of any shape (records or
/// not, only checked to be JSON), `maintainer` and `vendor` kept when
/// strings.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata<'a> {
    #[allow(dead_code)]
    files: AnyValue,
    #[serde(borrow)]
    maintainer: Lenient<'a>,
    #[serde(borrow)]
    vendor: Lenient<'a>,
}

/// Any JSON value, checked as the full reader's untagged enums check what
/// they buffer (every string decoded, so an invalid escape is refused, as
/// `IgnoredAny` would not), and dropped.
#[derive(Default)]
struct AnyValue;

impl<'de> Deserialize<'de> for AnyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(AnyVisitor)
    }
}

struct AnyVisitor;

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = AnyValue;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_unit<E>(self) -> std::result::Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_none<E>(self) -> std::result::Result<AnyValue, E> {
        Ok(AnyValue)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<AnyValue, D::Error> {
        AnyValue::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<AnyValue, A::Error> {
        while seq.next_element::<AnyValue>()?.is_some() {}
        Ok(AnyValue)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<AnyValue, A::Error> {
        while map.next_entry::<AnyValue, AnyValue>()?.is_some() {}
        Ok(AnyValue)
    }
}

/// A string, or nothing when the value is of another type (any JSON
/// value is accepted, checked as [`AnyValue`]), as the full reader's
/// `lenient_text`.
#[derive(Default)]
struct Lenient<'a>(Option<Str<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Lenient<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Lenient<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(Lenient(Some(Str(Cow::Borrowed(v)))))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(Lenient(Some(Str(Cow::Owned(v.to_owned())))))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Self::Value, E> {
                Ok(Lenient(Some(Str(Cow::Owned(v)))))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_none<E>(self) -> std::result::Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_some<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> std::result::Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                AnyVisitor.visit_seq(seq).map(|_| Lenient(None))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                AnyVisitor.visit_map(map).map(|_| Lenient(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl Lenient<'_> {
    fn as_str(&self) -> &str {
        self.0.as_ref().map_or("", Str::as_str)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FileEntry {
    #[serde(deserialize_with = "nullable")]
    #[allow(dead_code)]
    id: Checked,
    #[serde(deserialize_with = "nullable")]
    #[allow(dead_code)]
    location: CheckedLocation,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct CheckedLocation {
    #[serde(deserialize_with = "nullable")]
    #[allow(dead_code)]
    path: Checked,
    #[serde(rename = "layerID")]
    #[allow(dead_code)]
    layer_id: Option<Checked>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Relationship {
    #[serde(deserialize_with = "nullable")]
    #[allow(dead_code)]
    parent: Checked,
    #[serde(deserialize_with = "nullable")]
    #[allow(dead_code)]
    child: Checked,
    #[serde(rename = "type", deserialize_with = "nullable")]
    #[allow(dead_code)]
    kind: Checked,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Source<'a> {
    #[serde(deserialize_with = "nullable")]
    #[allow(dead_code)]
    name: Checked,
    #[serde(deserialize_with = "nullable")]
    #[allow(dead_code)]
    version: Checked,
    #[serde(rename = "type", borrow, deserialize_with = "nullable")]
    kind: Str<'a>,
    #[serde(borrow, deserialize_with = "nullable")]
    metadata: SourceMetadata<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
#[allow(dead_code)]
struct SourceMetadata<'a> {
    #[serde(deserialize_with = "nullable")]
    user_input: Checked,
    #[serde(rename = "imageID", deserialize_with = "nullable")]
    image_id: Checked,
    #[serde(deserialize_with = "nullable")]
    manifest_digest: Checked,
    #[serde(borrow, deserialize_with = "nullable")]
    layers: Vec<Layer<'a>>,
    #[serde(deserialize_with = "nullable")]
    architecture: Checked,
    #[serde(deserialize_with = "nullable")]
    architecture_variant: Checked,
    #[serde(deserialize_with = "nullable")]
    os: Checked,
    #[serde(deserialize_with = "nullable")]
    path: Checked,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
#[allow(dead_code)]
struct Layer<'a> {
    #[serde(deserialize_with = "nullable")]
    media_type: Checked,
    #[serde(borrow, deserialize_with = "nullable")]
    digest: Str<'a>,
    size: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
#[allow(dead_code)]
struct Distro {
    #[serde(deserialize_with = "nullable")]
    pretty_name: Checked,
    #[serde(deserialize_with = "nullable")]
    id: Checked,
    #[serde(deserialize_with = "nullable")]
    id_like: CheckedList,
    #[serde(rename = "versionID", deserialize_with = "nullable")]
    version_id: Checked,
    #[serde(deserialize_with = "nullable")]
    version_codename: Checked,
}

/// Reads syft JSON without building a catalog; `None` when the full
/// reader is to decide (not syft JSON, or refused).
pub(super) fn read(bytes: &[u8], own: bool) -> Option<Listing<'_>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let listing = Document { own }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(listing)
}

/// The top level of a syft document: `artifacts`,
/// `artifactRelationships`, `files`, `source`, `distro` (each once, all
/// optional), other keys skipped.
struct Document {
    own: bool,
}

impl<'de> DeserializeSeed<'de> for Document {
    type Value = Listing<'de>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Listing<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

/// Reading the artifacts: the listing and what maps them.
struct State<'a> {
    listing: Listing<'a>,
    /// A license list's key (its values and expressions) -> its index in
    /// the listing: the licences are derived once per distinct list.
    licenses: HashMap<String, u32>,
    key: String,
}

impl<'a> State<'a> {
    /// One artifact, as the full reader maps it (`to_package`); the
    /// locations' layer positions are filled in later.
    fn artifact(&mut self, a: Artifact<'a>) {
        let purl = a.purl.0;
        let Some(ecosystem) = ecosystem_of(&purl) else {
            return;
        };
        let license = self.license(a.licenses);
        let locations: Vec<Location> = a
            .locations
            .iter()
            .map(|l| {
                let layer = l
                    .layer_id
                    .as_ref()
                    .map(Str::as_str)
                    .filter(|d| !d.is_empty())
                    .map(|d| LayerRef {
                        index: 0,
                        diff_id: Some(d.to_owned()),
                        digest: d.to_owned(),
                    });
                Location::new(l.path.as_str(), layer)
            })
            .collect();
        let name = a.name.0;
        let version = a.version.0;
        let supplier =
            match syft_supplier(a.metadata.maintainer.as_str(), a.metadata.vendor.as_str()) {
                Some((sname, email, organization)) => {
                    document_metadata(ecosystem, &name, &version, &purl).and_then(|mut m| {
                        m.fields_mut().set_supplier(&DocumentSupplier {
                            name: &sname,
                            email: &email,
                            organization,
                        });
                        super::supplier_of(&m).map(|s| self.listing.intern_supplier(&s))
                    })
                }
                None => None,
            };
        let own = self.listing.own;
        self.listing.entries.push(Entry {
            name: owned_if(own, name),
            version: owned_if(own, version),
            purl: owned_if(own, purl),
            ecosystem,
            license,
            supplier,
            locations: locations_of(locations),
        });
    }

    /// The index of an artifact's licences ([`syft_licenses`]), derived
    /// once per distinct list.
    fn license(&mut self, list: Vec<SyftLicense>) -> u32 {
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        for l in &list {
            match l {
                SyftLicense::Text(t) => {
                    key.push('t');
                    key.push_str(t);
                }
                SyftLicense::Object(o) => {
                    key.push('o');
                    key.push_str(&o.value);
                    key.push('\0');
                    key.push_str(&o.spdx_expression);
                }
            }
            key.push('\x01');
        }
        let i = match self.licenses.get(key.as_str()) {
            Some(&i) => i,
            None => {
                let i = self.listing.intern_licenses(&syft_licenses(list));
                self.licenses.insert(key.clone(), i);
                i
            }
        };
        self.key = key;
        i
    }
}

impl<'de> Visitor<'de> for Document {
    type Value = Listing<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a syft JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Listing<'de>, A::Error> {
        use serde::de::Error as _;
        let mut state = State {
            listing: Listing::default(),
            licenses: HashMap::new(),
            key: String::new(),
        };
        state.listing.own = self.own;
        let mut seen = [false; 5];
        let mut source = Source::default();
        let mut sniff = format::Sniff {
            object: true,
            ..format::Sniff::default()
        };
        while let Some(key) = map.next_key::<Str<'de>>()? {
            let slot = match key.as_str() {
                "artifacts" => 0,
                "artifactRelationships" => 1,
                "files" => 2,
                "source" => 3,
                "distro" => 4,
                other => {
                    sniff.value(other, &mut map)?;
                    continue;
                }
            };
            if std::mem::replace(&mut seen[slot], true) {
                return Err(A::Error::custom("duplicate field"));
            }
            match slot {
                0 => {
                    sniff.artifacts = true;
                    map.next_value_seed(ForEach::new(
                        "a list of artifacts",
                        |a: Artifact<'de>| {
                            state.artifact(a);
                        },
                    ))?;
                }
                1 => map.next_value_seed(ForEach::new(
                    "a list of relationships",
                    |_: Relationship| {},
                ))?,
                2 => map.next_value_seed(ForEach::new("a list of files", |_: FileEntry| {}))?,
                3 => source = map.next_value::<Option<Source<'de>>>()?.unwrap_or_default(),
                _ => {
                    map.next_value::<Option<Distro>>()?;
                }
            }
        }
        if !matches!(format::kind_of(&sniff), Ok(Kind::SyftJson)) {
            return Err(A::Error::custom("not a syft JSON document"));
        }
        let mut listing = state.listing;
        // The full reader's positions: a digest's last place in the list
        // (0 when not listed); the source's layers only for an image.
        let layers = source.metadata.layers;
        let index: HashMap<&str, usize> = layers
            .iter()
            .enumerate()
            .map(|(i, l)| (l.digest.as_str(), i))
            .collect();
        for loc in listing.entries.iter_mut().flat_map(|e| &mut e.locations) {
            if let Some(layer) = &mut loc.layer {
                layer.index = index
                    .get(layer.digest.as_ref())
                    .copied()
                    .unwrap_or_default();
            }
        }
        drop(index);
        if source.kind.as_str() != "directory" {
            for (i, l) in layers.into_iter().enumerate() {
                listing.layers.insert(l.digest.0, i);
            }
        }
        listing.sort();
        listing.finish();
        Ok(listing)
    }
}
