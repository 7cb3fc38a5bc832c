//! Parsers for the files of a `*.dist-info` directory: core metadata
//! (`METADATA`, which `PKG-INFO` shares), `RECORD` and `direct_url.json`.
//!
//! Specs: <https://packaging.python.org/en/latest/specifications/core-metadata/>,
//! <https://packaging.python.org/en/latest/specifications/recording-installed-packages/>,
//! <https://packaging.python.org/en/latest/specifications/direct-url-data-structure/>.

use base64::Engine as _;

/// The core metadata fields the cataloger uses. Singular fields keep the last
/// value when repeated (as syft does); multiple-use fields keep all values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct CoreMetadata {
    pub name: Option<String>,
    pub version: Option<String>,
    pub summary: Option<String>,
    pub home_page: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub license: Option<String>,
    pub license_expression: Option<String>,
    pub requires_python: Option<String>,
    pub license_files: Vec<String>,
    pub classifiers: Vec<String>,
    pub project_urls: Vec<String>,
    pub requires_dist: Vec<String>,
    pub provides_extra: Vec<String>,
}

/// Parses core metadata: RFC 822 style headers, continuation lines starting
/// with whitespace, and a body (the description) after the first blank line,
/// which is ignored. Never fails: real files are often not compliant, so
/// lines that are not headers are skipped.
pub(super) fn parse_core_metadata(text: &str) -> CoreMetadata {
    // (normalised key, value); a continuation extends the last value.
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        // A whitespace-only line is a continuation (of a PKG-INFO
        // `Description`); only a truly empty line ends the headers.
        if line.is_empty() {
            if fields.is_empty() {
                continue;
            }
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push('\n');
                value.push_str(line.trim());
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        // Keys are matched without dashes and case, so `License-File` and
        // the `LicenseFile` some tools write are the same field.
        let key: String = key
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        fields.push((key, value.trim().to_owned()));
    }

    let mut m = CoreMetadata::default();
    for (key, value) in fields {
        let single = match key.as_str() {
            "name" => &mut m.name,
            "version" => &mut m.version,
            "summary" => &mut m.summary,
            "homepage" => &mut m.home_page,
            "author" => &mut m.author,
            "authoremail" => &mut m.author_email,
            "maintainer" => &mut m.maintainer,
            "maintaineremail" => &mut m.maintainer_email,
            "license" => &mut m.license,
            "licenseexpression" => &mut m.license_expression,
            "requirespython" => &mut m.requires_python,
            multi => {
                let list = match multi {
                    "licensefile" => &mut m.license_files,
                    "classifier" => &mut m.classifiers,
                    "projecturl" => &mut m.project_urls,
                    "requiresdist" => &mut m.requires_dist,
                    "providesextra" => &mut m.provides_extra,
                    _ => continue,
                };
                if !value.is_empty() {
                    list.push(value);
                }
                continue;
            }
        };
        *single = Some(value).filter(|v| !v.is_empty());
    }
    m
}

/// One row of a `RECORD` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RecordEntry {
    /// Path as written: relative to the site-packages directory, or absolute.
    pub path: String,
    /// `algorithm:hex`, when the row has a hash that decodes.
    pub digest: Option<String>,
}

/// The rows of a `RECORD` file and the 1-based numbers of the lines that are
/// not `path,hash,size` rows (merge conflict markers, tar debris, …).
#[derive(Debug, Default)]
pub(super) struct Record {
    pub entries: Vec<RecordEntry>,
    pub malformed_lines: Vec<usize>,
}

/// Parses `RECORD`: CSV rows of `path,hash,size`, where hash is
/// `algorithm=urlsafe-base64-nopad` and hash and size may be empty. Rows
/// without exactly three fields are reported, not fatal.
pub(super) fn parse_record(text: &str) -> Record {
    let mut record = Record::default();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let Some(fields) = split_csv_line(line) else {
            record.malformed_lines.push(i + 1);
            continue;
        };
        let [path, hash, _size] = fields.as_slice() else {
            record.malformed_lines.push(i + 1);
            continue;
        };
        if path.is_empty() {
            record.malformed_lines.push(i + 1);
            continue;
        }
        record.entries.push(RecordEntry {
            path: path.clone(),
            digest: record_digest(hash),
        });
    }
    record
}

