//! The site-packages scanner.
