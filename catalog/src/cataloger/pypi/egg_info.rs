//! Parsers for `*.egg-info` metadata: the directory form (`PKG-INFO`, whose
//! format is core metadata, parsed by [`super::dist_info`], plus
//! `installed-files.txt`) and the single-file form, where the `.egg-info`
//! path is itself the `PKG-INFO` content (distutils and some distro packages).

use super::FileTree;

/// The paths listed in `installed-files.txt` (written by pip for
/// `setup.py install` installs), as written: relative to the egg-info
/// directory, one per line.
pub(super) fn parse_installed_files(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// True when `path` (ending in `.egg-info`) is the single-file form: the
/// tree has no files below it. A directory entry retained by mistake is not
/// taken for metadata when files exist under it.
pub(super) fn is_single_file(files: &FileTree, path: &str) -> bool {
    let mut prefix = String::with_capacity(path.len() + 1);
    prefix.push_str(path);
    prefix.push('/');
    let has_children = files.under(&prefix).next().is_some();
    !has_children
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cataloger::File;

    #[test]
    fn installed_files_are_listed_in_order() {
        let files = parse_installed_files(include_str!(
            "../../../testdata/pypi/installed-files/installed-files.txt"
        ));
        assert_eq!(
            files,
            [
                "../__pycache__/dicttoxml.cpython-36.pyc",
                "../dicttoxml.py",
                "PKG-INFO",
                "SOURCES.txt",
                "dependency_links.txt",
                "top_level.txt"
            ]
        );
        assert!(parse_installed_files("\n\r\n  \n").is_empty());
    }

    #[test]
    fn egg_info_with_files_below_is_a_directory() {
        let mut tree = FileTree::new();
        for path in ["sp/a.egg-info", "sp/b.egg-info", "sp/b.egg-info/PKG-INFO"] {
            tree.insert(File {
                path: path.into(),
                data: Vec::new().into(),
                layer: None,
                truncated: false,
            });
        }
        assert!(is_single_file(&tree, "sp/a.egg-info"));
        assert!(!is_single_file(&tree, "sp/b.egg-info"));
    }
}
