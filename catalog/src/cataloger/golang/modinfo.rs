//! The module info text of Go build info, as `runtime/debug.ParseBuildInfo`
//! reads it: tab-separated lines `path`, `mod`, `dep`, `=>` (replaces the
//! module on the line before) and `build KEY=VALUE` (key and value quoted
//! Go-style when they hold spaces, quotes or `=`).

/// Most `dep` lines read (real binaries have a few hundred).
pub const MAX_DEPS: usize = 20_000;

/// A module as a `mod`, `dep` or `=>` line gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Module {
    /// Module path.
    pub path: String,
    /// Version (`v1.2.3`, `(devel)`, or empty).
    pub version: String,
    /// `h1:` checksum, or empty.
    pub sum: String,
    /// What `=>` replaced it with.
    pub replace: Option<Box<Module>>,
}

/// Parsed module info.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildInfo {
    /// `path`: the main package's import path.
    pub path: String,
    /// `mod`: the main module.
    pub main: Option<Module>,
    /// `dep` lines, in order.
    pub deps: Vec<Module>,
    /// `build` settings, in order.
    pub settings: Vec<(String, String)>,
}

/// Parses module info; problems are returned as messages beside what was
/// read (a bad line is skipped).
pub fn parse(text: &str) -> (BuildInfo, Vec<String>) {
    let mut info = BuildInfo::default();
    let mut problems = Vec::new();
    // Where the last `mod`/`dep` went, for `=>`.
    let mut last: Option<Option<usize>> = None;
    for (n, line) in text.lines().enumerate() {
        let mut fields = line.split('\t');
        match fields.next() {
            Some("path") => info.path = fields.next().unwrap_or_default().to_owned(),
            Some("mod") => {
                info.main = Some(module(fields));
                last = Some(None);
            }
            Some("dep") => {
                if info.deps.len() >= MAX_DEPS {
                    problems.push(format!(
                        "more than {MAX_DEPS} dependencies: the rest are left out"
                    ));
                    break;
                }
                info.deps.push(module(fields));
                last = Some(Some(info.deps.len() - 1));
            }
            Some("=>") => {
                let target = match last.take() {
                    Some(None) => info.main.as_mut(),
                    Some(Some(i)) => info.deps.get_mut(i),
                    None => None,
                };
                match target {
                    Some(m) => m.replace = Some(Box::new(module(fields))),
                    None => problems.push(format!(
                        "module info line {}: replacement without a module before it",
                        n + 1
                    )),
                }
            }
            Some("build") => {
                let rest = line.strip_prefix("build\t").unwrap_or_default();
                match setting(rest) {
                    Some(kv) => info.settings.push(kv),
                    None => problems.push(format!(
                        "module info line {}: build setting without a key",
                        n + 1
                    )),
                }
            }
            // `go` (written by BuildInfo.String, not by the linker) and
            // blank lines carry nothing more.
            Some("go" | "") | None => {}
            Some(other) => problems.push(format!(
                "module info line {}: unknown line `{}`",
                n + 1,
                other.chars().take(40).collect::<String>()
            )),
        }
    }
    (info, problems)
}

fn module<'a>(mut fields: impl Iterator<Item = &'a str>) -> Module {
    Module {
        path: fields.next().unwrap_or_default().to_owned(),
        version: fields.next().unwrap_or_default().to_owned(),
        sum: fields.next().unwrap_or_default().to_owned(),
        replace: None,
    }
}

/// `KEY=VALUE`, either side possibly a Go quoted string.
fn setting(s: &str) -> Option<(String, String)> {
    let (key, rest) = if s.starts_with('"') {
        let (k, used) = unquote(s)?;
        (k, s.get(used..)?.strip_prefix('=')?)
    } else {
        let (k, v) = s.split_once('=')?;
        (k.to_owned(), v)
    };
    if key.is_empty() {
        return None;
    }
    let value = if rest.starts_with('"') {
        match unquote(rest) {
            Some((v, used)) if used == rest.len() => v,
            _ => rest.to_owned(),
        }
    } else {
        rest.to_owned()
    };
    Some((key, value))
}

/// A Go double-quoted string at the start of `s`: its value and the bytes
/// it took, `None` when it does not end.
fn unquote(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = (0..n)
                            .filter_map(|_| chars.next().map(|(_, c)| c))
                            .collect();
                        let v = u32::from_str_radix(&hex, 16).ok()?;
                        out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    }
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modules_replacements_and_quoted_settings() {
        let text = "path\texample.com/app/cmd/x\n\
            mod\texample.com/app\t(devel)\t\n\
            dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n\
            dep\texample.com/old\tv1.0.0\t\n\
            =>\texample.com/new\tv1.1.0\th1:def=\n\
            dep\texample.com/local\tv0.0.0\n\
            =>\t../local\t\n\
            build\t-ldflags=\"-s -w -X main.version=1.2.3\"\n\
            build\tGOOS=linux\n\
            build\t\"we=ird\"=\"a\\tb\"\n";
        let (info, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(info.path, "example.com/app/cmd/x");
        let main = info.main.unwrap();
        assert_eq!(
            (main.path.as_str(), main.version.as_str()),
            ("example.com/app", "(devel)")
        );
        assert_eq!(info.deps.len(), 3);
        assert_eq!(info.deps[0].sum, "h1:abc=");
        let r = info.deps[1].replace.as_ref().unwrap();
        assert_eq!(
            (r.path.as_str(), r.version.as_str(), r.sum.as_str()),
            ("example.com/new", "v1.1.0", "h1:def=")
        );
        assert_eq!(info.deps[2].replace.as_ref().unwrap().path, "../local");
        assert_eq!(
            info.settings,
            [
                (
                    "-ldflags".to_owned(),
                    "-s -w -X main.version=1.2.3".to_owned()
                ),
                ("GOOS".to_owned(), "linux".to_owned()),
                ("we=ird".to_owned(), "a\tb".to_owned()),
            ]
        );
    }

    #[test]
    fn bad_lines_are_reported_and_skipped() {
        let (info, problems) = parse("=>\tx\tv1\nbuild\t=v\nweird\tline\ndep\ta\tv1\n");
        assert_eq!(info.deps.len(), 1);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(unquote("\"abc"), None);
        assert_eq!(unquote("\"\\xzz\""), None);
    }
}
