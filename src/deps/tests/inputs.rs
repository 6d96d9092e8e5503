//! Odd inputs and credentials in requirement URLs.

use super::*;

#[test]
fn odd_inputs_never_panic() {
    let texts = [
        "", "[[rule]]", "[[rule]]\nid = \"é\"\nscope = \"env\"\nwhen = { \"ñ\" = \"*\" }\nmessage = \"\"\nsymptom = \"\"\nfix = \"\"\n",
        "rule = 3", "[[rule]]\nid = 1", "\u{feff}[[rule]]\nid = \"x\"\nscope = \"pair\"\ndiffers = {}\nmessage = \"{\"\nsymptom = \"\"\nfix = \"}{\"\n",
        "[[rule]]\nid = \"x\"\nscope = \"env\"\nwhen = { a = \">=99999999999999999999999\" }\nmessage = \"m\"\nsymptom = \"s\"\nfix = \"f\"\n",
    ];
    for text in texts {
        let _ = Rules::parse(text, "fuzz.toml");
    }
    let requirements: &[&str] = &[
        "",
        " ",
        "a[",
        "a @ ",
        "a ; extra == ",
        "a>=1 ; python_version > '3' or",
        "ñ>=1",
        "a===1.0",
        "a (>=1.0)",
        "a; extra == 'x' and extra == 'y'",
        "a>=99999999999999999999999",
    ];
    let s = linux(&[
        ("odd", "1.0", requirements),
        ("a", "1!2.0.post1.dev3+local.7", &[]),
    ]);
    let found = problems(&s);
    assert!(found.iter().any(|p| p.contains("malformed requirement")));
}

#[test]
fn credentials_in_direct_urls_never_reach_a_finding() {
    let s = linux(&[(
        "app",
        "1.0",
        &[
            "private @ https://deploy:s3cr3t-t0ken@git.example.com/private.whl",
            "bad @@ https://u:hunter2@x",
        ],
    )]);
    let found = problems(&s).join("\n");
    assert!(
        found.contains("app 1.0 requires private @ https://"),
        "{found}"
    );
    assert!(
        !found.contains("s3cr3t-t0ken") && !found.contains("hunter2"),
        "{found}"
    );
    let env = Environment::from_snapshot(&s).unwrap();
    let pin = parse_requirement(
        RequirementOf::ManifestPin,
        "private @ https://deploy:s3cr3t-t0ken@git.example.com/p.whl",
    )
    .unwrap();
    let result = closure(&env, &env.markers, &[pin]);
    assert!(!format!("{result:?}").contains("s3cr3t"));
    let findings = overlay_findings(
        None,
        &s,
        &[
            "private>=2 ; python_version > '3' ".to_string(),
            "x @ https://a:hunter2@h/x.whl".to_string(),
        ],
        &Rules::default(),
    )
    .unwrap();
    assert!(!format!("{findings:?}").contains("hunter2"), "{findings:?}");
    let err = overlay_findings(
        None,
        &s,
        &["x @@ https://a:hunter2@h/x.whl".to_string()],
        &Rules::default(),
    )
    .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
