//! Untrusted text in messages. Names, values and raw header bytes taken
//! from an image or a document end up in errors, diagnostics and warnings;
//! printed as they are, a hostile input could move the cursor, clear the
//! screen, forge `Verified OK` lines with embedded newlines or flood a CI
//! log with megabytes. Everything that echoes input goes through [`quote`]
//! (one value) or [`line()`] (a whole message, at the point it is printed).
//!
//! ```
//! use sbomctl_oci::quote;
//! assert_eq!(quote::quote("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
//! assert!(quote::quote(&"x".repeat(10_000)).len() < 300);
//! ```

use std::fmt::Write as _;

/// Most characters of one quoted value that are kept ([`quote`]).
pub const MAX_QUOTED_CHARS: usize = 200;

/// Most characters of one printed message line that are kept ([`line()`]).
pub const MAX_LINE_CHARS: usize = 2000;

/// True for characters that must not reach a terminal or log as they are:
/// C0/C1 controls (newlines, ESC, NUL, the 8-bit CSI), line and paragraph
/// separators, and bidirectional overrides that reorder what is shown.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

/// Escapes every unsafe character of `s`, without cutting it. Backslashes
/// stay as they are, so that a message escaped where a value is quoted and
/// again where it is printed reads the same.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out
}

/// `s` escaped and cut after [`MAX_QUOTED_CHARS`] characters; a cut value
/// ends with `…` and the number of bytes left out.
pub fn quote(s: &str) -> String {
    quote_max(s, MAX_QUOTED_CHARS)
}

/// [`quote`] with another limit.
pub fn quote_max(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars + 16));
    let mut taken_bytes = 0;
    for (n, c) in s.chars().enumerate() {
        if n == max_chars {
            let _ = write!(out, "… ({} more bytes)", s.len() - taken_bytes);
            return out;
        }
        push_escaped(&mut out, c);
        taken_bytes += c.len_utf8();
    }
    out
}

/// A whole message made printable as one line: every unsafe character
/// escaped and, past [`MAX_LINE_CHARS`], its middle left out so that both
/// the start (what failed) and the end (the root cause) stay readable.
pub fn line(s: &str) -> String {
    let escaped = escape(s);
    let count = escaped.chars().count();
    if count <= MAX_LINE_CHARS {
        return escaped;
    }
    let keep = MAX_LINE_CHARS / 2;
    let head_end = escaped
        .char_indices()
        .nth(keep)
        .map_or(escaped.len(), |(i, _)| i);
    let tail_start = escaped
        .char_indices()
        .nth(count - keep)
        .map_or(escaped.len(), |(i, _)| i);
    let (head, rest) = escaped.split_at(head_end);
    let tail = rest.get(tail_start - head_end..).unwrap_or_default();
    format!("{head}…({} bytes left out)…{tail}", tail_start - head_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_escaped() {
        assert_eq!(
            quote("a\0b\x1b[31mc\r\nd\u{9b}e\u{202e}f\\"),
            "a\\u{0}b\\u{1b}[31mc\\r\\nd\\u{9b}e\\u{202e}f\\"
        );
        assert_eq!(
            line(&quote("a\x1b")),
            "a\\u{1b}",
            "escaping twice changes nothing"
        );
        assert_eq!(quote("Verified OK\tünïcode"), "Verified OK\\tünïcode");
    }

    #[test]
    fn long_values_are_cut_with_the_count_left_out() {
        let q = quote(&"é".repeat(1000));
        assert!(q.starts_with(&"é".repeat(MAX_QUOTED_CHARS)), "{q}");
        assert!(q.ends_with("… (1600 more bytes)"), "{q}");
        assert_eq!(quote_max("abcdef", 6), "abcdef");
        assert_eq!(quote_max("abcdefg", 6), "abcdef… (1 more bytes)");
    }

    #[test]
    fn long_lines_keep_start_and_end() {
        let msg = format!("scanning x: {}: digest mismatch", "v".repeat(8 << 20));
        let l = line(&msg);
        assert!(l.chars().count() < MAX_LINE_CHARS + 50, "{}", l.len());
        assert!(l.starts_with("scanning x: vvv"));
        assert!(l.ends_with("vvv: digest mismatch"));
        assert!(l.contains("bytes left out"));
        assert_eq!(line("short\nline"), "short\\nline");
    }
}
