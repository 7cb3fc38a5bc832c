//! Property tests of the parsers of hostile input: every package database
//! parser, layer streams (tar, gzip, zstd) and SBOM import, on mutated real
//! fixtures. None may panic, and whatever they produce must render: every
//! JSON format must come out as valid JSON (hostile strings escaped). The
//! fuzz targets in fuzz/ explore the same entry points for longer.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use sbomctl_catalog::cataloger::{self, Context, File, FileTree, Findings, SourceKind};
use sbomctl_catalog::format::{self, CyclonedxVersion, Format, RenderOptions, SpdxVersion};
use sbomctl_catalog::layer::{decode, index_tar, squash::Squash};
use sbomctl_catalog::model::{Catalog, Scope, SourceInfo};
use sbomctl_catalog::{distro, relate};
use sbomctl_testutil::mutate::{files_under, mutated};

const CASES: u32 = 256;

fn testdata() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Fixture contents whose path (under testdata/) ends with one of `suffixes`.
fn seeds(suffixes: &[&str]) -> Vec<Vec<u8>> {
    let found: Vec<Vec<u8>> = files_under(&testdata(), |p| suffixes.iter().any(|s| p.ends_with(s)))
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    assert!(!found.is_empty(), "no fixtures for {suffixes:?}");
    found
}

const JSON_FORMATS: &[Format] = &[
    Format::Json,
    Format::SpdxJson(SpdxVersion::V2_2),
    Format::SpdxJson(SpdxVersion::V2_3),
    Format::CyclonedxJson(CyclonedxVersion::V1_4),
    Format::CyclonedxJson(CyclonedxVersion::V1_6),
];

const OTHER_FORMATS: &[Format] = &[
    Format::Table,
    Format::SpdxTagValue(SpdxVersion::V2_3),
    Format::CyclonedxXml(CyclonedxVersion::V1_6),
];

/// Renders `catalog` in every format; the JSON ones must parse.
fn render_checked(catalog: &Catalog) -> Result<(), TestCaseError> {
    let options = RenderOptions::at(1_700_000_000);
    for &f in JSON_FORMATS {
        let out = format::render(catalog, f, &options);
        if let Err(e) = serde_json::from_slice::<serde_json::Value>(&out) {
            return Err(TestCaseError::fail(format!("{f} is not JSON: {e}")));
        }
    }
    for &f in OTHER_FORMATS {
        let _ = format::render(catalog, f, &options);
    }
    Ok(())
}

fn catalog_of(tree: &FileTree, kind: SourceKind) -> Catalog {
    let ctx = Context {
        distro: distro::detect(tree),
        source_kind: kind,
    };
    let mut findings = Findings::default();
    for c in cataloger::all() {
        c.catalog(tree, &ctx, &mut findings);
    }
    let mut packages = findings.packages;
    packages.sort_by(|a, b| {
        (a.ecosystem, &a.name, &a.version).cmp(&(b.ecosystem, &b.name, &b.version))
    });
    Catalog {
        source: SourceInfo {
            kind: "directory".to_owned(),
            transport: "dir".to_owned(),
            name: "proptest".to_owned(),
            manifest_digest: None,
            index_digest: None,
            config_digest: None,
            platform: None,
            layers: Vec::new(),
            vendor: None,
        },
        scope: Scope::Squashed,
        distro: ctx.distro,
        relationships: relate::relationships(&packages),
        packages,
        diagnostics: findings.diagnostics,
        files: Default::default(),
    }
}

