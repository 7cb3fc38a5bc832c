//! `*.deps.json`, the dependency manifest the .NET SDK writes beside an
//! application or library: `runtimeTarget.name` names the target (a
//! framework, `/` and a runtime identifier) whose entries the host loads;
//! `targets[NAME]` maps each `Name/Version` to its `dependencies`;
//! `libraries[Name/Version]` says what it is (`package` from NuGet,
//! `project` built with the app, `referenceassembly`, …) and, for
//! packages, the `sha512` of the `.nupkg`.
//!
//! Format: <https://github.com/dotnet/sdk/blob/main/documentation/specs/runtime-configuration-file.md>.
//! Read with serde into typed fields: unknown fields are skipped without
//! being kept, and serde_json's recursion limit bounds nesting.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Deps {
    #[serde(default)]
    runtime_target: Option<RuntimeTarget>,
    #[serde(default)]
    targets: BTreeMap<String, BTreeMap<String, TargetEntry>>,
    #[serde(default)]
    libraries: BTreeMap<String, Library>,
}

#[derive(Deserialize)]
struct RuntimeTarget {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TargetEntry {
    dependencies: BTreeMap<String, IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Library {
    #[serde(rename = "type")]
    kind: Option<String>,
    sha512: Option<String>,
    path: Option<String>,
    hash_path: Option<String>,
}

/// One library of the runtime target.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct DepsLibrary {
    pub name: String,
    pub version: String,
    /// `package` or `project`.
    pub kind: String,
    /// `sha512-BASE64`, as written.
    pub sha512: Option<String>,
    pub path: Option<String>,
    pub hash_path: Option<String>,
    /// Names of the entries it depends on.
    pub dependencies: Vec<String>,
}

/// Parses a deps.json: the runtime target's libraries of type `package`
/// or `project`, in name order. The runtime target is `runtimeTarget.name`,
/// or the only target when that is missing.
pub(super) fn parse(text: &str) -> Result<(String, Vec<DepsLibrary>), String> {
    let deps: Deps = serde_json::from_str(text).map_err(|e| format!("invalid deps.json: {e}"))?;
    let named = deps.runtime_target.and_then(|t| t.name);
    let target = match named {
        Some(name) if deps.targets.contains_key(&name) => name,
        _ if deps.targets.len() == 1 => deps.targets.keys().next().cloned().unwrap_or_default(),
        Some(name) => {
            return Err(format!(
                "deps.json has no target `{name}`, its runtime target"
            ))
        }
        None => return Err("deps.json names no runtime target".to_owned()),
    };
    let mut out = Vec::new();
    let Some(entries) = deps.targets.get(&target) else {
        return Ok((target, out));
    };
    for (key, entry) in entries {
        let Some(lib) = deps.libraries.get(key) else {
            continue;
        };
        let kind = lib.kind.as_deref().unwrap_or("");
        if kind != "package" && kind != "project" {
            continue;
        }
        let Some((name, version)) = key.split_once('/') else {
            continue;
        };
        if name.is_empty() || version.is_empty() {
            continue;
        }
        out.push(DepsLibrary {
            name: name.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
            sha512: lib.sha512.clone().filter(|s| !s.is_empty()),
            path: lib.path.clone(),
            hash_path: lib.hash_path.clone(),
            dependencies: entry.dependencies.keys().cloned().collect(),
        });
    }
    Ok((target, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPS: &str = r#"{
      "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0/linux-x64"},
      "targets": {
        ".NETCoreApp,Version=v8.0": {"Other/1.0.0": {}},
        ".NETCoreApp,Version=v8.0/linux-x64": {
          "App/1.0.0": {"dependencies": {"Newtonsoft.Json": "13.0.3", "Ref": "8.0.0"}},
          "Newtonsoft.Json/13.0.3": {"runtime": {"lib/net6.0/Newtonsoft.Json.dll": {}}},
          "Ref/8.0.0": {},
          "Missing/1.0.0": {}
        }
      },
      "libraries": {
        "App/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
        "Newtonsoft.Json/13.0.3": {"type": "package", "sha512": "sha512-HrC5", "path": "newtonsoft.json/13.0.3", "hashPath": "newtonsoft.json.13.0.3.nupkg.sha512"},
        "Ref/8.0.0": {"type": "referenceassembly"},
        "Other/1.0.0": {"type": "package"}
      }
    }"#;

    #[test]
    fn reads_the_runtime_targets_packages_and_projects() {
        let (target, libs) = parse(DEPS).unwrap();
        assert_eq!(target, ".NETCoreApp,Version=v8.0/linux-x64");
        let ids: Vec<String> = libs
            .iter()
            .map(|l| format!("{}@{} {}", l.name, l.version, l.kind))
            .collect();
        assert_eq!(ids, ["App@1.0.0 project", "Newtonsoft.Json@13.0.3 package"]);
        assert_eq!(libs[0].dependencies, ["Newtonsoft.Json", "Ref"]);
        assert_eq!(libs[0].sha512, None);
        assert_eq!(libs[1].sha512.as_deref(), Some("sha512-HrC5"));
        assert_eq!(
            libs[1].hash_path.as_deref(),
            Some("newtonsoft.json.13.0.3.nupkg.sha512")
        );
    }

    #[test]
    fn a_missing_runtime_target_falls_back_to_the_only_target() {
        let text = r#"{"targets": {"t": {"A/1": {}}}, "libraries": {"A/1": {"type": "package"}}}"#;
        let (target, libs) = parse(text).unwrap();
        assert_eq!(target, "t");
        assert_eq!(libs.len(), 1);
        let text = r#"{"runtimeTarget": {"name": "x"}, "targets": {"t": {}, "u": {}}}"#;
        assert!(parse(text).unwrap_err().contains("no target `x`"));
        assert!(parse(r#"{"targets": {"t": {}, "u": {}}}"#).is_err());
    }

    #[test]
    fn other_json_is_an_error() {
        assert!(parse("bogus deps").is_err());
        assert!(parse("[]").is_err());
        assert!(parse(r#"{"targets": []}"#).is_err());
        let deep = format!(
            r#"{{"targets": {{"t": {{"A/1": {{"dependencies": {{"x": {}{}}}}}}}}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        // Nesting in skipped values is walked without recursion.
        assert!(parse(&deep).is_ok());
    }
}
