//! Parser for apk's installed database, `lib/apk/db/installed`.
//!
//! The format is apk-tools' "installed" flat file (see
//! <https://wiki.alpinelinux.org/wiki/Apk_spec>): one record per package,
//! records separated by blank lines, each line `X:value` with a one-letter
//! field name. File ownership is written as a running list: `F:` opens a
//! directory (relative to `/`), `M:` gives that directory's
//! `owner:group:mode`, `R:` names a file inside the last directory, `a:` gives
//! that file's `owner:group:mode[:xattr-checksum]` and `Z:` its checksum.
//!
//! The parser never fails: lines it cannot read become [`Problem`]s and
//! parsing goes on with the next line.

use base64::Engine as _;

use crate::model::ApkMetadata;

/// One package record of the database.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Record {
    /// 1-based line number of the record's first field.
    pub line: usize,
    /// Every metadata field, as written.
    pub meta: ApkMetadata,
    /// `L:` as written.
    pub license: Option<String>,
    /// `F:` directories and `R:` files, in database order.
    pub entries: Vec<FileEntry>,
}

/// Whether a [`FileEntry`] came from `F:` or `R:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EntryKind {
    /// An `F:` line.
    Directory,
    /// An `R:` line.
    File,
}

/// `owner:group:mode` from an `M:` or `a:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Attributes {
    /// Owner uid.
    pub owner: String,
    /// Group gid.
    pub group: String,
    /// Octal permission bits, as written (`755`, `0640`).
    pub mode: String,
}

/// A directory or file the package owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FileEntry {
    /// Directory or regular file.
    pub kind: EntryKind,
    /// Absolute, normalised path.
    pub path: String,
    /// From `M:` (directories) or `a:` (files).
    pub attributes: Option<Attributes>,
    /// From `Z:`: `sha1:<hex>` for `Q1…` values, `md5:<hex>` for the old
    /// hex form.
    pub digest: Option<String>,
}

/// A line that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong, lowercase, no trailing period.
    pub message: String,
}

/// Everything read from one database file.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Parsed {
    /// Records in file order, including ones without `P:` (the caller
    /// decides what to do with them).
    pub records: Vec<Record>,
    /// Lines that could not be used.
    pub problems: Vec<Problem>,
    /// True when the text did not end with a record separator, i.e. the
    /// last record may be cut short if the file was truncated.
    pub last_record_open: bool,
    /// Problems found beyond the [`MAX_PROBLEMS`] kept in `problems`.
    pub unlisted_problems: usize,
}

/// How much of a bad line is echoed back in a [`Problem`].
const ECHO_CHARS: usize = 60;

/// Longest field value read, in bytes. Real values are far shorter (a
/// long `D:` list is a few KiB); a longer one makes its record skipped, so
/// that one value can't cost more than a bounded amount downstream
/// (PURL, CPEs, every output format repeat the name).
pub(super) const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Most records read from one database. A real system has at most a few
/// thousand packages; a file of millions of tiny records would otherwise
/// cost a [`crate::model::Package`] each.
pub(super) const MAX_RECORDS: usize = 10_000;

/// Most problems kept per file; the rest are only counted. The cataloger
/// shows far fewer, but a file of millions of bad lines must not cost a
/// message each.
const MAX_PROBLEMS: usize = 100;

/// Parses the text of an `installed` database.
pub(super) fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut current: Option<Builder> = None;

    // A final newline ends the last line; it does not start an empty one,
    // so only a real blank line closes the last record.
    let body = text.strip_suffix('\n').unwrap_or(text);
    for (idx, raw) in body.split('\n').enumerate() {
        let line_no = idx + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            if let Some(record) = current.take().and_then(Builder::finish) {
                out.records.push(record);
            }
            continue;
        }

        let mut chars = line.chars();
        let (Some(letter), Some(':')) = (chars.next(), chars.next()) else {
            problem(
                &mut out,
                line_no,
                format!("expected `X:value`, found `{}`", echo(line)),
            );
            continue;
        };
        let value = chars.as_str();
        if value.is_empty() {
            // apk writes `D:` and `p:` with nothing after them; syft skips
            // empty values too.
            continue;
        }

        if current.is_none() && out.records.len() >= MAX_RECORDS {
            problem(
                &mut out,
                line_no,
                format!("more than {MAX_RECORDS} records; the rest of the file was not read"),
            );
            return out;
        }
        let builder = current.get_or_insert_with(|| Builder::new(line_no));
        if builder.skipped {
            continue;
        }
        if value.len() > MAX_VALUE_BYTES {
            builder.skipped = true;
            problem(
                &mut out,
                line_no,
                format!(
                    "`{letter}:` value is {} bytes, more than {MAX_VALUE_BYTES}; record skipped",
                    value.len()
                ),
            );
            continue;
        }
        if let Err(message) = builder.apply(letter, value) {
            problem(&mut out, line_no, message);
        }
    }

    // A skipped record is not in `records`, so the last one there is whole.
    out.last_record_open = current.as_ref().is_some_and(|b| !b.skipped);
    if let Some(record) = current.and_then(Builder::finish) {
        out.records.push(record);
    }
    out
}

