//! The core-metadata reader (METADATA, PKG-INFO).
