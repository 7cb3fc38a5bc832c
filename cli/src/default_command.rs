//! `sbomctl IMAGE` scans, as `syft IMAGE` does: when the first argument
//! after the global flags is not a subcommand, `scan` is put before it.
//!
//! The rule, applied to the arguments before clap sees them:
//! - Global flags (`-q`, `--quiet`, `-v…`, `--verbose`) at the front are
//!   skipped over.
//! - Nothing follows (`sbomctl`, `sbomctl -v`), or what follows is a
//!   subcommand or one of its aliases, `help`, `-h`/`--help` or
//!   `-V`/`--version`: unchanged.
//! - A flag follows (`sbomctl -o spdx-json alpine`): it is a scan flag, so
//!   `scan` goes before it.
//! - A word follows that is not an existing path and is a likely typo of a
//!   subcommand (`sbomctl atest`: edit distance at most 2 from a name of
//!   four letters or more, and no `/`, `:`, `.` or `@` in it): unchanged,
//!   so clap says it is not a subcommand and suggests the right one.
//!   syft would try to pull an image `atest` from Docker Hub instead.
//! - Any other word is the scan's source: `scan` goes before it.

use std::ffi::OsString;

/// `args` (the program name first) with `scan` inserted where the rule
/// above says. `subcommands` are the names and aliases clap knows.
/// `value_flags` are the global flags that take a value (`--output-file
/// FILE`): their value is skipped too.
pub fn rewrite(
    args: Vec<OsString>,
    subcommands: &[String],
    value_flags: &[String],
) -> Vec<OsString> {
    let mut at = 1;
    while let Some(a) = args.get(at).and_then(|a| a.to_str()) {
        if is_global_flag(a) {
            at += 1;
        } else if value_flags.iter().any(|f| f == a) {
            at += 2;
        } else if value_flags
            .iter()
            .any(|f| f.starts_with("--") && a.starts_with(&format!("{f}=")))
        {
            at += 1;
        } else {
            break;
        }
    }
    let Some(first) = args.get(at) else {
        return args;
    };
    let insert = match first.to_str() {
        // Not UTF-8: not a subcommand, so a path to scan.
        None => true,
        Some(s) if s.starts_with('-') => {
            !matches!(s, "-h" | "--help" | "-V" | "--version") && s != "-"
        }
        Some(s) => {
            !(subcommands.iter().any(|c| c == s)
                || s == "help"
                || (likely_typo(s, subcommands) && !std::path::Path::new(s).exists()))
        }
    };
    if !insert {
        return args;
    }
    let mut out = args;
    out.insert(at, OsString::from("scan"));
    out
}

fn is_global_flag(a: &str) -> bool {
    matches!(a, "-q" | "--quiet" | "--verbose")
        || (a.len() >= 2 && a.starts_with('-') && a[1..].chars().all(|c| c == 'v'))
}

/// A bare word close to a subcommand name.
fn likely_typo(word: &str, subcommands: &[String]) -> bool {
    if word.contains(['/', ':', '.', '@']) {
        return false;
    }
    subcommands
        .iter()
        .filter(|c| c.len() >= 4)
        .any(|c| levenshtein(word, c) <= 2)
}

/// Edit distance (insertions, deletions, substitutions), on chars.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Vec<String> {
        let subs: Vec<String> = ["scan", "packages", "attest", "verify", "sign", "convert"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let args = std::iter::once("sbomctl")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        rewrite(args, &subs, &["--output-file".to_owned()])
            .into_iter()
            .skip(1)
            .map(|a| a.into_string().unwrap_or_default())
            .collect()
    }

    #[test]
    fn a_source_or_a_scan_flag_first_means_scan() {
        assert_eq!(run(&["alpine:3.19"]), ["scan", "alpine:3.19"]);
        assert_eq!(run(&["alpine"]), ["scan", "alpine"]);
        assert_eq!(run(&["-q", "img.tar"]), ["-q", "scan", "img.tar"]);
        assert_eq!(
            run(&["-vv", "-o", "json", "x"]),
            ["-vv", "scan", "-o", "json", "x"]
        );
        assert_eq!(run(&["dir:/"]), ["scan", "dir:/"]);
        // A global flag's value is not the source.
        assert_eq!(
            run(&["--output-file", "out.json", "img"]),
            ["--output-file", "out.json", "scan", "img"]
        );
        assert_eq!(
            run(&["--output-file=out.json", "img"]),
            ["--output-file=out.json", "scan", "img"]
        );
        assert_eq!(
            run(&["--output-file", "out.json", "verify"]),
            ["--output-file", "out.json", "verify"]
        );
        // A typo-like word that holds an image character is a source.
        assert_eq!(run(&["atest:1"]), ["scan", "atest:1"]);
    }

    #[test]
    fn subcommands_help_version_and_typos_are_left_to_clap() {
        for args in [
            &[][..],
            &["-v"],
            &["scan", "x"],
            &["packages", "x"],
            &["verify", "--key", "k", "x"],
            &["help"],
            &["help", "scan"],
            &["--help"],
            &["-V"],
            &["atest"],
            &["verfy"],
            &["-q", "convrt"],
        ] {
            assert_eq!(run(args), args, "{args:?}");
        }
    }

    #[test]
    fn edit_distance() {
        assert_eq!(levenshtein("attest", "atest"), 1);
        assert_eq!(levenshtein("verify", "vrfy"), 2);
        assert_eq!(levenshtein("alpine", "attest"), 5);
        assert_eq!(levenshtein("", "ab"), 2);
    }
}