/// Records a problem, or only counts it past [`MAX_PROBLEMS`].
fn problem(out: &mut Parsed, line: usize, message: String) {
    if out.problems.len() < MAX_PROBLEMS {
        out.problems.push(Problem { line, message });
    } else {
        out.unlisted_problems += 1;
    }
}

/// A record being read, with the state of the running file list.
#[derive(Debug)]
struct Builder {
    record: Record,
    /// Index in `record.entries` of the last `F:` entry.
    last_dir: Option<usize>,
    /// Index in `record.entries` of the last `R:` entry.
    last_file: Option<usize>,
    /// True once a value was too long: the record is dropped.
    skipped: bool,
}

impl Builder {
    fn new(line: usize) -> Self {
        Builder {
            record: Record {
                line,
                ..Record::default()
            },
            last_dir: None,
            last_file: None,
            skipped: false,
        }
    }

    fn finish(self) -> Option<Record> {
        (!self.skipped).then_some(self.record)
    }

    /// Applies one `letter:value` field; `Err` carries a problem message.
    fn apply(&mut self, letter: char, value: &str) -> Result<(), String> {
        let meta = &mut self.record.meta;
        match letter {
            'P' => meta.package = value.to_owned(),
            'V' => meta.version = value.to_owned(),
            'A' => meta.architecture = Some(value.to_owned()),
            'L' => self.record.license = Some(value.to_owned()),
            'o' => meta.origin_package = Some(value.to_owned()),
            'm' => meta.maintainer = Some(value.to_owned()),
            'U' => meta.url = Some(value.to_owned()),
            'T' => meta.description = Some(value.to_owned()),
            'C' => meta.checksum = Some(value.to_owned()),
            'c' => meta.git_commit = Some(value.to_owned()),
            'S' => meta.size = Some(number(letter, value)?),
            'I' => meta.installed_size = Some(number(letter, value)?),
            't' => meta.build_timestamp = Some(number(letter, value)?),
            'D' => meta.dependencies = list(value),
            'p' => meta.provides = list(value),
            'r' => meta.replaces = list(value),
            'F' => {
                self.record.entries.push(FileEntry {
                    kind: EntryKind::Directory,
                    path: join_path("", value),
                    attributes: None,
                    digest: None,
                });
                self.last_dir = Some(self.record.entries.len() - 1);
                // An `a:` or `Z:` after a new `F:` must not attach to the
                // previous directory's file.
                self.last_file = None;
            }
            'R' => {
                let dir = self
                    .last_dir
                    .and_then(|i| self.record.entries.get(i))
                    .map_or("", |d| d.path.as_str());
                let path = join_path(dir, value);
                self.record.entries.push(FileEntry {
                    kind: EntryKind::File,
                    path,
                    attributes: None,
                    digest: None,
                });
                self.last_file = Some(self.record.entries.len() - 1);
            }
            'M' => {
                let entry = self
                    .last_dir
                    .and_then(|i| self.record.entries.get_mut(i))
                    .ok_or_else(|| "`M:` before any `F:` directory".to_owned())?;
                entry.attributes = Some(attributes(letter, value)?);
            }
            'a' => {
                let entry = self
                    .last_file
                    .and_then(|i| self.record.entries.get_mut(i))
                    .ok_or_else(|| "`a:` before any `R:` file".to_owned())?;
                entry.attributes = Some(attributes(letter, value)?);
            }
            'Z' => {
                let entry = self
                    .last_file
                    .and_then(|i| self.record.entries.get_mut(i))
                    .ok_or_else(|| "`Z:` before any `R:` file".to_owned())?;
                entry.digest =
                    Some(file_digest(value).ok_or_else(|| {
                        format!("`Z:` checksum `{}` is not recognised", echo(value))
                    })?);
            }
            other => {
                // Keep unknown fields (`i:` install-if, `k:` priority, …)
                // losslessly; a repeated letter keeps every value.
                let slot = meta.other.entry(other.to_string()).or_default();
                if !slot.is_empty() {
                    slot.push('\n');
                }
                slot.push_str(value);
            }
        }
        Ok(())
    }
}

