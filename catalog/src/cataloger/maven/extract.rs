//! What is kept of a Java archive as its layer streams: the selection
//! (extension and zip magic), the walk, and the finding, a compact JSON
//! of the parsed metadata ([`super::Parsed`]) each (nested) archive holds.
//! The layer seam's [`Extractor`] is [`JarExtractor`].

use std::io::{self, Read};

use crate::cataloger::{Extracted, Extractor};

use super::zip_stream::{self, Limits};
use super::Parsed;

/// The extractor id findings are stored under (bump the version when the
/// finding's form changes).
pub const ID: &str = "maven/1";

/// Largest finding written; the seam cuts at 1 MiB, a cut JSON would not
/// read back.
pub const MAX_FINDING: usize = 1000 * 1000;

/// Reads Java archives for the maven cataloger.
#[derive(Debug, Clone, Default)]
pub struct JarExtractor {
    /// The walk's bounds.
    pub limits: Limits,
}

/// The smallest zip: an end-of-central-directory record.
const MIN_ZIP: u64 = 22;

impl JarExtractor {
    /// A file named like a Java archive (any case), big enough to be one.
    pub fn considers(&self, path: &str, size: u64) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        size >= MIN_ZIP && zip_stream::is_archive_name(name)
    }

    /// …that starts like a zip (a local header or an empty archive's end
    /// record) or with a launch script (`#!`, an executable Spring Boot
    /// jar).
    pub fn wants(&self, path: &str, size: u64, head: &[u8]) -> bool {
        self.considers(path, size)
            && (head.starts_with(b"PK\x03\x04")
                || head.starts_with(b"PK\x05\x06")
                || head.starts_with(b"#!"))
    }

    /// Walks the archive (`head` then `rest`) and returns the finding and
    /// the problems (each names the path chain from the file's name). An
    /// error reading `rest` is returned as it is: it is the layer's.
    pub fn extract(
        &self,
        path: &str,
        head: &[u8],
        rest: &mut dyn Read,
    ) -> io::Result<(Vec<u8>, Vec<String>)> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let mut source = ErrorKeeping {
            inner: head.chain(rest),
            error: None,
        };
        let archive = zip_stream::walk(name, &mut source, &self.limits);
        if let Some(e) = source.error {
            return Err(e);
        }
        let mut parsed = Parsed::from_archive(&archive);
        let mut problems = Vec::new();
        take_problems(&mut parsed, &mut problems);
        let data = encode(&mut parsed, &mut problems);
        Ok((data, problems))
    }
}

impl Extractor for JarExtractor {
    fn id(&self) -> &'static str {
        ID
    }

    fn considers(&self, path: &str, _mode: u32, size: u64) -> bool {
        JarExtractor::considers(self, path, size)
    }

    fn wants(&self, path: &str, _mode: u32, size: u64, head: &[u8]) -> bool {
        JarExtractor::wants(self, path, size, head)
    }

    fn extract(
        &self,
        path: &str,
        head: &[u8],
        rest: &mut dyn Read,
        _size: u64,
    ) -> io::Result<Extracted> {
        let (data, diagnostics) = JarExtractor::extract(self, path, head, rest)?;
        Ok(Extracted { data, diagnostics })
    }
}

/// Moves every problem out of the tree: the seam reports them as warnings
/// on the file.
fn take_problems(p: &mut Parsed, out: &mut Vec<String>) {
    out.append(&mut p.problems);
    for n in &mut p.nested {
        take_problems(n, out);
    }
}

/// The finding: `parsed` as JSON, under `MAX_FINDING`. Too big, the
/// pom.xml details go first, then the nested archives; each cut is a
/// problem.
pub fn encode(parsed: &mut Parsed, problems: &mut Vec<String>) -> Vec<u8> {
    let fits = |p: &Parsed| {
        serde_json::to_vec(p)
            .ok()
            .filter(|d| d.len() <= MAX_FINDING)
    };
    if let Some(d) = fits(parsed) {
        return d;
    }
    fn drop_projects(p: &mut Parsed) {
        p.projects.clear();
        p.nested.iter_mut().for_each(drop_projects);
    }
    drop_projects(parsed);
    problems.push(format!(
        "{}: metadata over {MAX_FINDING} bytes; pom.xml files not used",
        parsed.chain
    ));
    if let Some(d) = fits(parsed) {
        return d;
    }
    parsed.nested.clear();
    problems.push(format!(
        "{}: metadata over {MAX_FINDING} bytes; nested archives not used",
        parsed.chain
    ));
    if let Some(d) = fits(parsed) {
        return d;
    }
    problems.push(format!(
        "{}: metadata over {MAX_FINDING} bytes; not used",
        parsed.chain
    ));
    Vec::new()
}

/// Reads a finding back; `None` when it does not parse.
pub fn decode(data: &[u8]) -> Option<Parsed> {
    serde_json::from_slice(data).ok()
}

/// A reader that remembers the first error it passed on, so the layer's
/// read errors are told from the archive's own truncation.
struct ErrorKeeping<R> {
    inner: R,
    error: Option<io::Error>,
}

impl<R: Read> Read for ErrorKeeping<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => Ok(n),
            Err(e) => {
                let again = io::Error::new(e.kind(), e.to_string());
                if self.error.is_none() {
                    self.error = Some(e);
                }
                Err(again)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_by_extension_in_any_case_and_zip_magic() {
        let x = JarExtractor::default();
        assert!(x.wants("usr/share/java/A.JAR", 100, b"PK\x03\x04...."));
        assert!(x.wants("srv/app.war", 100, b"#!/bin/bash\n"));
        assert!(!x.wants("srv/app.war", 100, b"\x7fELF"));
        assert!(!x.wants("srv/app.zip", 100, b"PK\x03\x04"));
        assert!(!x.wants("srv/.jar", 100, b"PK\x03\x04"));
        assert!(!x.considers("srv/a.jar", 10));
    }

    #[test]
    fn layer_read_errors_are_returned_as_errors() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::ConnectionReset, "layer gone"))
            }
        }
        let err = JarExtractor::default()
            .extract("a.jar", b"PK\x03\x04", &mut Failing)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    }

    #[test]
    fn oversized_metadata_is_cut_with_problems_and_still_reads_back() {
        let project = super::super::pom_xml::PomProject {
            description: Some("d".repeat(300_000)),
            ..Default::default()
        };
        let mut parsed = Parsed {
            chain: "big.war".into(),
            nested: (0..4)
                .map(|i| Parsed {
                    chain: format!("big.war!/l{i}.jar"),
                    projects: vec![project.clone()],
                    ..Parsed::default()
                })
                .collect(),
            ..Parsed::default()
        };
        let mut problems = Vec::new();
        let data = encode(&mut parsed, &mut problems);
        assert!(data.len() <= MAX_FINDING);
        assert_eq!(
            problems,
            ["big.war: metadata over 1000000 bytes; pom.xml files not used"]
        );
        let back = decode(&data).unwrap();
        assert_eq!(back.nested.len(), 4);
        assert!(back.nested[0].projects.is_empty());
    }
}
