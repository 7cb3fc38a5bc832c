//! CPE 2.3 formatted strings, generated the way syft does: candidate vendors
//! and products from the package's name and metadata.

/// Escapes a CPE 2.3 formatted-string component.
fn escape(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    for c in component.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' | '.' => out.push(c.to_ascii_lowercase()),
            ' ' => out.push('_'),
            _ => {
                out.push('\\');
                out.push(c);
            }
        }
    }
    out
}

/// A CPE 2.3 string for an application.
pub fn application(vendor: &str, product: &str, version: &str) -> String {
    format!(
        "cpe:2.3:a:{}:{}:{}:*:*:*:*:*:*:*",
        escape(vendor),
        escape(product),
        escape(version)
    )
}

/// CPEs for every (vendor, product) candidate pair, deduplicated, in order.
pub fn candidates(vendors: &[&str], products: &[&str], version: &str) -> Vec<String> {
    let mut out = Vec::new();
    for v in vendors.iter().filter(|v| !v.is_empty()) {
        for p in products.iter().filter(|p| !p.is_empty()) {
            let cpe = application(v, p, version);
            if !out.contains(&cpe) {
                out.push(cpe);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(
            application("python", "zope.interface", "5.4.0+x"),
            "cpe:2.3:a:python:zope.interface:5.4.0\\+x:*:*:*:*:*:*:*"
        );
    }

    #[test]
    fn candidates_dedupe() {
        let c = candidates(&["musl", "musl"], &["musl"], "1.2");
        assert_eq!(c, vec!["cpe:2.3:a:musl:musl:1.2:*:*:*:*:*:*:*"]);
    }
}
