//! The core-metadata reader (METADATA, PKG-INFO).
//!
//! Core metadata is an RFC 822-style header block followed by a body (the long
//! description). Only the header block matters to us, so the reader stops at the first
//! blank line and never reads the body. Values stay bytes until a field is asked for, so a
//! Latin-1 `Author` in an old PKG-INFO costs nothing and breaks nothing.
//!
//! The rules mirror Python's `email.feedparser` (what `importlib.metadata` uses): a header
//! is `Name: value`; a line starting with a space or tab continues the previous header;
//! the block ends at the first empty line, or at the first line that is neither.
//! `python/genevars/_probe.py` implements the same rules for the stdlib scanner.

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{self, Read};

use thiserror::Error;

/// At most this much of a metadata file is read while looking for the end of its
/// header block; a longer header block is refused rather than read without end
/// (a METADATA symlinked to `/dev/zero` must not exhaust memory).
pub const HEADER_LIMIT: usize = 1 << 20;

/// Header blocks are rarely longer than this: one read, and little copied.
const CHUNK: usize = 4 * 1024;

/// Whitespace trimmed from values: the ASCII set Python's `bytes.strip()` removes.
const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |e| e + 1);
    &bytes[start..end]
}

/// One header of the block, as written. `line` is the 1-based line the header starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    pub name: &'a str,
    /// Everything after the colon, continuation lines included, untouched: most headers
    /// (classifiers, descriptions) are never asked for their value.
    raw: &'a [u8],
    pub line: usize,
}

impl<'a> Header<'a> {
    /// The value, trimmed, with continuation lines joined by a single space.
    pub fn value(&self) -> Cow<'a, [u8]> {
        let mut lines = self.raw.split(|&b| b == b'\n');
        let mut value = Cow::Borrowed(trim(lines.next().unwrap_or_default()));
        for more in lines.map(trim).filter(|more| !more.is_empty()) {
            let joined = value.to_mut();
            if !joined.is_empty() {
                joined.push(b' ');
            }
            joined.extend_from_slice(more);
        }
        value
    }
}

/// The headers of a metadata file's header block, in order (duplicates kept).
pub fn headers(text: &[u8]) -> Vec<Header<'_>> {
    Headers::new(text).collect()
}

/// The headers of a header block, one at a time, without collecting the ones a caller
/// does not want.
pub struct Headers<'a> {
    text: &'a [u8],
    /// Where the next line starts.
    pos: usize,
    /// How many lines come before `pos`.
    lines_before: usize,
    done: bool,
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn is_continuation(line: &[u8]) -> bool {
    matches!(line.first(), Some(b' ' | b'\t'))
}

impl<'a> Headers<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        let text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text);
        Headers {
            text,
            pos: 0,
            lines_before: 0,
            done: false,
        }
    }

    /// The line at `pos` without its `\n`, or `None` at the end of the text.
    fn peek_line(&self) -> Option<&'a [u8]> {
        let rest = self.text.get(self.pos..).filter(|rest| !rest.is_empty())?;
        Some(memchr::memchr(b'\n', rest).map_or(rest, |end| &rest[..end]))
    }

    fn advance(&mut self, line: &[u8]) {
        self.pos += line.len() + 1;
        self.lines_before += 1;
    }
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;

    fn next(&mut self) -> Option<Header<'a>> {
        while !self.done {
            let Some(raw) = self.peek_line() else { break };
            let (start, number) = (self.pos, self.lines_before + 1);
            self.advance(raw);
            let line = strip_cr(raw);
            if line.is_empty() {
                break;
            }
            if is_continuation(line) {
                continue; // One before any header is a defect and is skipped.
            }
            let Some(colon) = memchr::memchr(b':', line) else {
                break; // Not a header: the body starts here.
            };
            let name = &line[..colon];
            if name.is_empty() || !name.iter().all(|&b| (0x21..=0x7e).contains(&b)) {
                break;
            }
            let mut end = start + raw.len();
            while let Some(next) = self.peek_line() {
                if !is_continuation(strip_cr(next)) {
                    break;
                }
                end = self.pos + next.len();
                self.advance(next);
            }
            return Some(Header {
                // SAFETY: every byte of `name` is printable ASCII (checked above), so it is
                // UTF-8. Unchecked because this runs for every header of every file.
                name: unsafe { std::str::from_utf8_unchecked(name) },
                raw: &self.text[start + colon + 1..end],
                line: number,
            });
        }
        self.done = true;
        None
    }
}

