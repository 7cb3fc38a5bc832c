//! Applying layers in order: whiteouts, opaque directories, files, symlinks
//! and hardlinks, into the [`FileTree`] catalogers read.

use crate::cataloger::{File, FileTree, Finding};
use crate::layer::{EntryKind, LayerIndex, Wanted};
use crate::model::{Diagnostic, Location, Severity};

/// The squashed view of the layers applied so far.
#[derive(Debug, Default, Clone)]
pub struct Squash {
    tree: FileTree,
    diagnostics: Vec<Diagnostic>,
}

impl Squash {
    /// An empty filesystem.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one layer on top. Whiteouts and opaque markers hide only what
    /// lower layers hold, so they are applied before the layer's own entries.
    pub fn apply(&mut self, layer: &LayerIndex, wanted: &Wanted) {
        for dir in &layer.opaque_dirs {
            self.tree.clear_dir(dir);
        }
        for path in &layer.whiteouts {
            self.tree.remove_tree(path);
        }
        // Files no rule or extractor kept still replace lower findings.
        self.tree.hide_findings(&layer.plain, layer.layer.as_ref());
        for entry in &layer.entries {
            match &entry.kind {
                EntryKind::Extracted {
                    by,
                    data,
                    diagnostics,
                } => {
                    for message in diagnostics {
                        self.diagnostics.push(Diagnostic {
                            severity: Severity::Warning,
                            location: Some(Location::new(&entry.path, layer.layer.clone())),
                            message: message.clone(),
                        });
                    }
                    self.tree.replace_below(&entry.path, layer.layer.as_ref());
                    self.tree.insert_finding(Finding {
                        path: entry.path.clone(),
                        by: by.clone(),
                        data: data.clone(),
                        layer: layer.layer.clone(),
                    });
                }
                EntryKind::File {
                    data, truncated, ..
                } => {
                    if *truncated {
                        self.diagnostics.push(Diagnostic {
                            severity: Severity::Warning,
                            location: Some(Location::new(&entry.path, layer.layer.clone())),
                            message: format!(
                                "file larger than {} MiB, only its start was read",
                                crate::MAX_FILE_SIZE >> 20
                            ),
                        });
                    }
                    self.tree.replace_below(&entry.path, layer.layer.as_ref());
                    self.tree.insert(File {
                        path: entry.path.clone(),
                        data: data.clone(),
                        layer: layer.layer.clone(),
                        truncated: *truncated,
                    });
                }
                EntryKind::Skipped { size, budget } => {
                    // What lower layers hold at this path is replaced, even
                    // though the new content is unknown.
                    self.tree.remove_tree(&entry.path);
                    self.diagnostics.push(Diagnostic {
                        severity: Severity::Warning,
                        location: Some(Location::new(&entry.path, layer.layer.clone())),
                        message: format!(
                            "file of {size} bytes not read: the scan's budget of {} MiB for file contents is used up",
                            budget >> 20
                        ),
                    });
                }
                EntryKind::Symlink(target) => self.tree.insert_symlink(&entry.path, target),
                EntryKind::Hardlink(target) => {
                    // A hardlink replaces what lower layers held at its
                    // path, and shares its target's finding, if any.
                    self.tree.replace_below(&entry.path, layer.layer.as_ref());
                    let finding = self
                        .tree
                        .finding(target)
                        .filter(|f| f.layer == layer.layer)
                        .cloned();
                    let shared = finding.is_some();
                    if let Some(f) = finding {
                        self.tree.insert_finding(Finding {
                            path: entry.path.clone(),
                            ..f
                        });
                    }
                    if !wanted.matches(&entry.path) {
                        if !shared && wanted.extractors().claims(&entry.path) {
                            self.diagnostics
                                .push(not_retained(&entry.path, target, layer));
                        }
                        continue;
                    }
                    // A hardlink names an earlier member of the same tar; its
                    // target was recorded only if it was wanted too.
                    let found = self
                        .tree
                        .get_exact(target)
                        .filter(|f| f.layer == layer.layer)
                        .cloned();
                    match found {
                        Some(f) => self.tree.insert(File {
                            path: entry.path.clone(),
                            ..f
                        }),
                        None => self
                            .diagnostics
                            .push(not_retained(&entry.path, target, layer)),
                    }
                }
            }
        }
    }

    /// The squashed file tree.
    pub fn tree(&self) -> &FileTree {
        &self.tree
    }

    /// The squashed file tree, taken (see [`Squash::diagnostics`] first).
    pub fn into_tree(self) -> FileTree {
        self.tree
    }

    /// Problems met while squashing, plus symlink loops in the final tree.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = self.diagnostics.clone();
        for (path, _) in self.tree.symlinks() {
            if self.tree.resolve(path).is_err() {
                out.push(Diagnostic {
                    severity: Severity::Warning,
                    location: Some(Location::new(path, None)),
                    message: "symlink loop".to_owned(),
                });
            }
        }
        out
    }
}