/// Splits one CSV line (RFC 4180 quoting, as Python's `csv` module writes
/// it). `None` when quoting is broken.
fn split_csv_line(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut at_field_start = true;
    loop {
        if at_field_start && chars.peek() == Some(&'"') {
            chars.next();
            // Quoted field: runs to the closing quote; `""` is a quote.
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => break,
                    c => field.push(c),
                }
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Some(fields);
                }
                Some(',') => {
                    fields.push(std::mem::take(&mut field));
                    continue;
                }
                Some(_) => return None,
            }
        }
        at_field_start = false;
        match chars.next() {
            None => {
                fields.push(field);
                return Some(fields);
            }
            Some(',') => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            Some('"') => return None,
            Some(c) => field.push(c),
        }
    }
}

/// `sha256=<urlsafe-b64>` → `sha256:<hex>`. Padding is tolerated (some
/// installers write it) and so is the standard alphabet.
fn record_digest(hash: &str) -> Option<String> {
    let (algorithm, value) = hash.trim().split_once('=')?;
    let algorithm = algorithm.trim().to_ascii_lowercase();
    let value = value.trim().trim_end_matches('=');
    if algorithm.is_empty() || value.is_empty() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(value))
        .ok()?;
    Some(format!("{algorithm}:{}", hex::encode(bytes)))
}

/// What `direct_url.json` says about where a distribution came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct DirectUrl {
    pub url: Option<String>,
    pub vcs: Option<String>,
    pub commit_id: Option<String>,
}