/// Catalogs `files` (path, content) and renders the result. A Debian
/// copyright file goes in as the layer reader records it: its extractor's
/// finding.
fn catalog_files(files: &[(&str, &[u8])], kind: SourceKind) -> Result<(), TestCaseError> {
    use cataloger::deb::{CopyrightExtractor, EXTRACTOR_ID};
    let mut tree = FileTree::new();
    for (path, data) in files {
        if CopyrightExtractor::claims(path) {
            let found = CopyrightExtractor::extract(&[], &mut &data[..], data.len() as u64)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            tree.insert_finding(cataloger::Finding {
                path: (*path).to_owned(),
                by: EXTRACTOR_ID.to_owned(),
                data: Arc::from(found.data),
                layer: None,
            });
            continue;
        }
        tree.insert(File {
            path: (*path).to_owned(),
            data: Arc::from(*data),
            layer: None,
            truncated: false,
        });
    }
    render_checked(&catalog_of(&tree, kind))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn apk_installed_db_never_panics(db in mutated(seeds(&["lib/apk/db/installed"]))) {
        catalog_files(&[("lib/apk/db/installed", &db)], SourceKind::Image)?;
    }

    #[test]
    fn java_archive_never_panics(
        jar in mutated(seeds(&["maven/debian/jul-to-slf4j.jar", "maven/debian/slf4j-api.jar", "maven/demo-app-0.4.2.jar"])),
    ) {
        use sbomctl_catalog::cataloger::maven::{self, zip_stream};
        let limits = zip_stream::Limits {
            max_depth: 4,
            max_entries: 10_000,
            max_entry_inflated: 4 << 20,
            max_total_inflated: 16 << 20,
            max_kept: 1 << 20,
            max_prefix: 64 << 10,
        };
        let archive = zip_stream::walk("app.jar", &mut jar.as_slice(), &limits);
        let found = maven::packages(&archive, &sbomctl_catalog::model::Location::new("app.jar", None));
        let _ = relate::relationships(&found.packages);
        for p in &found.packages {
            prop_assert!(p.purl.starts_with("pkg:maven/"));
        }
    }

    #[test]
    fn rpm_databases_never_panic(
        db in mutated(seeds(&[
            "rpm/go-rpmdb/libuuid/Packages",
            "rpm/go-rpmdb/sle15-bci/Packages.db",
            "rpm/built/root/var/lib/rpm/rpmdb.sqlite",
        ])),
    ) {
        // The cataloger sniffs the format; the name only has to be wanted.
        catalog_files(&[("var/lib/rpm/Packages", &db)], SourceKind::Image)?;
    }

    #[test]
    fn dpkg_status_never_panics(
        status in mutated(seeds(&["var/lib/dpkg/status"])),
        copyright in mutated(seeds(&["/copyright"])),
    ) {
        // The copyright file of the first package, when it names one.
        let text = String::from_utf8_lossy(&status).into_owned();
        let package = text
            .lines()
            .find_map(|l| l.strip_prefix("Package:"))
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.contains('/'))
            .unwrap_or("pkg");
        let copyright_path = format!("usr/share/doc/{package}/copyright");
        catalog_files(
            &[
                ("var/lib/dpkg/status", &status),
                ("var/lib/dpkg/status.d/extra", &status),
                (&copyright_path, &copyright),
            ],
            SourceKind::Image,
        )?;
    }

    #[test]
    fn python_metadata_and_record_never_panic(
        metadata in mutated(seeds(&["/METADATA", "/PKG-INFO"])),
        record in mutated(seeds(&["/RECORD"])),
    ) {
        let dir = "usr/lib/python3.11/site-packages/pkg-1.0.dist-info";
        catalog_files(
            &[
                (&format!("{dir}/METADATA"), &metadata),
                (&format!("{dir}/RECORD"), &record),
                ("usr/lib/python3.11/site-packages/egg-2.0.egg-info/PKG-INFO", &metadata),
            ],
            SourceKind::Image,
        )?;
    }

    #[test]
    fn npm_package_json_never_panics(manifest in mutated(seeds(&["package.json"]))) {
        catalog_files(
            &[
                ("usr/lib/node_modules/pkg/package.json", &manifest),
                ("app/package.json", &manifest),
            ],
            SourceKind::Image,
        )?;
    }

    #[test]
    fn npm_lock_files_never_panic(
        lock in mutated(seeds(&["package-lock.json", "npm-shrinkwrap.json"])),
        yarn in mutated(seeds(&["yarn.lock"])),
        pnpm in mutated(seeds(&["pnpm-lock.yaml"])),
    ) {
        // Lock files are read for directory sources only.
        catalog_files(
            &[
                ("a/package-lock.json", &lock),
                ("b/yarn.lock", &yarn),
                ("c/pnpm-lock.yaml", &pnpm),
            ],
            SourceKind::Directory,
        )?;
    }

    #[test]
    fn gem_composer_and_dotnet_files_never_panic(
        gemspec in mutated(seeds(&[".gemspec"])),
        gemfile_lock in mutated(seeds(&["Gemfile.lock"])),
        installed in mutated(seeds(&["composer/installed.json"])),
        composer_lock in mutated(seeds(&["composer.lock"])),
        deps in mutated(seeds(&[".deps.json"])),
    ) {
        // Lock files are read for directory sources only.
        catalog_files(
            &[
                ("usr/lib/ruby/gems/3.1.0/specifications/gem-1.gemspec", &gemspec),
                ("usr/lib/ruby/gems/3.1.0/specifications/default/def-1.gemspec", &gemspec),
                ("app/Gemfile.lock", &gemfile_lock),
                ("app/vendor/composer/installed.json", &installed),
                ("app/composer.lock", &composer_lock),
                ("app/App.deps.json", &deps),
            ],
            SourceKind::Directory,
        )?;
    }

    #[test]
    fn sbom_import_never_panics(doc in mutated(import_seeds())) {
        if let Ok(catalog) = format::read_document(&doc) {
            render_checked(&catalog)?;
        }
    }

    #[test]
    fn sbom_check_never_panics(doc in mutated(check_seeds())) {
        use sbomctl_catalog::check::{check, Profile};
        for profile in [Profile::Ntia, Profile::BsiTr03183] {
            if let Ok(report) = check(&doc, profile) {
                let _ = report.to_table(profile.title());
                prop_assert!(serde_json::from_str::<serde_json::Value>(&report.to_json()).is_ok());
            }
        }
    }

    #[test]
    fn go_build_info_never_panics(block in mutated(go_seeds())) {
        catalog_executable(&block)?;
    }

    #[test]
    fn cargo_auditable_data_never_panics(json in mutated(cargo_seeds())) {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&json).unwrap();
        let mut exe = b"\x7fELF\x02\x01\x01".to_vec();
        exe.resize(64, 0);
        exe.extend(z.finish().unwrap());
        catalog_executable(&exe)?;
        catalog_executable(&json)?;
    }

    #[test]
    fn go_mod_and_cargo_lock_never_panic(
        go_mod in mutated(seeds(&["go.mod"])),
        lock in mutated(seeds(&["Cargo.lock"])),
    ) {
        catalog_files(&[("app/go.mod", &go_mod), ("app/go.sum", &go_mod), ("app/Cargo.lock", &lock)], SourceKind::Directory)?;
    }

    #[test]
    fn layer_streams_never_panic(
        (media_type, blob) in prop::sample::select(layer_seeds())
            .prop_flat_map(|(mt, blob)| (Just(mt), mutated(vec![blob]))),
    ) {
        let wanted = cataloger::wanted(&cataloger::all());
        let Ok(decoder) = decode::open("sha256:proptest", media_type, blob.as_slice()) else {
            return Ok(());
        };
        if let Ok(index) = index_tar(None, decoder, &wanted) {
            let mut squash = Squash::new();
            squash.apply(&index, &wanted);
            let _ = squash.diagnostics();
            render_checked(&catalog_of(squash.tree(), SourceKind::Image))?;
        }
    }
}