/// A space-separated list field (`D:`, `p:`, `r:`).
fn list(value: &str) -> Vec<String> {
    value.split_whitespace().map(str::to_owned).collect()
}

fn number(letter: char, value: &str) -> Result<u64, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("`{letter}:` value `{}` is not a number", echo(value)))
}

/// `owner:group:mode`, possibly followed by more `:`-separated parts (an
/// xattr checksum) that are ignored.
fn attributes(letter: char, value: &str) -> Result<Attributes, String> {
    let mut parts = value.split(':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(owner), Some(group), Some(mode)) => Ok(Attributes {
            owner: owner.to_owned(),
            group: group.to_owned(),
            mode: mode.to_owned(),
        }),
        _ => Err(format!(
            "`{letter}:` value `{}` is not `owner:group:mode`",
            echo(value)
        )),
    }
}

/// Converts an apk file checksum to `algorithm:hex`.
///
/// `Q1` + base64 is a SHA-1 (apk-tools `blob.c`); a bare 32-digit hex
/// string is the MD5 of old databases.
fn file_digest(value: &str) -> Option<String> {
    if let Some(b64) = value.strip_prefix("Q1") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .ok()?;
        return (bytes.len() == 20).then(|| format!("sha1:{}", hex::encode(bytes)));
    }
    let value = value.trim();
    (value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("md5:{}", value.to_ascii_lowercase()))
}

