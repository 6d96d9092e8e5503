//! Calls into code that may panic on malformed input (pep508_rs 0.9 panics on a name
//! ending in `.` followed by more text): the panic is caught and returned as an error, so
//! one bad line in one distribution never takes a whole comparison down.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

/// How many [`catching`] calls are running, on any thread: their panics are errors, not
/// crashes. Process-wide, because work inside one may run on threads of its own
/// ([`crate::parallel`]) whose panics are raised again in the caller.
static CATCHING: AtomicUsize = AtomicUsize::new(0);

/// A panic caught by [`catching`], with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked(pub String);

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "internal error ({})", self.0)
    }
}

impl std::error::Error for Panicked {}

/// `f()`, or the panic it raised. Panics while one runs are not printed to stderr: the
/// message is the error's, and the caller names the input.
pub fn catching<T>(f: impl FnOnce() -> T) -> Result<T, Panicked> {
    quiet_hook();
    CATCHING.fetch_add(1, Ordering::SeqCst);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.fetch_sub(1, Ordering::SeqCst);
    result.map_err(|payload| Panicked(message(payload.as_ref())))
}

/// `parse()`, with a panic turned into the parser's error type by `on_panic`: the one way
/// genevars calls a parser that might panic.
pub fn parse<T, E>(
    parse: impl FnOnce() -> Result<T, E>,
    on_panic: impl FnOnce(Panicked) -> E,
) -> Result<T, E> {
    catching(parse).unwrap_or_else(|panicked| Err(on_panic(panicked)))
}

/// The panic's message, when it has one.
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    // One line: it ends up in a finding or an exception message.
    text.lines().next().unwrap_or_default().to_string()
}

/// Keeps the default hook from printing panics that [`catching`] catches; every other
/// panic is printed as before.
fn quiet_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.load(Ordering::SeqCst) == 0 {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        assert_eq!(catching(|| 7), Ok(7));
        let err = catching(|| -> u8 { panic!("bad {}", "name") }).unwrap_err();
        assert_eq!(err, Panicked("bad name".into()));
        assert_eq!(err.to_string(), "internal error (bad name)");
        let parsed: Result<u8, String> = parse(|| panic!("boom"), |p| format!("caught {p}"));
        assert_eq!(parsed, Err("caught internal error (boom)".into()));
        // Nested calls are caught by the innermost.
        assert!(catching(|| catching(|| panic!("inner")).is_err()).is_ok());
    }
}
