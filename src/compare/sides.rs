//! How comparison messages name the two sides, and write counts.

/// How the two sides are named in messages: "1.26.4 locally, 2.2.6 remotely", or
/// "on group 0" / "on group 1" when two node groups are compared.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sides<'a> {
    pub local: &'a str,
    pub remote: &'a str,
}

pub(crate) const LOCAL_REMOTE: Sides<'static> = Sides {
    local: "locally",
    remote: "remotely",
};

/// `10000` as `10,000`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
