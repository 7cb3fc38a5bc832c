//! Configuration: a YAML file and `SBOMCTL_*` environment variables for
//! every option, with syft's precedence (flag > environment > file >
//! built-in default).
//!
//! Nothing here knows individual flags. Before clap parses, the file and
//! the environment are read into the *defaults* of the arguments of the
//! clap command tree, so a flag given on the command line always wins and
//! `--help` shows the configured values. A file key names an option by its
//! long flag name (`output`, `scope`, `exclude`, `platform`,
//! `select-catalogers`); nested keys join with `-` (`registry: {timeout:
//! 90s}` is `--registry-timeout`), and syft's nested names are accepted too
//! (`source: {base-path: …}` is `--base-path`, `default-catalogers` is
//! `--override-default-catalogers`). The environment variable of an option
//! is `SBOMCTL_` and the key in upper case with `-` and `.` as `_`
//! (`SBOMCTL_OUTPUT`, `SBOMCTL_EXCLUDE`, `SBOMCTL_SOURCE_BASE_PATH`); lists
//! there are comma-separated. A file key that names no option is a warning
//! naming the key and the file.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::{ArgAction, Command};

/// syft's nested or renamed keys and the long flag each stands for.
const ALIASES: &[(&str, &str)] = &[
    ("source.base-path", "base-path"),
    ("source.name", "source-name"),
    ("source.version", "source-version"),
    ("source.supplier", "source-supplier"),
    ("file.metadata.digests", "file-digests"),
    ("default-catalogers", "override-default-catalogers"),
    ("log.quiet", "quiet"),
    ("verbosity", "verbose"),
];

/// Where the configuration file is looked for when `-c/--config` is not
/// given, in order (syft's search for `.syft.yaml`, with our name).
pub fn search_path() -> Vec<PathBuf> {
    let mut out = vec![
        PathBuf::from(".sbomctl.yaml"),
        PathBuf::from(".sbomctl").join("config.yaml"),
    ];
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|x| !x.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    if let Some(x) = xdg {
        out.push(x.join("sbomctl").join("config.yaml"));
    }
    if let Some(h) = home {
        out.push(h.join(".sbomctl.yaml"));
    }
    out
}

/// The configuration file: `-c/--config FILE` on the command line (which
/// must exist), else `SBOMCTL_CONFIG`, else the first of [`search_path`]
/// that exists.
fn config_file(args: &[OsString]) -> Result<Option<PathBuf>> {
    let mut given = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let Some(a) = a.to_str() else { continue };
        if a == "--" {
            break;
        }
        if a == "-c" || a == "--config" {
            given = it.next().map(PathBuf::from);
        } else if let Some(v) = a.strip_prefix("--config=") {
            given = Some(PathBuf::from(v));
        } else if let Some(v) = a
            .strip_prefix("-c")
            .filter(|v| !v.is_empty() && !a.starts_with("--"))
        {
            given = Some(PathBuf::from(v.strip_prefix('=').unwrap_or(v)));
        }
    }
    if let Some(p) = given.or_else(|| {
        std::env::var_os("SBOMCTL_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }) {
        if !p.is_file() {
            bail!("config file {}: no such file", p.display());
        }
        return Ok(Some(p));
    }
    Ok(search_path().into_iter().find(|p| p.is_file()))
}

/// One option's configured value: a scalar or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    One(String),
    Many(Vec<String>),
}

impl Value {
    fn items(&self) -> Vec<String> {
        match self {
            Value::One(s) => vec![s.clone()],
            Value::Many(v) => v.clone(),
        }
    }
}

/// Reads `path` into dotted keys (`registry.timeout`) and values.
fn read_file(path: &Path) -> Result<BTreeMap<String, Value>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text)
        .with_context(|| format!("config file {}: not valid YAML", path.display()))?;
    let mut out = BTreeMap::new();
    match doc {
        serde_yaml_ng::Value::Null => {}
        serde_yaml_ng::Value::Mapping(m) => flatten(path, "", &m, &mut out)?,
        _ => bail!(
            "config file {}: expected a mapping of options",
            path.display()
        ),
    }
    Ok(out)
}

fn flatten(
    path: &Path,
    prefix: &str,
    map: &serde_yaml_ng::Mapping,
    out: &mut BTreeMap<String, Value>,
) -> Result<()> {
    for (k, v) in map {
        let Some(k) = scalar(k) else {
            bail!("config file {}: a key is not a string", path.display());
        };
        let key = if prefix.is_empty() {
            k
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            serde_yaml_ng::Value::Null => {}
            serde_yaml_ng::Value::Mapping(m) => flatten(path, &key, m, out)?,
            serde_yaml_ng::Value::Sequence(items) => {
                let mut list = Vec::new();
                for item in items {
                    match scalar(item) {
                        Some(s) => list.push(s),
                        None => bail!(
                            "config file {}: `{key}`: expected a list of values",
                            path.display()
                        ),
                    }
                }
                out.insert(key, Value::Many(list));
            }
            other => match scalar(other) {
                Some(s) => {
                    out.insert(key, Value::One(s));
                }
                None => bail!("config file {}: `{key}`: unsupported value", path.display()),
            },
        }
    }
    Ok(())
}

