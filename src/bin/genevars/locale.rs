//! What Python's start does to the environment, done here too: a snapshot records the
//! variables of the process that takes it, and genevars-python's process has one the user
//! did not set when the locale is the legacy C locale: Python coerces it (PEP 538) by
//! setting `LC_CTYPE` to a UTF-8 locale before anything runs.

/// Coerces the C locale as Python's start would, by setting `LC_CTYPE` in this process's
/// environment (which `genevars-python` then inherits, and finds already coerced). Returns
/// whether this process's environment is now the one Python's would be; `false` when that
/// is not sure here (`PYTHONCOERCECLOCALE=warn`, or a platform where Python's rules are
/// not the ones followed below), and then only Python may take the snapshot.
///
/// Call it first thing, while this process has one thread (it changes the environment).
pub fn coerce_as_python_does() -> bool {
    match std::env::var_os("PYTHONCOERCECLOCALE") {
        Some(value) if value == "0" => return true, // no coercion
        Some(value) if value == "warn" => return false, // and a warning on stderr
        _ => {}
    }
    if std::env::var_os("LC_ALL").is_some_and(|value| !value.is_empty()) {
        return true; // LC_ALL overrides LC_CTYPE: Python leaves it alone
    }
    imp::coerce()
}

#[cfg(target_os = "linux")]
mod imp {
    use std::ffi::CStr;

    /// Python's targets, in its order (`_TARGET_LOCALES` in CPython's pylifecycle.c).
    const TARGETS: [&CStr; 3] = [c"C.UTF-8", c"C.utf8", c"UTF-8"];

    pub fn coerce() -> bool {
        // SAFETY: setlocale and nl_langinfo are called with valid C strings while this
        // process has one thread; what they return is read before the next call.
        unsafe {
            libc::setlocale(libc::LC_CTYPE, c"".as_ptr());
            let current = libc::setlocale(libc::LC_CTYPE, std::ptr::null());
            let legacy = !current.is_null() && CStr::from_ptr(current) == c"C";
            if legacy {
                for target in TARGETS {
                    if libc::setlocale(libc::LC_CTYPE, target.as_ptr()).is_null() {
                        continue;
                    }
                    let codeset = libc::nl_langinfo(libc::CODESET);
                    if !codeset.is_null() && !CStr::from_ptr(codeset).is_empty() {
                        libc::setlocale(libc::LC_CTYPE, c"C".as_ptr());
                        std::env::set_var("LC_CTYPE", target.to_str().unwrap_or_default());
                        return true;
                    }
                }
            }
            libc::setlocale(libc::LC_CTYPE, c"C".as_ptr());
        }
        true
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    /// Elsewhere Python's start is not followed here: sure only when the locale is not C.
    pub fn coerce() -> bool {
        let chosen = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()));
        !matches!(chosen.as_deref(), None | Some("C" | "POSIX"))
    }
}
