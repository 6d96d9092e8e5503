//! Manifests: validated descriptions of a Ray runtime_env, with a stable checksum.