/// Parses `direct_url.json`.
pub(super) fn parse_direct_url(text: &str) -> Result<DirectUrl, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Raw {
        url: Option<String>,
        vcs_info: Option<VcsInfo>,
    }
    #[derive(serde::Deserialize)]
    struct VcsInfo {
        vcs: Option<String>,
        commit_id: Option<String>,
    }
    let raw: Raw = serde_json::from_str(text)?;
    let (vcs, commit_id) = raw.vcs_info.map_or((None, None), |v| (v.vcs, v.commit_id));
    Ok(DirectUrl {
        url: raw.url.filter(|u| !u.is_empty()),
        vcs: vcs.filter(|v| !v.is_empty()),
        commit_id: commit_id.filter(|c| !c.is_empty()),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn parses_dist_info_metadata_fields() {
        let m = parse_core_metadata(include_str!(
            "../../../testdata/pypi/site-packages/nested/dist-name/dist-info/METADATA"
        ));
        assert_eq!(m.name.as_deref(), Some("Pygments"));
        assert_eq!(m.version.as_deref(), Some("2.6.1"));
        assert_eq!(m.license.as_deref(), Some("BSD License"));
        assert_eq!(m.author.as_deref(), Some("Georg Brandl"));
        assert_eq!(m.author_email.as_deref(), Some("georg@python.org"));
        assert_eq!(m.home_page.as_deref(), Some("https://pygments.org/"));
        assert_eq!(m.requires_python.as_deref(), Some(">=3.5"));
        assert_eq!(
            m.requires_dist,
            [
                "soupsieve (>1.2)",
                "html5lib ; extra == 'html5lib'",
                "lxml ; extra == 'lxml'"
            ]
        );
        assert_eq!(m.provides_extra, ["html5lib", "lxml"]);
        assert_eq!(m.classifiers.len(), 16);
        assert_eq!(
            m.classifiers.first().map(String::as_str),
            Some("License :: OSI Approved :: BSD License")
        );
    }

    #[test]
    fn pkg_info_description_continuations_do_not_end_headers() {
        let m = parse_core_metadata(include_str!(
            "../../../testdata/pypi/site-packages/nested/egg-name/egg-info/PKG-INFO"
        ));
        assert_eq!(m.name.as_deref(), Some("requests"));
        assert_eq!(m.license.as_deref(), Some("Apache 2.0"));
        // These follow a 120-line indented Description.
        assert_eq!(
            m.requires_python.as_deref(),
            Some(">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*")
        );
        assert_eq!(m.provides_extra, ["security", "socks"]);
    }

    #[test]
    fn unindented_multiline_summary_stops_at_blank_line() {
        let m = parse_core_metadata(include_str!(
            "../../../testdata/pypi/site-packages/nested/egg-name/egg-info/PKG-INFO-INVALID"
        ));
        assert_eq!(m.name.as_deref(), Some("mxnet"));
        assert_eq!(m.version.as_deref(), Some("1.8.0"));
        assert_eq!(m.license, None);
        assert!(m.classifiers.is_empty());
    }

    #[test]
    fn license_file_spellings_and_continuations() {
        let m = parse_core_metadata(
            "\nName: x\nLicenseFile: A.txt\nLicense-File: B.txt\nLicense: line one\n  line two\n\nbody: not a field\n",
        );
        assert_eq!(m.license_files, ["A.txt", "B.txt"]);
        assert_eq!(m.license.as_deref(), Some("line one\nline two"));
    }

    #[test]
    fn metadata_without_name_or_fields() {
        assert_eq!(parse_core_metadata(""), CoreMetadata::default());
        assert_eq!(parse_core_metadata("bogus\n"), CoreMetadata::default());
        let m = parse_core_metadata("Name: no-version\n");
        assert_eq!(m.name.as_deref(), Some("no-version"));
        assert_eq!(m.version, None);
    }

    #[test]
    fn record_rows_and_digests() {
        let r = parse_record(include_str!(
            "../../../testdata/pypi/site-packages/nested/dist-name/dist-info/RECORD"
        ));
        assert!(r.malformed_lines.is_empty());
        assert_eq!(r.entries.len(), 7);
        assert_eq!(
            r.entries.first(),
            Some(&RecordEntry {
                path: "../../../bin/pygmentize".into(),
                digest: Some(
                    "sha256:74386ffd4da3882a66150c08447a4544b00750ee11d632093c4bd3fd0613169f"
                        .into()
                ),
            })
        );
        // Padded value.
        assert_eq!(
            r.entries.last().and_then(|e| e.digest.as_deref()),
            Some("sha256:aa9cf3b0e5b7d4a4fde796a08beecd4befbdd08d22362242c8b2509d108780a2")
        );
        assert_eq!(r.entries.get(3).map(|e| e.digest.clone()), Some(None));
    }

    #[test]
    fn malformed_record_keeps_good_rows() {
        let r = parse_record(include_str!(
            "../../../testdata/pypi/site-packages/malformed-record/dist-info/RECORD"
        ));
        assert_eq!(r.malformed_lines, [2, 4, 6, 8]);
        let paths: Vec<_> = r.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "flask/json/tag.py",
                "../../Scripts/flask.exe",
                "../../Scripts/flask.exe",
                "Flask-1.0.2.dist-info/INSTALLER"
            ]
        );
    }

    #[test]
    fn record_csv_quoting() {
        let r = parse_record("\"a,b.py\",sha256=AAAA,1\n\"bad\"x,,\nc\"d,,\n\"unterminated,,\n");
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.entries.first().map(|e| e.path.as_str()), Some("a,b.py"));
        assert_eq!(
            r.entries.first().and_then(|e| e.digest.as_deref()),
            Some("sha256:000000")
        );
        assert_eq!(r.malformed_lines, [2, 3, 4]);
    }

    #[test]
    fn direct_url_with_vcs_info() {
        let d = parse_direct_url(include_str!(
            "../../../testdata/pypi/site-packages/nested/dist-name/dist-info/direct_url.json"
        ))
        .unwrap();
        assert_eq!(
            d.url.as_deref(),
            Some("https://github.com/python-test/test.git")
        );
        assert_eq!(d.vcs.as_deref(), Some("git"));
        assert_eq!(
            d.commit_id.as_deref(),
            Some("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        );
        assert!(parse_direct_url("{").is_err());
        assert_eq!(parse_direct_url("{}").unwrap(), DirectUrl::default());
    }
}