fn scalar(v: &serde_yaml_ng::Value) -> Option<String> {
    match v {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Bool(b) => Some(b.to_string()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The long flag a file key stands for.
fn flag_of(key: &str) -> String {
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == key)
        .map_or_else(|| key.replace('.', "-"), |(_, flag)| (*flag).to_owned())
}

/// The environment variables that set `flag`: `SBOMCTL_<FLAG>` and those
/// of its syft aliases.
fn env_names(flag: &str) -> Vec<String> {
    let name = |k: &str| format!("SBOMCTL_{}", k.to_uppercase().replace(['-', '.'], "_"));
    // SBOMCTL_PASSWORD is the private key's password (as COSIGN_PASSWORD),
    // not a default for `login --password`.
    if flag == "password" {
        return Vec::new();
    }
    let mut out = vec![name(flag)];
    out.extend(
        ALIASES
            .iter()
            .filter(|(_, f)| *f == flag)
            .map(|(alias, _)| name(alias)),
    );
    out
}

/// Every long flag of `cmd` and its subcommands.
fn long_flags(cmd: &Command, out: &mut std::collections::BTreeSet<String>) {
    for a in cmd.get_arguments() {
        if let Some(l) = a.get_long() {
            out.insert(l.to_owned());
        }
    }
    for sc in cmd.get_subcommands() {
        long_flags(sc, out);
    }
}

/// `cmd` with the defaults `values` (by long flag) set on every argument
/// of it and its subcommands that has that flag.
fn apply(mut cmd: Command, values: &BTreeMap<String, Value>) -> Command {
    let ids: Vec<(clap::Id, String)> = cmd
        .get_arguments()
        .filter_map(|a| Some((a.get_id().clone(), a.get_long()?.to_owned())))
        .collect();
    for (id, long) in ids {
        let Some(value) = values.get(&long) else {
            continue;
        };
        cmd = cmd.mut_arg(id, |a| {
            let a = a.required(false);
            let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
            match a.get_action() {
                ArgAction::Append => {
                    let items: Vec<&'static str> = value.items().into_iter().map(leak).collect();
                    a.default_values(items)
                }
                ArgAction::Count => {
                    // `verbose: 2` or `verbosity: 2`; clap counts from the
                    // default.
                    let n = value.items().pop().unwrap_or_default();
                    a.default_value(leak(n))
                }
                _ => {
                    let v = value.items().pop().unwrap_or_default();
                    a.default_value(leak(v))
                }
            }
        });
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, |sc| apply(sc, values));
    }
    cmd
}

/// `cmd` with the configuration file and the environment applied as
/// defaults, and the warnings to log once logging is set up.
pub fn configure(cmd: Command, args: &[OsString]) -> Result<(Command, Vec<String>)> {
    let mut warnings = Vec::new();
    let mut flags = std::collections::BTreeSet::new();
    long_flags(&cmd, &mut flags);
    flags.remove("help");
    flags.remove("version");
    flags.remove("config");
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    if let Some(path) = config_file(args)? {
        for (key, value) in read_file(&path)? {
            let flag = flag_of(&key);
            if flags.contains(&flag) {
                values.insert(flag, value);
            } else {
                warnings.push(format!(
                    "config file {}: unknown key `{key}` (ignored)",
                    path.display()
                ));
            }
        }
    }
    for flag in &flags {
        for var in env_names(flag) {
            // An empty variable is unset, as syft's configuration library
            // (viper) treats it: CI templates define every variable, most
            // of them empty.
            if let Some(v) = std::env::var_os(&var).filter(|v| !v.is_empty()) {
                let Some(v) = v.to_str() else {
                    bail!("environment variable {var}: not valid UTF-8");
                };
                let items: Vec<String> = v
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                let value = if items.len() == 1 {
                    Value::One(items.into_iter().next().unwrap_or_default())
                } else {
                    Value::Many(items)
                };
                values.insert(flag.clone(), value);
            }
        }
    }
    Ok((apply(cmd, &values), warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_keys_and_syft_aliases_name_flags() {
        assert_eq!(flag_of("registry.timeout"), "registry-timeout");
        assert_eq!(flag_of("source.base-path"), "base-path");
        assert_eq!(flag_of("default-catalogers"), "override-default-catalogers");
        assert_eq!(flag_of("exclude"), "exclude");
        assert_eq!(
            env_names("base-path"),
            vec!["SBOMCTL_BASE_PATH", "SBOMCTL_SOURCE_BASE_PATH"]
        );
        assert_eq!(
            env_names("registry-timeout"),
            vec!["SBOMCTL_REGISTRY_TIMEOUT"]
        );
    }

    #[test]
    fn config_flag_forms() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.yaml");
        std::fs::write(&f, "scope: all-layers\n").unwrap();
        let fs = f.to_str().unwrap();
        for form in [
            args(&["sbomctl", "-c", fs, "scan", "x"]),
            args(&["sbomctl", "scan", "--config", fs, "x"]),
            args(&["sbomctl", &format!("--config={fs}"), "scan"]),
            args(&["sbomctl", &format!("-c{fs}")]),
        ] {
            assert_eq!(config_file(&form).unwrap(), Some(f.clone()), "{form:?}");
        }
        let err = config_file(&args(&["sbomctl", "-c", "/nonexistent/x.yaml"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "config file /nonexistent/x.yaml: no such file"
        );
    }
}
