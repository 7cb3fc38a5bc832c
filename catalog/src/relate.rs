//! Relationships between cataloged packages: declared dependencies resolved
//! by name (and `Provides`), and ownership by file overlap.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::{Completeness, Ecosystem, Package, PackageId, Relationship, RelationshipKind};

/// A relationship by package positions (or id ranks), until the ids are
/// written out: 12 bytes instead of 24.
type Edge = (u32, u32, RelationshipKind);

/// A package position as an [`Edge`] end; `None` past `u32::MAX`
/// packages, which no memory holds.
fn end(i: usize) -> Option<u32> {
    u32::try_from(i).ok()
}

/// Builds the relationships, sorted and without duplicates.
///
/// A large tree has hundreds of thousands of them (`dir:/` on a build
/// host: over 400,000), so they are found, sorted and deduplicated as
/// package positions ranked by id, and the result is made once (exact
/// capacity, 24 bytes a relationship).
pub fn relationships(packages: &[Package]) -> Vec<Relationship> {
    let ids: Vec<PackageId> = packages.iter().map(Package::package_id).collect();
    // Each distinct id once, sorted; `rank` gives a package's place there,
    // so ordering edges by rank orders them as their ids, and packages
    // that share an id give one relationship, as they would by id.
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&at| ids.get(at));
    let mut distinct: Vec<PackageId> = Vec::new();
    let mut rank = vec![0usize; ids.len()];
    for &at in &order {
        let Some(&id) = ids.get(at) else { continue };
        if distinct.last() != Some(&id) {
            distinct.push(id);
        }
        if let Some(r) = rank.get_mut(at) {
            *r = distinct.len().saturating_sub(1);
        }
    }
    drop(order);
    drop(ids);
    let mut edges = dependencies(packages);
    edges.extend(ownership(packages));
    let ranked = |at: u32| {
        usize::try_from(at)
            .ok()
            .and_then(|at| rank.get(at))
            .and_then(|&r| end(r))
            .unwrap_or_default()
    };
    for (from, to, _) in &mut edges {
        *from = ranked(*from);
        *to = ranked(*to);
    }
    drop(rank);
    edges.sort_unstable();
    edges.dedup();
    let id = |r: u32| {
        usize::try_from(r)
            .ok()
            .and_then(|r| distinct.get(r))
            .copied()
    };
    let mut out = Vec::with_capacity(edges.len());
    out.extend(edges.into_iter().filter_map(|(from, to, kind)| {
        Some(Relationship {
            from: id(from)?,
            to: id(to)?,
            kind,
        })
    }));
    out
}

