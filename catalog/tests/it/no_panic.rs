//! Every cataloger on mangled copies of every real fixture: truncations,
//! byte flips, inserted junk. No input may panic; damage must surface as
//! diagnostics, not as lost fixtures.

use std::path::{Path, PathBuf};

use sbomctl_catalog::cataloger::{self, Context, File, FileTree, Findings, SourceKind};

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

use sbomctl_testutil::rng::Rng;

fn mangle(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut d = data.to_vec();
    match rng.below(4) {
        0 => d.truncate(rng.below(d.len() + 1)),
        1 => {
            for _ in 0..=rng.below(8) {
                if !d.is_empty() {
                    let i = rng.below(d.len());
                    d[i] = rng.next_u64() as u8;
                }
            }
        }
        2 => {
            let i = rng.below(d.len() + 1);
            let junk: &[u8] = match rng.below(5) {
                0 => b"\n\n",
                1 => b"\xff\xfe\x00",
                2 => b"{\"a\":[[[[",
                3 => b":\n :",
                _ => b"\"\\u12",
            };
            d.splice(i..i, junk.iter().copied());
        }
        _ => {
            // Duplicate a slice: repeated records and fields.
            if !d.is_empty() {
                let a = rng.below(d.len());
                let b = (a + rng.below(200)).min(d.len());
                let piece = d[a..b].to_vec();
                d.extend_from_slice(&piece);
            }
        }
    }
    d
}

fn run_all(tree: &FileTree, kind: SourceKind) -> Findings {
    let ctx = Context {
        distro: None,
        source_kind: kind,
    };
    let mut out = Findings::default();
    for c in cataloger::all() {
        c.catalog(tree, &ctx, &mut out);
    }
    out
}

#[test]
fn catalogers_survive_mangled_fixtures() {
    let catalogers = cataloger::all();
    let wanted = cataloger::wanted(&catalogers);
    let fixtures = fixtures();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut exercised = 0;
    for (path, data) in &fixtures {
        // Place each fixture where its own path says (fixture dirs mirror a
        // root filesystem: apk/base/lib/apk/db/installed, …).
        if !wanted.matches(path) {
            continue;
        }
        exercised += 1;
        for kind in [SourceKind::Image, SourceKind::Directory] {
            for _ in 0..40 {
                let mut tree = FileTree::new();
                tree.insert(File {
                    path: path.clone(),
                    data: mangle(data, &mut rng).into(),
                    layer: None,
                    truncated: rng.below(10) == 0,
                });
                let _ = run_all(&tree, kind);
            }
        }
    }
    assert!(
        exercised > 50,
        "only {exercised} fixtures are at wanted paths"
    );
}

#[test]
fn whole_fixture_tree_catalogs_with_diagnostics_for_the_corrupt_ones() {
    let mut tree = FileTree::new();
    for (path, data) in fixtures() {
        tree.insert(File {
            path,
            data: data.into(),
            layer: None,
            truncated: false,
        });
    }
    let out = run_all(&tree, SourceKind::Directory);
    assert!(out.packages.len() > 100, "{} packages", out.packages.len());
    for eco in ["apk", "deb", "npm", "pypi", "rpm"] {
        assert!(
            out.packages.iter().any(|p| p.ecosystem.as_str() == eco),
            "{eco}"
        );
    }
    let diag_paths: Vec<String> = out
        .diagnostics
        .iter()
        .filter_map(|d| d.location.as_ref().map(|l| l.path.clone()))
        .collect();
    for corrupt in [
        "/apk/corrupt/lib/apk/db/installed",
        "/npm/corrupt/package-lock.json",
    ] {
        assert!(
            diag_paths.iter().any(|p| p == corrupt),
            "{corrupt} should have a diagnostic: {diag_paths:?}"
        );
    }
}
