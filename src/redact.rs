//! What is a secret, and how it is kept out of every output.

/// What is shown in place of a withheld value.
pub const WITHHELD: &str = "<withheld>";
