//! Glob patterns (`*`, `?`) over bytes, without allocating: the comparison classifies
//! every variable and path of every snapshot, so this sits on the hot path.

/// A set of glob patterns. Case-insensitive sets store upper-cased patterns and
/// upper-case the text as they match.
#[derive(Debug, Clone, Default)]
pub struct GlobSet {
    patterns: Vec<String>,
    case_insensitive: bool,
}

impl GlobSet {
    pub fn new(patterns: &[String], case_insensitive: bool) -> GlobSet {
        let patterns = patterns
            .iter()
            .map(|p| {
                if case_insensitive {
                    p.to_ascii_uppercase()
                } else {
                    p.clone()
                }
            })
            .collect();
        GlobSet {
            patterns,
            case_insensitive,
        }
    }

    /// True when any pattern matches the whole text.
    pub fn is_match(&self, text: &str) -> bool {
        self.patterns
            .iter()
            .any(|p| matches(p.as_bytes(), text.as_bytes(), self.case_insensitive))
    }
}

/// Iterative glob match with single-star backtracking: linear in practice. With
/// `fold_case`, text bytes are upper-cased (the pattern must already be).
pub(crate) fn matches(pattern: &[u8], text: &[u8], fold_case: bool) -> bool {
    let fold = |c: u8| if fold_case { c.to_ascii_uppercase() } else { c };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < text.len() {
        if pi < pattern.len() && (pattern[pi] == b'?' || pattern[pi] == fold(text[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < pattern.len() && pattern[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(p: &[&str], ci: bool) -> GlobSet {
        GlobSet::new(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>(), ci)
    }

    #[test]
    fn globs_match_whole_text() {
        let s = set(&["RAY_*", "OMP_NUM_THREADS", "*_API_KEY*", "A?C"], true);
        assert!(s.is_match("RAY_JOB_ID"));
        assert!(s.is_match("ray_job_id"));
        assert!(s.is_match("omp_num_threads"));
        assert!(s.is_match("MY_API_KEY"));
        assert!(s.is_match("abc"));
        assert!(!s.is_match("XRAY_JOB"));
        assert!(!s.is_match("OMP_NUM_THREADS_X"));
        assert!(!s.is_match("AC"));
        let p = set(&["*/ray/thirdparty_files", "*/runtime_resources/*"], false);
        assert!(p.is_match("/venv/lib/site-packages/ray/thirdparty_files"));
        assert!(p.is_match("/tmp/ray/session_1/runtime_resources/pip/abc"));
        assert!(!p.is_match("/venv/lib/site-packages/RAY/thirdparty_files"));
        assert!(!p.is_match("/venv/lib/site-packages"));
    }
}