/// The start of a metadata file: everything up to and including its first empty line
/// (or the whole file when it has none), read in chunks so the body is never read.
///
/// Fails with `InvalidData` when [`HEADER_LIMIT`] bytes hold no empty line.
pub fn read_header_block(mut source: impl Read) -> io::Result<Vec<u8>> {
    thread_local! {
        /// Reused from file to file: a fresh buffer would be zeroed before every read.
        static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buf| {
        let end = read_header_block_into(&mut source, buf)?;
        Ok(buf[..end].to_vec())
    })
}

/// Reads into `buf` (grown as needed, its old contents ignored) until the end of the header
/// block, and returns that end.
fn read_header_block_into(source: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<usize> {
    let (mut filled, mut searched) = (0, 0);
    loop {
        if buf.len() < filled + CHUNK {
            buf.resize(filled + CHUNK, 0);
        }
        let n = match source.read(&mut buf[filled..filled + CHUNK]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        filled += n;
        if n == 0 {
            return Ok(filled);
        }
        if let Some(end) = blank_line_end(&buf[..filled], searched) {
            return Ok(end);
        }
        // A blank line may straddle the chunk boundary: look back a little next time.
        searched = filled.saturating_sub(2);
        if filled >= HEADER_LIMIT {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                HeaderBlockTooLong,
            ));
        }
    }
}

/// The error carried by the `InvalidData` error of [`read_header_block`].
#[derive(Debug, Error)]
#[error("header block is longer than 1 MiB")]
pub struct HeaderBlockTooLong;

/// The end of the first empty line at or after `from` (an empty line is one at the very
/// start, or a `\n` followed by `\n` or `\r\n`).
fn blank_line_end(buf: &[u8], from: usize) -> Option<usize> {
    if from == 0 {
        if buf.starts_with(b"\n") {
            return Some(1);
        }
        if buf.starts_with(b"\r\n") {
            return Some(2);
        }
    }
    let rest = buf.get(from..)?;
    // The first of "\n\n" and "\n\r\n"; they cannot start at the same byte.
    let lf = memchr::memmem::find(rest, b"\n\n");
    let crlf = memchr::memmem::find(rest, b"\n\r\n");
    match (lf, crlf) {
        (Some(lf), Some(crlf)) if crlf < lf => Some(from + crlf + 3),
        (Some(lf), _) => Some(from + lf + 2),
        (None, crlf) => crlf.map(|crlf| from + crlf + 3),
    }
}

/// Why a header block is not usable core metadata. Messages complete a sentence that
/// starts with the file name: "METADATA has no Version field".
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MetadataError {
    #[error("has no {0} field")]
    MissingField(&'static str),
    #[error("has an empty {0} field")]
    EmptyField(&'static str),
    #[error("{field} field (line {line}) is not valid UTF-8")]
    NonUtf8 { field: &'static str, line: usize },
    #[error("Name {} is not a valid distribution name", json_quoted(.0))]
    InvalidName(String),
}

/// A string quoted and escaped as JSON: one line whatever it holds, and the same text
/// Python's `json.dumps(s, ensure_ascii=False)` gives the stdlib scanner.
fn json_quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// A field decoded with replacement characters because it was not valid UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LossyField {
    pub field: String,
    pub line: usize,
}

/// The core-metadata fields a snapshot keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreMetadata {
    /// The name as written (validated by PEP 508 rules).
    pub name: String,
    /// The PEP 503 normalized name.
    pub normalized_name: String,
    /// The version as written; not required to be PEP 440.
    pub version: String,
    pub requires_dist: Vec<String>,
    pub provides_extra: Vec<String>,
    pub requires_python: Option<String>,
    /// Kept fields that held invalid UTF-8, decoded with replacement characters.
    pub lossy: Vec<LossyField>,
}

/// Which fields a reader keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fields {
    /// Every field a snapshot records.
    #[default]
    All,
    /// Name and Version alone (the other fields stay empty): what a version map needs, so
    /// reading stops as soon as both are found.
    NameAndVersion,
}

