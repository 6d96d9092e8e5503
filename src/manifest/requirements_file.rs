//! Reading a requirements file the way pip does: byte-order marks, `\` continuations,
//! `#` comments (at the start of a line or after whitespace), blank lines.

use std::path::Path;

use super::error::{ManifestError, Result};
use crate::input::{read_bytes, InputKind, InputProblem};

const WHAT: &str = "requirements file";

/// The logical lines of a requirements file, each with the number of its first line.
pub fn read_requirements_file(path: &str) -> Result<Vec<(usize, String)>> {
    let bytes = read_file(InputKind::Requirements, path)?;
    let text = decode(WHAT, path, &bytes)?;
    Ok(logical_lines(&text))
}

/// Reads a file (bounded, never blocking: see [`crate::input`]), with errors that name it.
pub(crate) fn read_file(kind: InputKind, path: &str) -> Result<Vec<u8>> {
    let what = kind.noun();
    read_bytes(Path::new(path), kind).map_err(|e| match e.problem {
        InputProblem::NotFound { .. } => ManifestError::NotFound {
            what,
            path: path.to_string(),
        },
        problem => ManifestError::Unreadable {
            what,
            path: path.to_string(),
            reason: problem.to_string(),
        },
    })
}

/// The largest requirements or conda file read, and the largest manifest JSON loaded: a
/// real one is a few kilobytes, one listing thousands of pins well under a megabyte.
pub const MAX_FILE_BYTES: usize = 16 << 20;

/// `16 MiB (16777216 bytes)`.
pub(crate) fn limit_text(bytes: usize) -> String {
    format!("{} MiB ({bytes} bytes)", bytes >> 20)
}

/// Text from bytes: a UTF-8/16/32 byte-order mark picks the encoding, else UTF-8.
pub(crate) fn decode(what: &'static str, path: &str, bytes: &[u8]) -> Result<String> {
    let undecodable = |offset: usize| ManifestError::Undecodable {
        what,
        path: path.to_string(),
        offset,
        line: bytes[..offset.min(bytes.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1,
    };
    let utf32 = |body: &[u8], le: bool| -> Result<String> {
        body.chunks(4)
            .enumerate()
            .map(|(i, c)| {
                let word: [u8; 4] = c.try_into().map_err(|_| undecodable(4 + i * 4))?;
                let n = if le {
                    u32::from_le_bytes(word)
                } else {
                    u32::from_be_bytes(word)
                };
                char::from_u32(n).ok_or_else(|| undecodable(4 + i * 4))
            })
            .collect()
    };
    let utf16 = |body: &[u8], le: bool| -> Result<String> {
        if body.len() % 2 != 0 {
            return Err(undecodable(bytes.len() - 1));
        }
        let units: Vec<u16> = body
            .chunks(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| undecodable(2))
    };
    // UTF-32 marks first: the UTF-32 LE mark starts with the UTF-16 LE one.
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE, 0x00, 0x00]) {
        return utf32(body, true);
    }
    if let Some(body) = bytes.strip_prefix(&[0x00, 0x00, 0xFE, 0xFF]) {
        return utf32(body, false);
    }
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(body, true);
    }
    if let Some(body) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(body, false);
    }
    let (body, skip) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(body) => (body, 3),
        None => (bytes, 0),
    };
    std::str::from_utf8(body)
        .map(str::to_string)
        .map_err(|e| undecodable(skip + e.valid_up_to()))
}

/// A line that is a comment from its start (pip does not continue those).
fn is_comment_line(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Removes a comment: `#` at the start or after whitespace, to the end of the line.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// Joins continuations, drops comments and blank lines.
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    for (index, line) in normalized.split('\n').enumerate() {
        let number = index + 1;
        if line.ends_with('\\') && !is_comment_line(line) {
            let part = line.trim_end_matches('\\');
            match &mut pending {
                Some((_, acc)) => acc.push_str(part),
                None => pending = Some((number, part.to_string())),
            }
            continue;
        }
        let (first, joined) = match pending.take() {
            Some((first, mut acc)) => {
                // A comment line ends a continuation as if it were blank.
                if !is_comment_line(line) {
                    acc.push_str(line);
                }
                (first, acc)
            }
            None => (number, line.to_string()),
        };
        let content = strip_comment(&joined).trim();
        if !content.is_empty() {
            out.push((first, content.to_string()));
        }
    }
    if let Some((first, acc)) = pending {
        let content = strip_comment(&acc).trim();
        if !content.is_empty() {
            out.push((first, content.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_line_rules() {
        let text = "# header\n\nnumpy==1.26.4  # pinned\nrequests \\\n  >=2.31\npkg @ https://h/x.whl#sha256=ab\n  \n# trailing \\\nattrs==23.2.0\r\n";
        let lines = logical_lines(text);
        assert_eq!(
            lines,
            vec![
                (3, "numpy==1.26.4".to_string()),
                (4, "requests   >=2.31".to_string()),
                (6, "pkg @ https://h/x.whl#sha256=ab".to_string()),
                (9, "attrs==23.2.0".to_string()),
            ]
        );
    }

    #[test]
    fn byte_order_marks() {
        assert_eq!(decode(WHAT, "r", b"\xEF\xBB\xBFnumpy").unwrap(), "numpy");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("ab".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(WHAT, "r", &utf16).unwrap(), "ab");
        let err = decode(WHAT, "r.txt", b"numpy\nx\xFFy").unwrap_err();
        assert_eq!(
            err.to_string(),
            "requirements file 'r.txt' is not valid text at byte 7 (line 2); save it as UTF-8"
        );
    }

    #[test]
    fn files_over_the_limit_are_refused_without_reading_them_whole() {
        let over = "numpy==1.26.4\n".repeat(MAX_FILE_BYTES / 14 + 1);
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, over.as_bytes()).unwrap();
        let path = f.path().to_str().unwrap();
        let msg = read_requirements_file(path).unwrap_err().to_string();
        assert!(msg.ends_with("over the limit of 16 MB"), "{msg}");
        // /dev/zero claims no size and never ends: it is refused without being read.
        #[cfg(unix)]
        assert!(read_requirements_file("/dev/zero")
            .unwrap_err()
            .to_string()
            .starts_with("requirements file '/dev/zero' could not be read"));
        let json = format!("{{\"pad\": \"{}\"}}", " ".repeat(MAX_FILE_BYTES));
        let msg = crate::manifest::Manifest::from_json(&json)
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with(
                "manifest JSON is refused: it is 16777227 bytes long, over the limit of 16 MiB"
            ),
            "{msg}"
        );
    }

    /// One pin repeated: the check is one pass per name (it compared every pair).
    #[test]
    fn a_pin_repeated_many_times_is_one_pin() {
        let spec = serde_json::json!({
            "schema": crate::manifest::MANIFEST_SCHEMA,
            "name": "m",
            "pip": vec!["numpy==1.26.4"; 50_000],
        });
        let spec = serde_json::from_value(spec).unwrap();
        let (_, unpinned) = crate::manifest::build(spec, false).unwrap();
        assert!(unpinned.is_empty());
    }

    #[test]
    fn missing_file() {
        let err = read_requirements_file("/nonexistent/req.txt").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("requirements file '/nonexistent/req.txt' does not exist"));
    }
}
