//! Environment variables: one side only, values, prefixes, credentials and secrets.

use super::*;

#[test]
fn env_only_local_only_remote_and_values() {
    let l = with_env(
        snapshot(),
        &[
            ("CONDA_PREFIX", "/c"),
            ("MY_SETTING", "a"),
            ("PYTHONPATH", "/x"),
            ("SHLVL", "1"),
        ],
    );
    let r = with_env(
        snapshot(),
        &[
            ("MY_SETTING", "b"),
            ("PYTHONPATH", "/y"),
            ("EXTRA", "1"),
            ("RAY_JOB_ID", "01"),
            ("OMP_NUM_THREADS", "1"),
        ],
    );
    let c = compare_pair(&l, &r, &opts());
    assert_eq!(find(&c, Category::Env, "CONDA_PREFIX").code, "only_local");
    assert_eq!(find(&c, Category::Env, "EXTRA").severity, Severity::Info);
    let setting = find(&c, Category::Env, "MY_SETTING");
    assert_eq!(
        (
            setting.code.as_str(),
            setting.local.as_deref(),
            setting.remote.as_deref()
        ),
        ("value_differs", Some("a"), Some("b"))
    );
    assert_eq!(
        find(&c, Category::Env, "PYTHONPATH").severity,
        Severity::Warning
    );
    for expected in ["RAY_JOB_ID", "OMP_NUM_THREADS", "SHLVL"] {
        assert_eq!(
            find(&c, Category::Env, expected).severity,
            Severity::Expected,
            "{expected}"
        );
    }
    assert_eq!(c.env_diffs.only_local, vec!["CONDA_PREFIX", "SHLVL"]);
    assert_eq!(
        c.env_diffs.only_remote,
        vec!["EXTRA", "OMP_NUM_THREADS", "RAY_JOB_ID"]
    );
    assert_eq!(c.env_diffs.diffs.len(), 2);
}

#[test]
fn env_prefix_filters_variables() {
    let l = with_env(snapshot(), &[("PYTHONPATH", "/x"), ("OTHER", "1")]);
    let r = with_env(snapshot(), &[("PYTHONPATH", "/y"), ("ANOTHER", "2")]);
    let c = compare_pair(
        &l,
        &r,
        &CompareOptions {
            env_prefix: Some("PY".into()),
            ..CompareOptions::default()
        },
    );
    assert!(none_for(&c, "OTHER") && none_for(&c, "ANOTHER"));
    assert_eq!(
        find(&c, Category::Env, "PYTHONPATH").code,
        "important_differs"
    );
}

#[test]
fn missing_cloud_credentials_warn_with_the_hint() {
    let mut l = with_env(snapshot(), &[("GOOGLE_APPLICATION_CREDENTIALS", "/k.json")]);
    l.env.insert("AWS_SECRET_ACCESS_KEY".into(), withheld(None));
    let r = snapshot();
    let c = compare_pair(&l, &r, &opts());
    for key in ["AWS_SECRET_ACCESS_KEY", "GOOGLE_APPLICATION_CREDENTIALS"] {
        let f = find(&c, Category::Env, key);
        assert_eq!(
            (f.severity, f.code.as_str()),
            (Severity::Warning, "credential_missing")
        );
        assert!(f
            .hint
            .as_deref()
            .unwrap()
            .contains("permission denied / storage authentication failures"));
    }
    assert_eq!(
        find(&c, Category::Env, "AWS_SECRET_ACCESS_KEY")
            .local
            .as_deref(),
        Some(crate::redact::WITHHELD)
    );
}

#[test]
fn secrets_compare_by_fingerprint_and_never_show() {
    let mut l = snapshot();
    let mut r = snapshot();
    l.env
        .insert("API_TOKEN".into(), withheld(Some("hmac-sha256:aaaa")));
    r.env
        .insert("API_TOKEN".into(), withheld(Some("hmac-sha256:aaaa")));
    l.env
        .insert("DB_PASSWORD".into(), withheld(Some("hmac-sha256:aaaa")));
    r.env
        .insert("DB_PASSWORD".into(), withheld(Some("hmac-sha256:bbbb")));
    l.env.insert("OLD_SECRET".into(), withheld(None));
    r.env.insert("OLD_SECRET".into(), withheld(None));
    // Revealed plain values of a secret key are still masked in findings.
    l.env
        .insert("MY_API_KEY".into(), EnvValue::Plain("canary-123".into()));
    r.env
        .insert("MY_API_KEY".into(), EnvValue::Plain("canary-456".into()));
    let c = compare_pair(&l, &r, &opts());
    assert!(none_for(&c, "API_TOKEN"), "same fingerprint, same value");
    let pw = find(&c, Category::Env, "DB_PASSWORD");
    assert_eq!(pw.code, "value_differs");
    assert_eq!(pw.local.as_deref(), Some(crate::redact::WITHHELD));
    assert_eq!(find(&c, Category::Env, "OLD_SECRET").code, "cannot_tell");
    let key = find(&c, Category::Env, "MY_API_KEY");
    assert_eq!(key.code, "credential_differs");
    let text = serde_json::to_string(&c).unwrap();
    assert!(!text.contains("canary-"), "a secret value leaked: {text}");
}