impl CoreMetadata {
    /// Reads the fields of a header block. Name and Version are required; the first of
    /// a repeated single-valued field wins, as with `email.message.Message.get`.
    pub fn parse(text: &[u8]) -> Result<Self, MetadataError> {
        Self::parse_fields(text, Fields::All)
    }

    /// [`CoreMetadata::parse`], keeping only `fields`.
    pub fn parse_fields(text: &[u8], fields: Fields) -> Result<Self, MetadataError> {
        let (mut name, mut version, mut requires_python) = (None, None, None);
        let mut requires_dist = Vec::new();
        let mut provides_extra = Vec::new();
        let mut lossy = Vec::new();
        for header in Headers::new(text) {
            let field = header.name;
            if field.eq_ignore_ascii_case("Name") {
                name.get_or_insert(header);
            } else if field.eq_ignore_ascii_case("Version") {
                version.get_or_insert(header);
            } else if fields == Fields::NameAndVersion {
                continue;
            } else if field.eq_ignore_ascii_case("Requires-Dist") {
                requires_dist.push(decode(&header, &mut lossy));
            } else if field.eq_ignore_ascii_case("Provides-Extra") {
                provides_extra.push(decode(&header, &mut lossy));
            } else if field.eq_ignore_ascii_case("Requires-Python") && requires_python.is_none() {
                requires_python = Some(decode(&header, &mut lossy));
            }
            if fields == Fields::NameAndVersion && name.is_some() && version.is_some() {
                break;
            }
        }
        let name = required(name, "Name")?;
        let normalized_name = pep508_rs::PackageName::new(name.clone())
            .map_err(|_| MetadataError::InvalidName(name.clone()))?
            .to_string();
        let version = required(version, "Version")?;
        Ok(CoreMetadata {
            name,
            normalized_name,
            version,
            requires_dist,
            provides_extra,
            requires_python,
            lossy,
        })
    }
}

/// A kept field's text; invalid UTF-8 is replaced, and recorded in `lossy`.
fn decode(header: &Header<'_>, lossy: &mut Vec<LossyField>) -> String {
    let value = header.value();
    match std::str::from_utf8(&value) {
        Ok(text) => text.to_string(),
        Err(_) => {
            lossy.push(LossyField {
                field: header.name.to_string(),
                line: header.line,
            });
            String::from_utf8_lossy(&value).into_owned()
        }
    }
}

