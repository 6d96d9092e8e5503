//! serde_json's messages made fit for errors about snapshots, which may hold secrets.

/// A serde_json message fit for a snapshot error: the " at line L column C" it appends is
/// dropped (we report those fields ourselves), and so is any input it quotes
/// (`invalid type: string "hunter2", expected u32` becomes `invalid type: string,
/// expected u32`), since a snapshot may hold secrets. Control characters are escaped to
/// keep the error on one line.
pub(crate) fn without_input(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    let message = unquoted(message);
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Drops the quoted input from serde's messages that carry one: `invalid type: KIND VALUE,
/// expected ...`, `invalid value: ...`, `unknown variant `VALUE`, expected ...` and
/// `unknown field ...`. The expectation comes from our types, so the last ", expected "
/// separates it from the input, whatever the input holds.
pub(super) fn unquoted(message: &str) -> std::borrow::Cow<'_, str> {
    const QUOTING: [&str; 4] = [
        "invalid type: ",
        "invalid value: ",
        "unknown variant",
        "unknown field",
    ];
    let Some(prefix) = QUOTING.iter().find(|p| message.starts_with(*p)) else {
        return message.into();
    };
    let Some(sep) = message.rfind(", expected ") else {
        return format!("{}(value not shown)", prefix).into();
    };
    let input = &message[prefix.len()..sep];
    // `string "x"`, `integer `1``: keep the kind, drop the quoted value.
    let kind = input
        .find(['"', '`'])
        .map_or(input, |q| &input[..q])
        .trim_end();
    let prefix = prefix.trim_end();
    let joined = if kind.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix} {kind}")
    };
    format!("{}{}", joined, &message[sep..]).into()
}
