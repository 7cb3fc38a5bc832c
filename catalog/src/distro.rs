//! The Linux distribution, from os-release or the distro's release file.

use crate::cataloger::FileTree;
use crate::model::Distro;

/// Files read to find the distro, in order of preference.
pub const FILES: [&str; 7] = [
    "etc/os-release",
    "usr/lib/os-release",
    "etc/debian_version",
    "etc/alpine-release",
    "etc/redhat-release",
    "etc/centos-release",
    "etc/system-release",
];

/// Red Hat-style release files (`CentOS release 6.10 (Final)`), read when
/// there is no os-release (CentOS/RHEL 6, Amazon Linux AMI): the distro
/// name's start gives the os-release `ID` the distro uses today.
const RELEASE_NAMES: &[(&str, &str)] = &[
    ("Red Hat Enterprise Linux", "rhel"),
    ("CentOS Stream", "centos"),
    ("CentOS", "centos"),
    ("Rocky Linux", "rocky"),
    ("AlmaLinux", "almalinux"),
    ("Fedora", "fedora"),
    ("Amazon Linux", "amzn"),
    ("Oracle Linux", "ol"),
    ("Scientific Linux", "scientific"),
];

/// Finds the distro: `/etc/os-release`, `/usr/lib/os-release`, then
/// `/etc/debian_version`, `/etc/alpine-release`, then the Red Hat-style
/// `/etc/redhat-release`, `/etc/centos-release`, `/etc/system-release`.
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
    for p in [
        "etc/redhat-release",
        "etc/centos-release",
        "etc/system-release",
    ] {
        if let Some(d) = tree.get(p).and_then(|f| parse_release_file(&f.text())) {
            return Some(d);
        }
    }
    None
}

/// Parses a Red Hat-style release line, `<Name> release <version> (<code>)`.
/// `None` for a distro whose name is not known.
pub fn parse_release_file(text: &str) -> Option<Distro> {
    let line = text.lines().next()?.trim();
    let (_, id) = RELEASE_NAMES
        .iter()
        .find(|(name, _)| line.starts_with(name))?;
    let version = line
        .split_once(" release ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .filter(|v| v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'))
        .map(str::to_owned);
    Some(Distro {
        id: (*id).to_owned(),
        version_id: version,
        pretty_name: Some(line.to_owned()).filter(|l| l.len() <= 256),
        ..Distro::default()
    })
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

    /// os-release of each rpm distro's current images, as they ship it
    /// (ID and VERSION_ID lines): the PURL namespace and qualifier.
    #[test]
    fn rpm_distros_os_release() {
        for (text, qualifier) in [
            ("NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\n", "rhel-9.4"),
            ("NAME=\"CentOS Stream\"\nID=\"centos\"\nVERSION_ID=\"9\"\n", "centos-9"),
            ("NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\n", "rocky-9.3"),
            ("NAME=\"AlmaLinux\"\nID=\"almalinux\"\nVERSION_ID=\"9.4\"\n", "almalinux-9.4"),
            ("NAME=\"Fedora Linux\"\nID=fedora\nVERSION_ID=40\n", "fedora-40"),
            ("NAME=\"Amazon Linux\"\nID=\"amzn\"\nVERSION_ID=\"2023\"\n", "amzn-2023"),
            ("NAME=\"Oracle Linux Server\"\nID=\"ol\"\nVERSION_ID=\"9.3\"\n", "ol-9.3"),
            ("NAME=\"SLES\"\nID=\"sles\"\nVERSION_ID=\"15.5\"\n", "sles-15.5"),
            ("NAME=\"openSUSE Leap\"\nID=\"opensuse-leap\"\nVERSION_ID=\"15.5\"\n", "opensuse-leap-15.5"),
            ("NAME=\"Microsoft Azure Linux\"\nID=azurelinux\nVERSION_ID=\"3.0\"\n", "azurelinux-3.0"),
            ("NAME=\"Common Base Linux Mariner\"\nID=mariner\nVERSION_ID=\"2.0\"\n", "mariner-2.0"),
        ] {
            let d = parse_os_release(text).unwrap();
            assert_eq!(d.purl_qualifier(), qualifier);
        }
    }

    #[test]
    fn falls_back_to_red_hat_release_files() {
        for (text, qualifier) in [
            ("CentOS release 6.10 (Final)\n", "centos-6.10"),
            (
                "Red Hat Enterprise Linux Server release 6.10 (Santiago)\n",
                "rhel-6.10",
            ),
            ("Amazon Linux AMI release 2018.03\n", "amzn-2018.03"),
            ("Oracle Linux Server release 6.10\n", "ol-6.10"),
            ("Fedora release 20 (Heisenbug)\n", "fedora-20"),
        ] {
            assert_eq!(
                parse_release_file(text).unwrap().purl_qualifier(),
                qualifier
            );
        }
        assert_eq!(parse_release_file("Some Linux release 1\n"), None);
        let mut t = FileTree::new();
        t.insert(crate::cataloger::File {
            path: "etc/redhat-release".into(),
            data: b"CentOS release 6.10 (Final)\n"[..].into(),
            layer: None,
            truncated: false,
        });
        t.insert_symlink("etc/system-release", "redhat-release");
        assert_eq!(detect(&t).unwrap().purl_qualifier(), "centos-6.10");
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