/// Joins `name` onto the absolute directory `dir` and normalises the result
/// the way Go's `path.Join` does: empty and `.` segments vanish, `..` never
/// climbs above `/`.
fn join_path(dir: &str, name: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in dir.split('/').chain(name.split('/')) {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(dir.len() + name.len() + 2);
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The start of `s`, for error messages.
fn echo(s: &str) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(ECHO_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every letter this parser maps to a named field; the rest go to
    /// [`ApkMetadata::other`].
    const KNOWN_LETTERS: &str = "PVALomUTCcSItDprFRMaZ";

    #[test]
    fn splits_records_on_blank_lines_and_reads_every_field() {
        let parsed = parse(
            "P:a\nV:1-r0\nA:x86_64\nL:MIT\no:orig\nm:Me <me@x>\nU:https://x\nT:desc\n\
             C:Q1abc=\nc:deadbeef\nS:10\nI:20\nt:30\nD:b c>=1\np:cmd:a=1\nr:old\n\
             k:100\ni:foo bar\nk:200\n\n\nP:b\nV:2\n",
        );
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert!(parsed.last_record_open);
        assert!(!parse("P:a\n\n").last_record_open);
        assert_eq!(parsed.records.len(), 2);
        let a = &parsed.records[0];
        assert_eq!(a.line, 1);
        assert_eq!(a.license.as_deref(), Some("MIT"));
        let m = &a.meta;
        assert_eq!(m.package, "a");
        assert_eq!(m.version, "1-r0");
        assert_eq!(m.architecture.as_deref(), Some("x86_64"));
        assert_eq!(m.origin_package.as_deref(), Some("orig"));
        assert_eq!(m.maintainer.as_deref(), Some("Me <me@x>"));
        assert_eq!(m.url.as_deref(), Some("https://x"));
        assert_eq!(m.description.as_deref(), Some("desc"));
        assert_eq!(m.checksum.as_deref(), Some("Q1abc="));
        assert_eq!(m.git_commit.as_deref(), Some("deadbeef"));
        assert_eq!(m.size, Some(10));
        assert_eq!(m.installed_size, Some(20));
        assert_eq!(m.build_timestamp, Some(30));
        assert_eq!(m.dependencies, ["b", "c>=1"]);
        assert_eq!(m.provides, ["cmd:a=1"]);
        assert_eq!(m.replaces, ["old"]);
        let other: Vec<_> = m
            .other
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(other, [("i", "foo bar"), ("k", "100\n200")]);
        for l in KNOWN_LETTERS.chars() {
            assert!(!m.other.contains_key(&l.to_string()));
        }
        assert_eq!(parsed.records[1].line, 22);
        assert_eq!(parsed.records[1].meta.package, "b");
    }

    #[test]
    fn file_list_tracks_last_directory_and_file() {
        let parsed = parse(
            "P:x\nR:top\nF:usr/bin\nM:0:0:755\nR:tool\na:0:0:755:Q1JaDEHQHBbizhEzoWK1YxuraNU/4=\n\
             Z:Q1Kja2+POZKxEkUOZqwSjC6kmaED4=\nF:./etc//x/../y\nR:conf\n",
        );
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let e = &parsed.records[0].entries;
        let paths: Vec<_> = e.iter().map(|f| (f.kind, f.path.as_str())).collect();
        assert_eq!(
            paths,
            [
                (EntryKind::File, "/top"),
                (EntryKind::Directory, "/usr/bin"),
                (EntryKind::File, "/usr/bin/tool"),
                (EntryKind::Directory, "/etc/y"),
                (EntryKind::File, "/etc/y/conf"),
            ]
        );
        let dir_attrs = e[1].attributes.as_ref().map(|a| a.mode.as_str());
        assert_eq!(dir_attrs, Some("755"));
        let file_attrs = e[2].attributes.clone();
        assert_eq!(
            file_attrs,
            Some(Attributes {
                owner: "0".into(),
                group: "0".into(),
                mode: "755".into()
            })
        );
        assert_eq!(
            e[2].digest.as_deref(),
            Some("sha1:2a36b6f8f3992b112450e66ac128c2ea499a103e")
        );
        assert_eq!(e[4].digest, None);
    }

    #[test]
    fn damaged_lines_become_problems() {
        let parsed =
            parse("garbage\nP:x\nab:c\nS:big\nZ:Q1AAAA\na:0:0\nM:0:0:1\nF:d\nR:f\nZ:nonsense\n");
        let lines: Vec<_> = parsed.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 3, 4, 5, 6, 7, 10]);
        assert_eq!(
            parsed.problems[0].message,
            "expected `X:value`, found `garbage`"
        );
        assert_eq!(
            parsed.problems[2].message,
            "`S:` value `big` is not a number"
        );
        assert_eq!(parsed.problems[4].message, "`a:` before any `R:` file");
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].entries.len(), 2);
    }

    #[test]
    fn old_md5_checksums_are_kept() {
        assert_eq!(
            file_digest("D41D8CD98F00B204E9800998ECF8427E").as_deref(),
            Some("md5:d41d8cd98f00b204e9800998ecf8427e")
        );
        assert_eq!(file_digest("Q1"), None);
        assert_eq!(file_digest("Q1!!!!"), None);
    }

    #[test]
    fn long_lines_are_echoed_shortened() {
        let long = "x".repeat(200);
        let parsed = parse(&long);
        assert_eq!(
            parsed.problems[0].message,
            format!("expected `X:value`, found `{}…`", "x".repeat(ECHO_CHARS))
        );
        assert!(parsed.records.is_empty());
    }

    #[test]
    fn crlf_line_endings_are_accepted() {
        let parsed = parse("P:a\r\nV:1\r\n\r\nP:b\r\n");
        assert!(parsed.problems.is_empty());
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[0].meta.version, "1");
    }

    #[test]
    fn overlong_value_skips_its_record_only() {
        let long = "a".repeat(MAX_VALUE_BYTES + 1);
        let parsed = parse(&format!("P:x\nV:1\n\nP:{long}\nV:2\nT:t\n\nP:y\nV:3\n"));
        let names: Vec<&str> = parsed
            .records
            .iter()
            .map(|r| r.meta.package.as_str())
            .collect();
        assert_eq!(names, ["x", "y"]);
        assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
        assert_eq!(parsed.problems[0].line, 4);
        assert_eq!(
            parsed.problems[0].message,
            format!(
                "`P:` value is {} bytes, more than {MAX_VALUE_BYTES}; record skipped",
                long.len()
            )
        );
        // The open last record is `y`, whole: a cut file may still drop it.
        assert!(parsed.last_record_open);
        let skipped_last = parse(&format!("P:x\nV:1\n\nP:{long}\n"));
        assert_eq!(skipped_last.records.len(), 1);
        assert!(
            !skipped_last.last_record_open,
            "`x` was closed by a blank line"
        );
    }

    #[test]
    fn records_are_capped() {
        let text = "P:a\nV:1\n\n".repeat(MAX_RECORDS + 5);
        let parsed = parse(&text);
        assert_eq!(parsed.records.len(), MAX_RECORDS);
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, MAX_RECORDS * 3 + 1);
        assert!(parsed.problems[0]
            .message
            .contains("the rest of the file was not read"));
        assert!(!parsed.last_record_open);
    }

    #[test]
    fn problems_are_capped_and_counted() {
        let parsed = parse(&"bad line\n".repeat(1000));
        assert_eq!(parsed.problems.len(), MAX_PROBLEMS);
        assert_eq!(parsed.unlisted_problems, 1000 - MAX_PROBLEMS);
    }
}