/// The first `field` header, trimmed, non-empty and valid UTF-8.
fn required(header: Option<Header<'_>>, field: &'static str) -> Result<String, MetadataError> {
    let header = header.ok_or(MetadataError::MissingField(field))?;
    let value = header.value();
    if value.is_empty() {
        return Err(MetadataError::EmptyField(field));
    }
    std::str::from_utf8(&value)
        .map(str::to_string)
        .map_err(|_| MetadataError::NonUtf8 {
            field,
            line: header.line,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(hs: &[Header<'_>], name: &str) -> Vec<Vec<u8>> {
        hs.iter()
            .filter(|h| h.name == name)
            .map(|h| h.value().into_owned())
            .collect()
    }

    #[test]
    fn reads_fields_and_stops_at_the_body() {
        let text = b"Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\n\
            Requires-Dist: a>=1\nRequires-Dist: b ; extra == 'x'\nProvides-Extra: x\n\
            Requires-Python: >=3.8\n\nName: Body\nRequires-Dist: not-a-header\n";
        let m = CoreMetadata::parse(text).unwrap();
        assert_eq!(m.name, "PyYAML");
        assert_eq!(m.normalized_name, "pyyaml");
        assert_eq!(m.version, "6.0.1");
        assert_eq!(m.requires_dist, ["a>=1", "b ; extra == 'x'"]);
        assert_eq!(m.provides_extra, ["x"]);
        assert_eq!(m.requires_python.as_deref(), Some(">=3.8"));
        assert!(m.lossy.is_empty());
    }

    #[test]
    fn continuation_lines_are_joined() {
        let hs =
            headers(b"Name: a\nRequires-Dist: foo;\n   extra == 'x'\n\tand more\nVersion: 1\n");
        assert_eq!(
            values(&hs, "Requires-Dist"),
            [b"foo; extra == 'x' and more".to_vec()]
        );
        assert_eq!(values(&hs, "Version"), [b"1".to_vec()]);
        assert_eq!(hs[2].line, 5);
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let m = CoreMetadata::parse(b"\xef\xbb\xbfName: x\r\nVersion: 2.0\r\n\r\nbody").unwrap();
        assert_eq!((m.name.as_str(), m.version.as_str()), ("x", "2.0"));
    }

    #[test]
    fn a_non_header_line_ends_the_block() {
        let hs = headers(b"Name: a\nthis is not a header\nVersion: 1\n");
        assert_eq!(hs.len(), 1);
        assert_eq!(
            CoreMetadata::parse(b"Name: a\nthis is not a header\nVersion: 1\n"),
            Err(MetadataError::MissingField("Version"))
        );
    }

    #[test]
    fn leading_continuation_is_ignored() {
        let hs = headers(b"  stray\nName: a\n");
        assert_eq!(hs.len(), 1);
        assert_eq!(hs[0].name, "Name");
    }

    #[test]
    fn first_of_a_repeated_field_wins() {
        let m = CoreMetadata::parse(b"Name: a\nVersion: 1.0\nVersion: 2.0\nname: b\n").unwrap();
        assert_eq!((m.name.as_str(), m.version.as_str()), ("a", "1.0"));
    }

    #[test]
    fn name_and_version_reading_stops_once_both_are_found() {
        // Everything after Version is never looked at, not even the defective header.
        let text = b"Name: a\nVersion: 1\nRequires-Dist: b\nNa me: x\n";
        let m = CoreMetadata::parse_fields(text, Fields::NameAndVersion).unwrap();
        assert_eq!((m.name.as_str(), m.version.as_str()), ("a", "1"));
        assert!(m.requires_dist.is_empty());
        assert_eq!(CoreMetadata::parse(text).unwrap().requires_dist, ["b"]);
        assert_eq!(
            CoreMetadata::parse_fields(b"Name: a\nRequires-Dist: b\n", Fields::NameAndVersion),
            Err(MetadataError::MissingField("Version"))
        );
    }

    #[test]
    fn header_names_are_case_insensitive() {
        let m = CoreMetadata::parse(b"NAME: a\nversion: 1\nrequires-dist: b\n").unwrap();
        assert_eq!(m.requires_dist, ["b"]);
    }

    #[test]
    fn malformed_metadata_is_refused_with_a_reason() {
        use MetadataError::*;
        let cases: &[(&[u8], MetadataError)] = &[
            (b"", MissingField("Name")),
            (b"\n\nName: a\nVersion: 1\n", MissingField("Name")),
            (b"Version: 1\n", MissingField("Name")),
            (b"Name: a\n", MissingField("Version")),
            (b"Name:\nVersion: 1\n", EmptyField("Name")),
            (b"Name: a\nVersion:   \n", EmptyField("Version")),
            (
                b"Name: caf\xe9\nVersion: 1\n",
                NonUtf8 {
                    field: "Name",
                    line: 1,
                },
            ),
            (
                b"Name: a\nVersion: 1.\xff\n",
                NonUtf8 {
                    field: "Version",
                    line: 2,
                },
            ),
            (
                b"Name: not a name\nVersion: 1\n",
                InvalidName("not a name".into()),
            ),
            (
                b"Name: -leading\nVersion: 1\n",
                InvalidName("-leading".into()),
            ),
            (
                b"Name: trailing_\nVersion: 1\n",
                InvalidName("trailing_".into()),
            ),
            (b"Name a\nVersion: 1\n", MissingField("Name")),
            (b"Na me: a\nVersion: 1\n", MissingField("Name")),
        ];
        for (text, expected) in cases {
            assert_eq!(
                CoreMetadata::parse(text).as_ref(),
                Err(expected),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn error_messages_read_as_sentences() {
        assert_eq!(
            MetadataError::MissingField("Version").to_string(),
            "has no Version field"
        );
        assert_eq!(
            MetadataError::NonUtf8 {
                field: "Name",
                line: 3
            }
            .to_string(),
            "Name field (line 3) is not valid UTF-8"
        );
        assert_eq!(
            MetadataError::InvalidName("a b".into()).to_string(),
            "Name \"a b\" is not a valid distribution name"
        );
        assert_eq!(
            MetadataError::InvalidName("a\u{1b}[31m\"\u{c}\u{3000}".into()).to_string(),
            "Name \"a\\u001b[31m\\\"\\f\u{3000}\" is not a valid distribution name"
        );
    }

    #[test]
    fn invalid_utf8_outside_name_and_version_is_decoded_lossily() {
        let m = CoreMetadata::parse(
            b"Name: a\nVersion: 1\nAuthor: Fran\xe7ois\nRequires-Dist: b\xff\n",
        )
        .unwrap();
        assert_eq!(m.requires_dist, ["b\u{fffd}"]);
        assert_eq!(
            m.lossy,
            [LossyField {
                field: "Requires-Dist".into(),
                line: 4
            }]
        );
    }

    #[test]
    fn legacy_versions_are_kept_as_written() {
        let m = CoreMetadata::parse(b"Name: pytz\nVersion:  2004d \n").unwrap();
        assert_eq!(m.version, "2004d");
    }

    #[test]
    fn header_block_reader_stops_at_the_blank_line() {
        let mut text = b"Name: a\nVersion: 1\n\n".to_vec();
        let body_start = text.len();
        text.extend(std::iter::repeat(b'x').take(100_000));
        let block = read_header_block(text.as_slice()).unwrap();
        assert_eq!(block.len(), body_start);
        // CRLF blank line straddling a chunk boundary.
        let mut text = vec![b'A'; CHUNK - 3];
        text.splice(0..3, b"X: ".iter().copied());
        text.extend_from_slice(b"\r\n\r\nbody");
        let block = read_header_block(text.as_slice()).unwrap();
        assert!(block.ends_with(b"\r\n\r\n"));
        // No blank line: the whole file.
        assert_eq!(
            read_header_block(b"Name: a".as_slice()).unwrap(),
            b"Name: a"
        );
        assert_eq!(read_header_block(b"\nName: a".as_slice()).unwrap(), b"\n");
    }

    #[test]
    fn endless_header_block_is_refused() {
        let endless = io::repeat(b'a');
        let err = read_header_block(endless).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(err.to_string(), "header block is longer than 1 MiB");
    }

    #[test]
    fn blank_line_detection() {
        assert_eq!(blank_line_end(b"a\n\nb", 0), Some(3));
        assert_eq!(blank_line_end(b"a\r\n\r\nb", 0), Some(5));
        assert_eq!(blank_line_end(b"a\nb\n", 0), None);
        assert_eq!(blank_line_end(b"a\n \nb", 0), None);
        assert_eq!(blank_line_end(b"\r\n", 0), Some(2));
    }
}
