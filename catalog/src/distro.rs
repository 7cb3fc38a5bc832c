//! The Linux distribution, from os-release or the distro's release file.

use crate::cataloger::FileTree;
use crate::model::Distro;

/// Files read to find the distro, in order of preference.
pub const FILES: [&str; 4] = [
    "etc/os-release",
    "usr/lib/os-release",
    "etc/debian_version",
    "etc/alpine-release",
];

/// Finds the distro: `/etc/os-release`, `/usr/lib/os-release`, then
/// `/etc/debian_version`, `/etc/alpine-release`.
pub fn detect(tree: &FileTree) -> Option<Distro> {
    for p in ["etc/os-release", "usr/lib/os-release"] {
        if let Some(d) = tree.get(p).and_then(|f| parse_os_release(&f.text())) {
            return Some(d);
        }
    }
    if let Some(f) = tree.get("etc/debian_version") {
        let v = f.text().trim().to_owned();
        let major = v.split('.').next().unwrap_or_default();
        return Some(Distro {
            id: "debian".to_owned(),
            version_id: (!major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()))
                .then(|| major.to_owned()),
            ..Distro::default()
        });
    }
    if let Some(f) = tree.get("etc/alpine-release") {
        let v = f.text().trim().to_owned();
        return Some(Distro {
            id: "alpine".to_owned(),
            version_id: (!v.is_empty()).then_some(v),
            ..Distro::default()
        });
    }
    None
}

/// Parses os-release (`KEY=value`, values optionally quoted). `None`
/// without an `ID`.
pub fn parse_os_release(text: &str) -> Option<Distro> {
    let mut d = Distro::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = unquote(v.trim());
        match k.trim() {
            "ID" => d.id = v,
            "VERSION_ID" => d.version_id = Some(v).filter(|s| !s.is_empty()),
            "VERSION_CODENAME" => d.version_codename = Some(v).filter(|s| !s.is_empty()),
            "PRETTY_NAME" => d.pretty_name = Some(v).filter(|s| !s.is_empty()),
            "ID_LIKE" => d.id_like = v.split_whitespace().map(str::to_owned).collect(),
            _ => {}
        }
    }
    (!d.id.is_empty()).then_some(d)
}

fn unquote(v: &str) -> String {
    let inner = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v);
    inner.replace("\\\"", "\"").replace("\\\\", "\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_debian_os_release() {
        let d = parse_os_release(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n",
        )
        .unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(d.purl_qualifier(), "debian-12");
        assert_eq!(
            d.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
    }

    #[test]
    fn falls_back_to_debian_version() {
        let mut t = FileTree::new();
        t.insert(crate::cataloger::File {
            path: "etc/debian_version".into(),
            data: b"12.5\n"[..].into(),
            layer: None,
            truncated: false,
        });
        let d = detect(&t).unwrap();
        assert_eq!(d.purl_qualifier(), "debian-12");
    }
}