/// The build info region of the Go test binaries: the ELF header, then
/// the block at offset 64 (16-byte aligned as in the file).
fn go_seeds() -> Vec<Vec<u8>> {
    let found: Vec<Vec<u8>> = files_under(&testdata().join("golang"), |p| {
        !p.contains('.') && !p.contains('/')
    })
    .into_iter()
    .filter_map(|(_, d)| {
        let at = d.windows(14).position(|w| w == b"\xff Go buildinf:")?;
        let mut seed = d.get(..64)?.to_vec();
        seed.extend_from_slice(d.get(at..(at + 16 * 1024).min(d.len()))?);
        Some(seed)
    })
    .collect();
    assert!(!found.is_empty());
    let mut found = found;
    found.push(pointer_elf_seed());
    found
}

/// A small ELF holding the pre-1.18 (pointer) build info of the real
/// esbuild 0.1.26 binary: its module info and version placed in a
/// read-only segment, the header and the version's string header in a data
/// segment, mapped by two program headers (the layout `fuzz/seeds.py`
/// writes, which `go version -m` reads).
fn pointer_elf_seed() -> Vec<u8> {
    let real = std::fs::read(testdata().join("golang/esbuild-0.1.26-linux-64")).unwrap();
    let start = memchr::memmem::find(&real, &[0x30, 0x77, 0xaf, 0x0c]).unwrap();
    let end = start + memchr::memmem::find(&real[start..], &[0xf9, 0x32, 0x43, 0x31]).unwrap() + 16;
    let (modinfo, version) = (&real[start..end], b"go1.14.2");
    let (text, data) = (0x40_0000u64, 0x60_0000u64);
    let mut b = vec![0u8; 0x3000];
    b[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\x00");
    b[18] = 62;
    b[0x20] = 64;
    b[0x36] = 56;
    b[0x38] = 2;
    for (i, (off, va, size, flags)) in [(0u64, text, 0x2000u64, 5u8), (0x2000, data, 0x1000, 6)]
        .into_iter()
        .enumerate()
    {
        let ph = 64 + 56 * i;
        b[ph] = 1;
        b[ph + 4] = flags;
        b[ph + 8..ph + 16].copy_from_slice(&off.to_le_bytes());
        b[ph + 16..ph + 24].copy_from_slice(&va.to_le_bytes());
        b[ph + 32..ph + 40].copy_from_slice(&size.to_le_bytes());
    }
    b[0x1000..0x1000 + modinfo.len()].copy_from_slice(modinfo);
    b[0x1800..0x1808].copy_from_slice(version);
    b[0x2000..0x200e].copy_from_slice(b"\xff Go buildinf:");
    b[0x200e] = 8;
    for (at, v) in [
        (0x2010, data + 0x40),
        (0x2018, data + 0x50),
        (0x2040, text + 0x1800),
        (0x2048, 8),
        (0x2050, text + 0x1000),
        (0x2058, modinfo.len() as u64),
    ] {
        b[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }
    // The seed is followable as it stands.
    let (found, diags) = cataloger::executable::scan(&b[..64], &mut &b[64..]).unwrap();
    assert_eq!(found.go.unwrap().version, "go1.14.2", "{diags:?}");
    b
}

/// The `.dep-v0` JSON of the cargo test binary, inflated.
fn cargo_seeds() -> Vec<Vec<u8>> {
    let demo = std::fs::read(testdata().join("cargo/auditdemo")).unwrap();
    let (found, _) = cataloger::executable::scan(&demo[..64], &mut &demo[64..]).unwrap();
    vec![found.cargo.unwrap().into_bytes()]
}

/// Scans `data` with the executable extractor and catalogs what it found.
fn catalog_executable(data: &[u8]) -> Result<(), TestCaseError> {
    use cataloger::executable::{ExecutableExtractor, ExecutableFinding};
    let head = data.get(..64).unwrap_or(data);
    let (found, _) =
        cataloger::executable::scan(head, &mut data.get(head.len()..).unwrap_or_default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut tree = FileTree::new();
    if found != ExecutableFinding::default() {
        tree.insert_finding(cataloger::Finding {
            path: "usr/bin/app".to_owned(),
            by: ExecutableExtractor::ID.to_owned(),
            data: Arc::from(serde_json::to_vec(&found).unwrap()),
            layer: None,
        });
    }
    render_checked(&catalog_of(&tree, SourceKind::Image))
}

/// A catalog of 40 of the package fixtures.
fn fixture_catalog() -> Catalog {
    let wanted = cataloger::wanted(&cataloger::all());
    let fixtures = files_under(&testdata(), |p| wanted.matches(p) && !p.contains("corrupt"));
    let mut tree = FileTree::new();
    for (path, data) in fixtures.into_iter().take(40) {
        tree.insert(File {
            path,
            data: data.into(),
            layer: None,
            truncated: false,
        });
    }
    catalog_of(&tree, SourceKind::Directory)
}

/// Real SBOMs: the import fixtures and this crate's own renderings of the
/// package fixtures (so every writer's shape is read back too).
fn import_seeds() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = files_under(&testdata().join("import"), |p| p.ends_with(".json"))
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    let catalog = fixture_catalog();
    for &f in JSON_FORMATS {
        out.push(format::render(&catalog, f, &RenderOptions::at(0)));
    }
    out
}

/// What `check` reads: the import seeds, the tag-value fixtures, and the
/// package fixtures rendered in every other format check reads (SPDX
/// tag-value, SPDX 3, CycloneDX XML, syft JSON).
fn check_seeds() -> Vec<Vec<u8>> {
    let mut out = import_seeds();
    out.extend(
        files_under(&testdata().join("import"), |p| p.ends_with(".spdx"))
            .into_iter()
            .map(|(_, d)| d),
    );
    let catalog = fixture_catalog();
    for f in [
        Format::SpdxTagValue(SpdxVersion::V2_3),
        Format::Spdx3Json(format::Spdx3Version::V3_0_1),
        Format::CyclonedxXml(CyclonedxVersion::V1_6),
        Format::SyftJson,
    ] {
        out.push(format::render(&catalog, f, &RenderOptions::at(0)));
    }
    out
}

/// Layer blobs: a tar of package databases, plain, gzip and zstd, with the
/// media type that says so (and none, to exercise sniffing).
fn layer_seeds() -> Vec<(Option<&'static str>, Vec<u8>)> {
    let files = [
        (
            "lib/apk/db/installed",
            seeds(&["apk/single/lib/apk/db/installed"]),
        ),
        ("var/lib/dpkg/status", seeds(&["var/lib/dpkg/status"])),
        (
            "app/node_modules/x/package.json",
            seeds(&["pkg-json/package.json"]),
        ),
    ];
    let mut b = tar::Builder::new(Vec::new());
    for (path, contents) in &files {
        let data = &contents[0];
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, data.as_slice()).unwrap();
    }
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    b.append_link(&mut h, "usr/lib/os-release", "../../etc/os-release")
        .unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_size(0);
    h.set_cksum();
    b.append_data(&mut h, "etc/.wh.shadow", &[][..]).unwrap();
    let tar = b.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::encode_all(tar.as_slice(), 1).unwrap();
    vec![
        (Some("application/vnd.oci.image.layer.v1.tar"), tar.clone()),
        (
            Some("application/vnd.oci.image.layer.v1.tar+gzip"),
            gz.clone(),
        ),
        (
            Some("application/vnd.oci.image.layer.v1.tar+zstd"),
            zst.clone(),
        ),
        (None, tar),
        (None, gz),
        (None, zst),
    ]
}
