//! Characters read from a node, a snapshot or package metadata that a terminal or a
//! browser would act on rather than show: C0 and C1 controls (ESC sequences, `\r`, a
//! newline inside a value), DEL, line and paragraph separators, and the Unicode bidi
//! controls that reorder what is displayed (U+202E). Every report writes them as a
//! visible escape (`\x1b`, `\n`, `\u202e`), so no value can clear the screen or forge a
//! report line. A backslash is left as it is: Windows paths stay readable, and an escape
//! cannot turn back into the character it stands for.

use std::borrow::Cow;
use std::fmt::Write;

/// True for a character a report must not write as it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Appends the visible escape of `c` (`\n`, `\x1b`, `\u202e`), Python's spelling.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) <= 0xff => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
    }
}

/// `text` with every unsafe character escaped; borrowed when there is none (the
/// common case costs one scan).
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    let Some(first) = text.find(is_unsafe) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_act_on() {
        assert_eq!(
            escape_controls("a\x1b[2Jb\rc\nd\te\u{7f}\u{9b}f\u{202e}g\u{2028}"),
            "a\\x1b[2Jb\\rc\\nd\\te\\x7f\\x9bf\\u202eg\\u2028"
        );
    }

    #[test]
    fn leaves_ordinary_text_borrowed() {
        let text = "numpy 1.26.4 — C:\\Python\\lib, ü, 数据";
        assert!(matches!(escape_controls(text), Cow::Borrowed(t) if t == text));
    }
}
