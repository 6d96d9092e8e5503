//! Why a manifest was refused. Every message names the entry and says what to do; none
//! carries a secret (texts that may hold URL credentials are masked before they get here).

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("{place}: '{text}' is not a valid requirement: {message} (column {column}); write it as PEP 508, e.g. 'numpy==1.26.4'")]
    InvalidRequirement {
        place: String,
        text: String,
        message: String,
        column: usize,
    },

    #[error("{place}: '{text}' {what}, which Ray cannot install from a pip list; ship it with .py_modules([...]) / .working_dir(...) or publish it to an index")]
    LocalReference {
        place: String,
        text: String,
        what: &'static str,
    },

    #[error("{place}: '{text}' includes another file ({option}), which Ray does not support; paste its requirements here instead")]
    IncludedFile {
        place: String,
        text: String,
        option: String,
    },

    #[error("{place}: '{text}': option {option} {problem}")]
    BadOption {
        place: String,
        text: String,
        option: String,
        problem: String,
    },

    #[error("{first} and {second} cannot be combined ({why}); keep one of them")]
    Exclusive {
        first: &'static str,
        second: &'static str,
        why: &'static str,
    },

    #[error("package '{name}' is pinned twice: '{first}' ({first_place}) and '{second}' ({second_place}); keep one pin")]
    PinnedTwice {
        name: String,
        first: String,
        first_place: String,
        second: String,
        second_place: String,
    },

    #[error("package '{name}': pin '{pin}' ({pin_place}) does not satisfy '{other}' ({other_place}); make them agree")]
    PinConflict {
        name: String,
        pin: String,
        pin_place: String,
        other: String,
        other_place: String,
    },

    #[error("{what} '{path}' does not exist; check the path (relative paths are resolved from the current directory)")]
    NotFound { what: &'static str, path: String },

    #[error("{what} '{path}' could not be read: {reason}")]
    Unreadable {
        what: &'static str,
        path: String,
        reason: String,
    },

    #[error("{what} '{path}' is not valid text at byte {offset} (line {line}); save it as UTF-8")]
    Undecodable {
        what: &'static str,
        path: String,
        offset: usize,
        line: usize,
    },

    #[error("conda environment file '{path}' is not valid YAML: {message} (line {line}, column {column})")]
    CondaYaml {
        path: String,
        message: String,
        line: usize,
        column: usize,
    },

    #[error("conda environment {place}: {problem}")]
    CondaInvalid { place: String, problem: String },

    /// `input` names it: `conda environment file 'e.yml'`, `manifest JSON`.
    #[error(
        "{input} is refused: {problem}, over the limit of {limit}; real ones stay far below it"
    )]
    OverLimit {
        input: String,
        problem: String,
        limit: String,
    },

    #[error("environment variable name '{name}' is not valid: use letters, digits and '_' and do not start with a digit")]
    InvalidEnvName { name: String },

    #[error(
        "environment variable '{name}': the value must be a string, got {kind}; pass str(value)"
    )]
    EnvValueNotString { name: String, kind: &'static str },

    #[error("environment variable '{name}' is given both a value (.env) and by reference (.env_from_local); keep one")]
    EnvGivenTwice { name: String },

    #[error("environment variable '{name}' is not set in this process, but the manifest passes it with env_from_local; set it before making the runtime_env, or remove it")]
    MissingLocalEnv { name: String },

    #[error("environment variable '{name}' was withheld when the manifest was saved; save it with reveal_values=True or pass it with env_from_local")]
    WithheldEnv { name: String },

    #[error("{field} '{value}' is not an image reference: {reason}; write e.g. 'rayproject/ray:2.40.0-py311' or 'registry.example.com:5000/team/worker@sha256:<64 hex>'")]
    InvalidImage {
        field: &'static str,
        value: String,
        reason: String,
    },

    #[error("{field} {problem}")]
    InvalidValue { field: String, problem: String },

    #[error("manifest JSON is not valid: {message}")]
    Json { message: String },

    #[error("comparison JSON is not valid: {message}; pass a ComparisonResult or its to_dict()")]
    ComparisonJson { message: String },

    #[error("manifest schema '{found}' is not supported by this genevars (reads genevars.manifest/1); upgrade genevars")]
    Schema { found: String },
}

pub type Result<T> = std::result::Result<T, ManifestError>;
