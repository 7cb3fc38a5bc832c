//! Archive member names as paths inside an image.

/// Normalises a tar member name: drops empty and `.` segments, applies
/// `..` without climbing above the root. `None` for the root itself.
pub fn normalize(name: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in name.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}
