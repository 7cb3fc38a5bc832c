//! Inputs that used to cost time or memory growing faster than their size:
//! every derived value is bounded and a bound that is hit is a diagnostic.

use std::path::Path;

use sbomctl_catalog::format::{self, Format, RenderOptions};
use sbomctl_catalog::{catalog, Catalog, Options, Source};

fn write(root: &Path, path: &str, data: &[u8]) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn scan(root: &Path) -> Catalog {
    catalog(&Source::Dir(root.to_owned()), &Options::default()).unwrap()
}

#[test]
fn long_dashed_name_gets_no_cpes_and_a_diagnostic() {
    // CPE vendors are derived per dash, each as long as the name: 2 KiB of
    // `a-a-…` gave thousands of CPEs of 2 KiB each (16 KiB gave 807 MB).
    let name = "a-".repeat(1024) + "a";
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "lib/apk/db/installed",
        format!("P:musl-utils\nV:1.2.4-r2\n\nP:{name}\nV:1\n\n").as_bytes(),
    );
    let c = scan(dir.path());
    let long = c.packages.iter().find(|p| p.name == name).unwrap();
    assert!(long.cpes.is_empty(), "{} CPEs", long.cpes.len());
    let utils = c.packages.iter().find(|p| p.name == "musl-utils").unwrap();
    assert_eq!(utils.cpes.len(), 6, "normal names keep their CPEs");
    let d: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("no CPEs generated"))
        .collect();
    assert_eq!(d.len(), 1, "{:?}", c.diagnostics);
    assert_eq!(
        d[0].message,
        "package name is 2049 bytes, more than the 256 CPEs are generated for; no CPEs generated"
    );
    assert_eq!(
        d[0].location.as_ref().unwrap().path,
        "/lib/apk/db/installed"
    );
    let options = RenderOptions::at(0);
    for f in ["spdx-json", "cyclonedx-json", "json", "table"] {
        let doc = format::render(&c, f.parse::<Format>().unwrap(), &options);
        assert!(doc.len() < 64 * 1024, "{f}: {} bytes", doc.len());
    }
}

#[test]
fn wanted_files_past_the_scan_budget_are_skipped_with_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    // Sparse files: 3 × 30 MiB of wanted content, more than the 64 MiB
    // budget, without writing it.
    for name in ["a", "b", "c"] {
        let p = dir.path().join(format!("node_modules/{name}/package.json"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::File::create(&p)
            .unwrap()
            .set_len(30 << 20)
            .unwrap();
    }
    write(
        dir.path(),
        "lib/apk/db/installed",
        b"P:musl\nV:1.2.4-r2\n\n",
    );
    let c = scan(dir.path());
    let skipped: Vec<&str> = c
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("budget"))
        .map(|d| d.location.as_ref().unwrap().path.as_str())
        .collect();
    assert_eq!(skipped.len(), 1, "{:?}", c.diagnostics);
    assert!(skipped[0].ends_with("/package.json"), "{skipped:?}");
    let msg = &c
        .diagnostics
        .iter()
        .find(|d| d.message.contains("budget"))
        .unwrap()
        .message;
    assert_eq!(
        msg,
        "file of 31457280 bytes not read: the scan's budget of 64 MiB for file contents is used up"
    );
    assert!(c.packages.iter().any(|p| p.name == "musl"));
}
