//! Dependency analysis: requirement checks per environment and across them, known
//! incompatibilities as rules, and the minimal requirements a worker needs.