/// Declared dependencies resolved by name (and `Provides`), by position.
fn dependencies(packages: &[Package]) -> Vec<Edge> {
    // (ecosystem, name-or-provided) → package positions
    let mut by_name: BTreeMap<(Ecosystem, String), Vec<usize>> = BTreeMap::new();
    for (i, p) in packages.iter().enumerate() {
        by_name
            .entry((p.ecosystem, p.name.clone()))
            .or_default()
            .push(i);
        for prov in p.metadata.fields().provides() {
            let name = strip_constraint(prov);
            by_name.entry((p.ecosystem, name)).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for (i, p) in packages.iter().enumerate() {
        let here = p.locations.first().map(|l| l.path.as_str());
        let same_place = |t: &usize| {
            packages
                .get(*t)
                .and_then(|q| q.locations.first())
                .map(|l| l.path.as_str())
                == here
        };
        for dep in &p.dependencies {
            if let Some(targets) = by_name.get(&(p.ecosystem, dep.clone())) {
                let local: Vec<usize> = targets.iter().copied().filter(same_place).collect();
                let targets = if p.ecosystem.dependencies_within_location() && !local.is_empty() {
                    &local
                } else {
                    targets
                };
                out.extend(
                    targets
                        .iter()
                        .filter(|&&t| t != i)
                        .filter_map(|&t| Some((end(i)?, end(t)?, RelationshipKind::DependsOn))),
                );
            }
        }
    }
    out
}

/// OS packages that own another ecosystem's package's evidence files, by
/// position. Only the evidence paths are indexed (a few per language
/// package), not every file the OS packages own (a host has millions).
fn ownership(packages: &[Package]) -> Vec<Edge> {
    let mut evidence_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, p) in packages.iter().enumerate() {
        if p.ecosystem.is_os_package() {
            continue;
        }
        for loc in &p.locations {
            evidence_of.entry(loc.path.as_str()).or_default().push(j);
        }
    }
    let mut out = Vec::new();
    for (i, p) in packages.iter().enumerate() {
        if !p.ecosystem.is_os_package() {
            continue;
        }
        for f in &p.files {
            for &j in evidence_of.get(f.path.as_str()).into_iter().flatten() {
                if let (Some(i), Some(j)) = (end(i), end(j)) {
                    out.push((i, j, RelationshipKind::OwnershipByFileOverlap));
                }
            }
        }
    }
    out
}

/// How complete each package's list of dependencies is, in package order:
/// [`Completeness::Complete`] when its ecosystem's database records every
/// direct dependency ([`Ecosystem::dependencies_complete`]) and each
/// declared name resolves to a package of the catalog (by name or
/// `Provides`, as [`relationships`] resolves them);
/// [`Completeness::Incomplete`] when such a package names a dependency
/// nothing in the catalog provides (an alternative not installed, a
/// dependency deleted from the image); [`Completeness::Unknown`] for the
/// other ecosystems.
pub fn dependency_completeness(packages: &[Package]) -> Vec<Completeness> {
    let mut names: BTreeSet<(Ecosystem, String)> = BTreeSet::new();
    for p in packages
        .iter()
        .filter(|p| p.ecosystem.dependencies_complete())
    {
        names.insert((p.ecosystem, p.name.clone()));
        for prov in p.metadata.fields().provides() {
            names.insert((p.ecosystem, strip_constraint(prov)));
        }
    }
    packages
        .iter()
        .map(|p| {
            if !p.ecosystem.dependencies_complete() {
                Completeness::Unknown
            } else if p
                .dependencies
                .iter()
                .all(|d| names.contains(&(p.ecosystem, d.clone())))
            {
                Completeness::Complete
            } else {
                Completeness::Incomplete
            }
        })
        .collect()
}

/// For each package, in package order, the position of the OS package
/// whose supplier it takes as its distributor: a package of another
/// ecosystem whose own metadata names no supplier, whose evidence an OS
/// package owns (an [`RelationshipKind::OwnershipByFileOverlap`]
/// relationship in `relationships`) and that OS package names a supplier.
/// SPDX's `PackageSupplier` is "the actual distribution source" and
/// CycloneDX's `supplier` "may be a distributor or repackager": a Debian
/// `node-*` package that installed `/usr/share/nodejs/x/package.json` is
/// where that npm package came from. When several OS packages own it, the
/// first in package order (sorted by type, name, version) with a supplier.
/// `None` for the others, a package that names its own supplier included.
pub fn distributors(packages: &[Package], relationships: &[Relationship]) -> Vec<Option<u32>> {
    let mut out = vec![None; packages.len()];
    if !relationships
        .iter()
        .any(|r| r.kind == RelationshipKind::OwnershipByFileOverlap)
    {
        return out;
    }
    let has_supplier = |p: &Package| p.metadata.fields().supplier().is_some();
    // Only the packages that can be either end, by id, sorted (12 bytes
    // each: a `dir:/` catalog has hundreds of thousands of packages).
    let mut owners: Vec<(PackageId, u32)> = Vec::new();
    let mut owned: Vec<(PackageId, u32)> = Vec::new();
    for (i, p) in packages.iter().enumerate() {
        let Some(i) = end(i) else { continue };
        if !has_supplier(p) {
            if !p.ecosystem.is_os_package() {
                owned.push((p.package_id(), i));
            }
        } else if p.ecosystem.is_os_package() {
            owners.push((p.package_id(), i));
        }
    }
    owners.sort_unstable();
    owned.sort_unstable();
    let at = |list: &[(PackageId, u32)], id: PackageId| -> std::ops::Range<usize> {
        let from = list.partition_point(|(k, _)| *k < id);
        let to = list.partition_point(|(k, _)| *k <= id);
        from..to
    };
    for r in relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::OwnershipByFileOverlap)
    {
        // The first package in order with the owner's id.
        let Some(owner) = owners
            .get(at(&owners, r.from))
            .and_then(|o| o.iter().map(|&(_, i)| i).min())
        else {
            continue;
        };
        for &(_, j) in owned.get(at(&owned, r.to)).into_iter().flatten() {
            let slot = usize::try_from(j).ok().and_then(|j| out.get_mut(j));
            if let Some(slot) = slot {
                if slot.is_none_or(|o| owner < o) {
                    *slot = Some(owner);
                }
            }
        }
    }
    out
}