#[test]
fn reveal_values_shows_plain_values_and_still_compares_withheld_by_fingerprint() {
    let mut l = with_env(
        snapshot(),
        &[(
            "PIP_INDEX_URL",
            "https://user:hunter2@pypi.example.com/simple",
        )],
    );
    let mut r = with_env(
        snapshot(),
        &[(
            "PIP_INDEX_URL",
            "https://user:other@pypi.example.com/simple",
        )],
    );
    l.env
        .insert("MY_API_KEY".into(), EnvValue::Plain("canary-123".into()));
    r.env
        .insert("MY_API_KEY".into(), EnvValue::Plain("canary-456".into()));
    l.env.insert(
        "ONLY_HERE_TOKEN".into(),
        EnvValue::Plain("canary-789".into()),
    );
    // Taken without reveal: no value to show, but fingerprints still decide.
    l.env
        .insert("DB_PASSWORD".into(), withheld(Some("hmac-sha256:aaaa")));
    r.env
        .insert("DB_PASSWORD".into(), withheld(Some("hmac-sha256:bbbb")));
    l.env
        .insert("API_TOKEN".into(), withheld(Some("hmac-sha256:aaaa")));
    r.env
        .insert("API_TOKEN".into(), withheld(Some("hmac-sha256:aaaa")));
    let reveal = CompareOptions {
        reveal_values: true,
        ..CompareOptions::default()
    };
    let c = compare_pair(&l, &r, &reveal);
    let key = find(&c, Category::Env, "MY_API_KEY");
    assert_eq!(
        (key.local.as_deref(), key.remote.as_deref()),
        (Some("canary-123"), Some("canary-456"))
    );
    assert!(
        key.message.contains("canary-123") && key.message.contains("canary-456"),
        "{}",
        key.message
    );
    assert_eq!(
        find(&c, Category::Env, "ONLY_HERE_TOKEN").local.as_deref(),
        Some("canary-789")
    );
    assert_eq!(
        find(&c, Category::Env, "PIP_INDEX_URL").local.as_deref(),
        Some("https://user:hunter2@pypi.example.com/simple")
    );
    assert!(c
        .env_diffs
        .diffs
        .iter()
        .any(|d| d.key == "MY_API_KEY" && d.local == "canary-123" && d.remote == "canary-456"));
    let pw = find(&c, Category::Env, "DB_PASSWORD");
    assert_eq!(
        (pw.code.as_str(), pw.local.as_deref()),
        ("value_differs", Some(crate::redact::WITHHELD))
    );
    assert!(
        pw.message.contains("compared by keyed fingerprint"),
        "{}",
        pw.message
    );
    assert!(none_for(&c, "API_TOKEN"), "same fingerprint, same value");

    // The default withholds the very same snapshots.
    let text = serde_json::to_string(&compare_pair(&l, &r, &opts())).unwrap();
    assert!(
        !text.contains("canary-") && !text.contains("hunter2"),
        "{text}"
    );
}

#[test]
fn url_credentials_are_masked_in_values() {
    let l = with_env(
        snapshot(),
        &[(
            "PIP_INDEX_URL",
            "https://user:hunter2@pypi.example.com/simple",
        )],
    );
    let mut r = snapshot();
    r.env.insert(
        "PIP_INDEX_URL".into(),
        EnvValue::Withheld(WithheldValue {
            withheld: "url-credentials".into(),
            fingerprint: None,
            display: Some("https://***@other.example.com/simple".into()),
        }),
    );
    let c = compare_pair(&l, &r, &opts());
    let f = find(&c, Category::Env, "PIP_INDEX_URL");
    assert_eq!(f.code, "value_differs");
    assert_eq!(
        f.local.as_deref(),
        Some("https://***@pypi.example.com/simple")
    );
    assert!(!serde_json::to_string(&c).unwrap().contains("hunter2"));
}
