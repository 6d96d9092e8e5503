//! Accelerator findings of one environment: a package built for a newer CUDA than the
//! node's NVIDIA driver supports, and a CPU-only build on a node with GPUs. The driver →
//! CUDA table and the messages are data (`knowledge/accelerators.toml`).

use crate::finding::{Code, Finding};
use super::sides::Sides;
use crate::snapshot::Snapshot;

use crate::knowledge::{accelerators as data, fill_with, HintVars};

/// `550.54.15` → `[550, 54, 15]`; text that is not dotted numbers → None.
fn numbers(text: &str) -> Option<Vec<u64>> {
    text.trim().split('.').map(|p| p.parse().ok()).collect()
}

/// The newest CUDA (major, minor) a driver version supports, per the data table.
pub(crate) fn max_cuda(driver: &str) -> Option<(u64, u64)> {
    let have = numbers(driver)?;
    data()
        .driver_cuda
        .iter()
        .filter(|row| numbers(&row.driver).is_some_and(|min| have >= min))
        .filter_map(|row| {
            let c = numbers(&row.cuda)?;
            Some((*c.first()?, *c.get(1).unwrap_or(&0)))
        })
        .max()
}

/// The CUDA a build targets from its local label: `cu121` → 12.1, `cu118` → 11.8.
fn label_cuda(version: &str) -> Option<(u64, u64)> {
    let label = local_label(version)?;
    let digits = label.strip_prefix("cu")?;
    if digits.len() < 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (major, minor) = digits.split_at(digits.len() - 1);
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The local version label, lower-cased (`2.4.0+CPU` → `cpu`).
fn local_label(version: &str) -> Option<String> {
    version
        .split_once('+')
        .map(|(_, label)| label.trim().to_ascii_lowercase())
}

fn is_cpu_build(version: &str) -> bool {
    local_label(version).as_deref() == Some("cpu")
}

fn fill(template: &str, name: &str, supported: &str) -> String {
    let vars = HintVars {
        name,
        ..Default::default()
    };
    fill_with(template, vars, &[("supported", supported)])
}

/// The accelerator findings of `env` (named `side` in messages, e.g. "remotely").
pub(crate) fn findings(env: &Snapshot, side: &str) -> Vec<Finding> {
    let Some(acc) = env.accelerators.as_ref() else {
        return Vec::new();
    };
    let k = data();
    let mut out = Vec::new();
    if let Some(driver) = acc.nvidia_driver.as_deref() {
        let supported = max_cuda(driver);
        for p in &env.packages {
            let needed = if k.cuda_builds.contains(&p.name) {
                label_cuda(&p.version)
            } else if k.cuda_runtimes.contains(&p.name) {
                numbers(&p.version).and_then(|n| Some((*n.first()?, *n.get(1)?)))
            } else {
                None
            };
            let Some(needed) = needed else { continue };
            let too_old = supported.map_or(true, |s| needed > s);
            if !too_old {
                continue;
            }
            let supported_text = supported
                .map(|(a, b)| format!("{a}.{b}"))
                .unwrap_or_else(|| "none known".to_string());
            let rule = &k.driver_too_old;
            out.push(
                Finding::new(
                    rule.severity,
                    Code::AcceleratorDriverTooOld,
                    p.name.clone(),
                    format!(
                        "{} {} is built for CUDA {}.{} but the NVIDIA driver {driver} {side} supports CUDA {supported_text} at most",
                        p.name, p.version, needed.0, needed.1
                    ),
                )
                .values(None, Some(format!("{} (driver {driver})", p.version)))
                .hint(Some(format!(
                    "{}; {}",
                    rule.symptom,
                    fill(&rule.fix, &p.name, &supported_text)
                ))),
            );
        }
    }
    let has_gpu = !acc.gpus.is_empty() || acc.nvidia_driver.is_some();
    if has_gpu {
        for p in env
            .packages
            .iter()
            .filter(|p| k.cuda_builds.contains(&p.name) && is_cpu_build(&p.version))
        {
            let rule = &k.cpu_build_on_gpu;
            out.push(
                Finding::new(
                    rule.severity,
                    Code::AcceleratorCpuBuildOnGpu,
                    p.name.clone(),
                    format!(
                        "{} {} is a CPU-only build on a node with {} {side}",
                        p.name,
                        p.version,
                        gpu_summary(acc)
                    ),
                )
                .values(None, Some(p.version.clone()))
                .hint(Some(format!(
                    "{}; {}",
                    rule.symptom,
                    fill(&rule.fix, &p.name, "")
                ))),
            );
        }
    }
    out
}

/// A finding when both sides have an NVIDIA driver and the versions differ (between node
/// groups it becomes `drift.accelerator.driver`).
pub(crate) fn driver_difference(
    local: &Snapshot,
    remote: &Snapshot,
    sides: Sides<'_>,
) -> Option<Finding> {
    let driver = |s: &Snapshot| s.accelerators.as_ref()?.nvidia_driver.clone();
    let (l, r) = (driver(local)?, driver(remote)?);
    if l == r {
        return None;
    }
    let rule = &data().driver_differs;
    Some(
        Finding::new(
            rule.severity,
            Code::AcceleratorDriver,
            "nvidia-driver",
            format!(
                "NVIDIA driver differs: {l} {}, {r} {}",
                sides.local, sides.remote
            ),
        )
        .values(Some(l), Some(r))
        .hint(Some(format!("{}; {}", rule.symptom, rule.fix))),
    )
}

/// `8×NVIDIA H100 80GB HBM3, driver 550.54.15` (models counted), or what is known of it.
pub fn gpu_summary(acc: &crate::snapshot::Accelerators) -> String {
    let mut models: Vec<(String, usize)> = Vec::new();
    for g in &acc.gpus {
        match models.iter_mut().find(|(m, _)| m == g) {
            Some((_, n)) => *n += 1,
            None => models.push((g.clone(), 1)),
        }
    }
    let mut parts: Vec<String> = models
        .into_iter()
        .map(|(m, n)| format!("{n}×{m}"))
        .collect();
    if parts.is_empty() && acc.ray_resources.is_empty() {
        parts.push("GPUs".to_string());
    }
    if let Some(d) = &acc.nvidia_driver {
        parts.push(format!("driver {d}"));
    }
    if !acc.ray_resources.is_empty() {
        let scheduled: Vec<String> = acc
            .ray_resources
            .iter()
            .map(|(name, count)| match name.strip_prefix("accelerator_type:") {
                Some(model) => model.to_string(),
                None => format!("{count} {name}"),
            })
            .collect();
        parts.push(format!("Ray: {}", scheduled.join(" ")));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::snapshot::testutil::{snapshot, with_packages};
    use crate::snapshot::Accelerators;

    #[test]
    fn rays_scheduled_accelerators_join_the_summary() {
        let acc = Accelerators {
            gpus: vec!["NVIDIA H100 80GB HBM3".into(); 2],
            ray_resources: [("GPU", "2"), ("accelerator_type:H100", "1")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        assert_eq!(gpu_summary(&acc), "2×NVIDIA H100 80GB HBM3, Ray: 2 GPU H100");
    }

    fn gpu_node(driver: &str, pkgs: &[(&str, &str)]) -> Snapshot {
        let mut s = with_packages(snapshot(), pkgs);
        s.accelerators = Some(Accelerators {
            nvidia_driver: Some(driver.into()),
            gpus: vec!["NVIDIA H100 80GB HBM3".into(); 8],
            source: Some("nvidia-smi".into()),
            ..Default::default()
        });
        s
    }

    #[test]
    fn the_driver_table_gives_the_newest_cuda_a_driver_supports() {
        assert_eq!(max_cuda("535.104.05"), Some((12, 2)));
        assert_eq!(max_cuda("550.54.15"), Some((12, 4)));
        assert_eq!(max_cuda("550.54.14"), Some((12, 4)));
        assert_eq!(max_cuda("525.60.13"), Some((12, 0)));
        assert_eq!(max_cuda("390.1"), None);
        assert_eq!(max_cuda("not a version"), None);
        assert_eq!(label_cuda("2.4.0+cu124"), Some((12, 4)));
        assert_eq!(label_cuda("2.1.0+cu118"), Some((11, 8)));
        assert_eq!(label_cuda("2.4.0+cpu"), None);
        assert_eq!(label_cuda("2.4.0"), None);
    }

    #[test]
    fn a_cuda_12_4_torch_on_a_12_2_driver_is_an_error() {
        let node = gpu_node(
            "535.104.05",
            &[
                ("torch", "2.4.0+cu124"),
                ("nvidia-cuda-runtime-cu12", "12.4.127"),
            ],
        );
        let f = findings(&node, "remotely");
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f
            .iter()
            .all(|f| f.severity == Severity::Error && f.code == "accelerator.driver_too_old"));
        assert!(f[0].message.contains("built for CUDA 12.4 but the NVIDIA driver 535.104.05 remotely supports CUDA 12.2 at most"), "{}", f[0].message);
        assert!(f[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("CUDA driver version is insufficient"));
        // A driver new enough: nothing.
        assert!(findings(
            &gpu_node("550.54.15", &[("torch", "2.4.0+cu124")]),
            "remotely"
        )
        .is_empty());
    }

    #[test]
    fn gpu_node_groups_with_other_drivers_drift_and_groups_are_labelled_with_their_gpus() {
        let local = with_packages(snapshot(), &[("torch", "2.4.0+cu121")]);
        let a =
            crate::snapshot::testutil::node(gpu_node("550.54.15", &[("torch", "2.4.0+cu121")]), "a");
        let b = crate::snapshot::testutil::node(
            gpu_node("535.104.05", &[("torch", "2.4.0+cu121")]),
            "b",
        );
        let a2 = crate::snapshot::testutil::node(a.clone(), "a2");
        let c = crate::compare::compare_nodes(&local, &[a, a2, b], &[], &Default::default());
        assert_eq!(c.groups.len(), 2, "other drivers are other environments");
        assert_eq!(
            c.groups[0].remote.accelerators.as_deref(),
            Some("8×NVIDIA H100 80GB HBM3, driver 550.54.15")
        );
        let drift: Vec<&Finding> = c
            .findings
            .iter()
            .filter(|f| f.code == "drift.accelerator.driver")
            .collect();
        assert_eq!(drift.len(), 1, "{:#?}", c.findings);
        assert_eq!(
            (drift[0].local.as_deref(), drift[0].remote.as_deref()),
            (Some("550.54.15"), Some("535.104.05"))
        );
        let text = crate::report::to_text(&c, Default::default(), Default::default());
        assert!(
            text.contains("group 0: 2 nodes")
                && text.contains(", 8×NVIDIA H100 80GB HBM3, driver 550.54.15 — "),
            "{text}"
        );
    }

    #[test]
    fn a_cpu_torch_on_a_gpu_node_is_a_warning_and_gpus_are_summarized() {
        let node = gpu_node("550.54.15", &[("torch", "2.4.0+cpu")]);
        let f = findings(&node, "remotely");
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].severity, f[0].code.as_str()),
            (Severity::Warning, "accelerator.cpu_build_on_gpu")
        );
        assert!(
            f[0].message
                .contains("8×NVIDIA H100 80GB HBM3, driver 550.54.15"),
            "{}",
            f[0].message
        );
        // No accelerators recorded (a CPU node, or an older probe): nothing to say.
        assert!(findings(
            &with_packages(snapshot(), &[("torch", "2.4.0+cpu")]),
            "remotely"
        )
        .is_empty());
    }
}
