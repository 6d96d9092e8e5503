//! Known symptoms, `symptoms.toml`: the error texts users see and the findings they point
//! to (read by `explain`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const SYMPTOMS_TOML: &str = include_str!("symptoms.toml");

/// The symptom data file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymptomData {
    pub symptom: Vec<Symptom>,
    pub direction: DirectionMarkers,
    pub modules: BTreeMap<String, String>,
    pub cannot_see: Vec<String>,
}

/// One known symptom: the text users see, and the findings it points to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Symptom {
    pub text: String,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectionMarkers {
    pub worker_to_driver: Vec<String>,
    pub driver_to_worker: Vec<String>,
}

/// The bundled symptom data, parsed once.
pub fn symptom_data() -> &'static SymptomData {
    static DATA: OnceLock<SymptomData> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(SYMPTOMS_TOML).expect("knowledge/symptoms.toml is valid (tested)")
    })
}