/// `so:libc.so=1.2` / `foo (>= 1)` / `foo>=1` → the bare name.
fn strip_constraint(s: &str) -> String {
    let s = s.trim();
    let end = s.find([' ', '(', '=', '<', '>', '~']).unwrap_or(s.len());
    s.get(..end).unwrap_or(s).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        ApkMetadata, DebMetadata, Licenses, Location, Metadata, NpmMetadata, OwnedFile,
        PypiMetadata,
    };

    fn deb(name: &str, deps: &[&str], provides: &[&str], files: &[&str]) -> Package {
        Package {
            name: name.into(),
            version: "1".into(),
            ecosystem: Ecosystem::Deb,
            purl: String::new(),
            cpes: vec![],
            licenses: Licenses::default(),
            locations: vec![Location::new("var/lib/dpkg/status", None)],
            found_by: "t".into(),
            files: files
                .iter()
                .map(|f| OwnedFile {
                    path: (*f).into(),
                    digest: None,
                })
                .collect(),
            dependencies: deps.iter().map(|s| (*s).to_owned()).collect(),
            metadata: Metadata::Deb(DebMetadata {
                provides: provides.iter().map(|s| (*s).to_owned()).collect(),
                ..DebMetadata::default()
            }),
        }
    }

    #[test]
    fn dependencies_resolve_through_provides_and_ownership_is_found() {
        let a = deb(
            "a",
            &["mail-transport-agent"],
            &[],
            &["/usr/lib/python3/dist-packages/x-1.dist-info/METADATA"],
        );
        let b = deb("b", &[], &["mail-transport-agent (= 1)"], &[]);
        let mut py = deb("x", &[], &[], &[]);
        py.ecosystem = Ecosystem::Pypi;
        py.metadata = Metadata::Pypi(PypiMetadata::default());
        py.locations = vec![Location::new(
            "usr/lib/python3/dist-packages/x-1.dist-info/METADATA",
            None,
        )];
        let pkgs = vec![a.clone(), b.clone(), py.clone()];
        let rels = relationships(&pkgs);
        assert!(rels.contains(&Relationship {
            from: a.package_id(),
            to: b.package_id(),
            kind: RelationshipKind::DependsOn
        }));
        assert!(rels.contains(&Relationship {
            from: a.package_id(),
            to: py.package_id(),
            kind: RelationshipKind::OwnershipByFileOverlap
        }));
        assert_eq!(rels.len(), 2);
    }

    fn language(ecosystem: Ecosystem, name: &str, path: &str, files: &[&str]) -> Package {
        let mut p = deb(name, &[], &[], files);
        p.ecosystem = ecosystem;
        p.metadata = match ecosystem {
            Ecosystem::Npm => Metadata::Npm(NpmMetadata::default()),
            _ => Metadata::Pypi(PypiMetadata::default()),
        };
        p.locations = vec![Location::new(path, None)];
        p
    }

    fn owned(rels: &[Relationship]) -> Vec<(PackageId, PackageId)> {
        rels.iter()
            .filter(|r| r.kind == RelationshipKind::OwnershipByFileOverlap)
            .map(|r| (r.from, r.to))
            .collect()
    }

    #[test]
    fn any_os_package_owns_any_language_package_by_its_evidence() {
        let node_lodash = deb(
            "node-lodash",
            &[],
            &[],
            &["/usr/share/nodejs/lodash/package.json"],
        );
        let mut apk = deb(
            "py3-six",
            &[],
            &[],
            &["/usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA"],
        );
        apk.ecosystem = Ecosystem::Apk;
        apk.metadata = Metadata::Apk(ApkMetadata::default());
        let lodash = language(
            Ecosystem::Npm,
            "lodash",
            "usr/share/nodejs/lodash/package.json",
            &[],
        );
        let six = language(
            Ecosystem::Pypi,
            "six",
            "usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA",
            &[],
        );
        // Installed by npm: no OS package lists its manifest.
        let global = language(
            Ecosystem::Npm,
            "cowsay",
            "usr/local/lib/node_modules/cowsay/package.json",
            &[],
        );
        // A language package's own files never make it an owner.
        let claims = language(
            Ecosystem::Pypi,
            "claims",
            "x/claims-1.dist-info/METADATA",
            &["/usr/local/lib/node_modules/cowsay/package.json"],
        );
        let pkgs = vec![
            node_lodash.clone(),
            apk.clone(),
            lodash.clone(),
            six.clone(),
            global,
            claims,
        ];
        let rels = relationships(&pkgs);
        let mut want = vec![
            (node_lodash.package_id(), lodash.package_id()),
            (apk.package_id(), six.package_id()),
        ];
        want.sort();
        assert_eq!(owned(&rels), want);
    }

    fn maintained(mut p: Package, maintainer: Option<&str>) -> Package {
        p.metadata = Metadata::Deb(DebMetadata {
            maintainer: maintainer.map(str::to_owned),
            ..DebMetadata::default()
        });
        p
    }

    #[test]
    fn an_os_package_that_installed_a_language_package_is_its_distributor() {
        const JS: &str =
            "Debian Javascript Maintainers <pkg-javascript-devel@lists.alioth.debian.org>";
        let node_ms = maintained(
            deb("node-ms", &[], &[], &["/usr/share/nodejs/ms/package.json"]),
            Some(JS),
        );
        // Names no maintainer: gives none.
        let bare = maintained(
            deb("bare", &[], &[], &["/usr/share/nodejs/bare/package.json"]),
            None,
        );
        // Two owners: the first in package order with a supplier.
        let a_owner = maintained(
            deb(
                "a-owner",
                &[],
                &[],
                &["/usr/share/nodejs/both/package.json"],
            ),
            Some("A <a@example.org>"),
        );
        let z_owner = maintained(
            deb(
                "z-owner",
                &[],
                &[],
                &["/usr/share/nodejs/both/package.json"],
            ),
            Some("Z <z@example.org>"),
        );
        let ms = language(
            Ecosystem::Npm,
            "ms",
            "usr/share/nodejs/ms/package.json",
            &[],
        );
        let mut authored = language(
            Ecosystem::Npm,
            "ms-authored",
            "usr/share/nodejs/ms/package.json",
            &[],
        );
        authored.metadata = Metadata::Npm(NpmMetadata {
            author: Some("Upstream <up@example.org>".into()),
            ..NpmMetadata::default()
        });
        let unowned = language(
            Ecosystem::Npm,
            "bare",
            "usr/share/nodejs/bare/package.json",
            &[],
        );
        let both = language(
            Ecosystem::Npm,
            "both",
            "usr/share/nodejs/both/package.json",
            &[],
        );
        let global = language(
            Ecosystem::Npm,
            "cowsay",
            "usr/local/lib/node_modules/cowsay/package.json",
            &[],
        );
        let pkgs = vec![
            a_owner, bare, node_ms, z_owner, both, authored, unowned, ms, global,
        ];
        let rels = relationships(&pkgs);
        let got = distributors(&pkgs, &rels);
        // OS packages, a package with its own supplier, one whose owner
        // names none and one no OS package owns get none.
        assert_eq!(
            got,
            [None, None, None, None, Some(0), None, None, Some(2), None]
        );
        // The same relationships in another order give the same answer.
        let mut reversed = rels.clone();
        reversed.reverse();
        assert_eq!(distributors(&pkgs, &reversed), got);
        // Without ownership relationships (a document without them) none.
        assert_eq!(distributors(&pkgs, &[]), vec![None; pkgs.len()]);
    }
}
