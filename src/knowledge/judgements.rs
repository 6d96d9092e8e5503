//! The knowledge files whose judgements are rules of their own (severity, symptom, fix):
//! `accelerators.toml` (the driver → CUDA table and the accelerator findings) and
//! `credential_files.toml`.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::finding::Severity;

const ACCELERATORS_TOML: &str = include_str!("accelerators.toml");
const CREDENTIAL_FILES_TOML: &str = include_str!("credential_files.toml");

/// A judgement as data: its severity, the symptom users see and the fix (templates).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judgement {
    pub severity: Severity,
    pub symptom: String,
    pub fix: String,
}

/// `accelerators.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceleratorKnowledge {
    pub driver_cuda: Vec<DriverCuda>,
    pub cuda_builds: Vec<String>,
    pub cuda_runtimes: Vec<String>,
    pub driver_too_old: Judgement,
    pub driver_differs: Judgement,
    pub cpu_build_on_gpu: Judgement,
}

/// The oldest NVIDIA driver that supports a CUDA version.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriverCuda {
    pub driver: String,
    pub cuda: String,
}

impl AcceleratorKnowledge {
    /// The judgement `[key]` (see [`crate::finding::SeverityKey::Accelerators`]).
    pub fn judgement(&self, key: &str) -> Option<&Judgement> {
        match key {
            "driver_too_old" => Some(&self.driver_too_old),
            "driver_differs" => Some(&self.driver_differs),
            "cpu_build_on_gpu" => Some(&self.cpu_build_on_gpu),
            _ => None,
        }
    }
}

/// `credential_files.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialFileKnowledge {
    pub missing: Judgement,
    pub unreadable: Judgement,
    pub differs: Judgement,
}

impl CredentialFileKnowledge {
    /// The judgement `[key]` (see [`crate::finding::SeverityKey::CredentialFiles`]).
    pub fn judgement(&self, key: &str) -> Option<&Judgement> {
        match key {
            "missing" => Some(&self.missing),
            "unreadable" => Some(&self.unreadable),
            "differs" => Some(&self.differs),
            _ => None,
        }
    }
}

/// The bundled `accelerators.toml`, parsed once.
pub fn accelerators() -> &'static AcceleratorKnowledge {
    static DATA: OnceLock<AcceleratorKnowledge> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(ACCELERATORS_TOML).expect("knowledge/accelerators.toml is valid (tested)")
    })
}

/// The bundled `credential_files.toml`, parsed once.
pub fn credential_files() -> &'static CredentialFileKnowledge {
    static DATA: OnceLock<CredentialFileKnowledge> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(CREDENTIAL_FILES_TOML)
            .expect("knowledge/credential_files.toml is valid (tested)")
    })
}