/// The warning for a hardlink at `path` in `layer` whose `target`'s
/// content (or finding) was not kept.
fn not_retained(path: &str, target: &str, layer: &LayerIndex) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        location: Some(Location::new(path, layer.layer.clone())),
        message: format!("hardlink to /{target}, whose content was not retained"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Entry, Rule};
    use crate::model::LayerRef;

    fn layer(i: usize, entries: Vec<(&str, EntryKind)>, wh: &[&str], opq: &[&str]) -> LayerIndex {
        LayerIndex {
            layer: Some(LayerRef {
                digest: format!("sha256:{i}"),
                diff_id: None,
                index: i,
            }),
            entries: entries
                .into_iter()
                .map(|(p, kind)| Entry {
                    path: p.to_owned(),
                    kind,
                })
                .collect(),
            whiteouts: wh.iter().map(|s| (*s).to_owned()).collect(),
            opaque_dirs: opq.iter().map(|s| (*s).to_owned()).collect(),
            plain: Vec::new(),
            raw_size: 0,
            files: Default::default(),
        }
    }

    fn f(s: &str) -> EntryKind {
        EntryKind::File {
            data: s.as_bytes().into(),
            truncated: false,
            size: s.len() as u64,
        }
    }

    fn paths(s: &Squash) -> Vec<String> {
        s.tree().iter().map(|f| f.path.clone()).collect()
    }

    #[test]
    fn whiteout_hides_lower_layer_file_but_not_same_layer_file() {
        let mut s = Squash::new();
        let all = Wanted::new([Rule::new("**/*")]);
        s.apply(
            &layer(0, vec![("a/x", f("1")), ("a/y", f("2"))], &[], &[]),
            &all,
        );
        s.apply(&layer(1, vec![("a/y", f("3"))], &["a/x", "a/y"], &[]), &all);
        assert_eq!(paths(&s), vec!["a/y"]);
        assert_eq!(&*s.tree().get("a/y").unwrap().data, b"3");
    }

    #[test]
    fn opaque_dir_hides_lower_contents_keeps_new_ones() {
        let mut s = Squash::new();
        let all = Wanted::new([Rule::new("**/*")]);
        s.apply(
            &layer(0, vec![("d/old", f("1")), ("dx", f("2"))], &[], &[]),
            &all,
        );
        s.apply(&layer(1, vec![("d/new", f("3"))], &[], &["d"]), &all);
        assert_eq!(paths(&s), vec!["d/new", "dx"]);
    }

    #[test]
    fn hardlink_gets_target_content_and_layer() {
        let mut s = Squash::new();
        let all = Wanted::new([Rule::new("**/*")]);
        s.apply(
            &layer(
                0,
                vec![("a", f("data")), ("b", EntryKind::Hardlink("a".into()))],
                &[],
                &[],
            ),
            &all,
        );
        let b = s.tree().get("b").unwrap();
        assert_eq!(&*b.data, b"data");
        assert_eq!(b.layer.as_ref().unwrap().index, 0);
    }

    #[test]
    fn hardlink_to_unretained_target_is_a_diagnostic() {
        let mut s = Squash::new();
        let all = Wanted::new([Rule::new("**/*")]);
        s.apply(
            &layer(0, vec![("b", EntryKind::Hardlink("zz".into()))], &[], &[]),
            &all,
        );
        assert!(s.tree().get("b").is_none());
        assert!(s.diagnostics()[0].message.contains("hardlink to /zz"));
    }

    #[test]
    fn skipped_file_hides_the_lower_copy_and_is_reported() {
        let mut s = Squash::new();
        let all = Wanted::new([Rule::new("**/*")]);
        s.apply(
            &layer(0, vec![("a", f("old")), ("b", f("kept"))], &[], &[]),
            &all,
        );
        s.apply(
            &layer(
                1,
                vec![(
                    "a",
                    EntryKind::Skipped {
                        size: 5 << 20,
                        budget: 64 << 20,
                    },
                )],
                &[],
                &[],
            ),
            &all,
        );
        assert_eq!(paths(&s), vec!["b"]);
        let d = s.diagnostics();
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].message,
            "file of 5242880 bytes not read: the scan's budget of 64 MiB for file contents is used up"
        );
        let at = d[0].location.as_ref().unwrap();
        assert_eq!(at.path, "/a");
        assert_eq!(at.layer.as_ref().unwrap().digest, "sha256:1");
    }

    #[test]
    fn file_replaces_symlink_and_loops_are_reported() {
        let mut s = Squash::new();
        let all = Wanted::new([Rule::new("**/*")]);
        s.apply(
            &layer(
                0,
                vec![
                    ("x", EntryKind::Symlink("y".into())),
                    ("y", EntryKind::Symlink("x".into())),
                    ("e", EntryKind::Symlink("f".into())),
                ],
                &[],
                &[],
            ),
            &all,
        );
        s.apply(&layer(1, vec![("e", f("real"))], &[], &[]), &all);
        assert_eq!(&*s.tree().get("e").unwrap().data, b"real");
        let d = s.diagnostics();
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().all(|d| d.message == "symlink loop"));
    }
}
