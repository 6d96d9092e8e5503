//! What a difference means: critical packages, hints and Ray-injected noise, loaded from
//! the bundled data file `knowledge.toml`.
