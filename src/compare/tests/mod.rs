//! Each classification of the comparison, on snapshots built in code, by what it compares.

mod env;
mod interpreter;
mod many;
mod nodes;
mod packages;
mod sys_path;

use super::*;
use crate::snapshot::testutil::*;
use crate::snapshot::{EnvValue, Libc, ShadowedCopy, Unreadable, WithheldValue};

fn opts() -> CompareOptions {
    CompareOptions::default()
}

fn find<'a>(c: &'a Comparison, category: Category, subject: &str) -> &'a Finding {
    c.findings
        .iter()
        .find(|f| f.category == category && f.subject == subject)
        .unwrap_or_else(|| panic!("no {category:?} finding for {subject}: {:#?}", c.findings))
}

fn none_for(c: &Comparison, subject: &str) -> bool {
    c.findings.iter().all(|f| f.subject != subject)
}
