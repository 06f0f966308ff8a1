//! Every rule of the score catalogue against its fixtures in `tests/score_fixtures/`:
//! `RULE.fail.yaml` must make the rule fire at exactly the pointers listed in its
//! `# expect: POINTER` header lines (with the rule's severity), and `RULE.pass.yaml` must not
//! make it fire. A rule without both fixtures fails the suite, and so does a fixture without a
//! rule.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use specdoc_docs::score::{self, Score};
use specdoc_docs::{Limits, parse};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/score_fixtures")
}

fn score_file(path: &Path) -> (String, Score) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = parse(text.as_bytes(), &Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (text, score::score(&spec))
}

fn pointers(sc: &Score, rule: &str) -> BTreeSet<String> {
    sc.findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| f.pointer.clone())
        .collect()
}

#[test]
fn every_rule_has_a_passing_and_a_failing_fixture() {
    let missing: Vec<String> = score::rules()
        .iter()
        .flat_map(|r| [format!("{}.pass.yaml", r.id), format!("{}.fail.yaml", r.id)])
        .filter(|f| !dir().join(f).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without fixtures in tests/score_fixtures: {missing:?}"
    );
}

#[test]
fn every_fixture_belongs_to_a_rule() {
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(dir()).expect("fixture dir") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let id = name
            .strip_suffix(".pass.yaml")
            .or_else(|| name.strip_suffix(".fail.yaml"));
        if id.and_then(score::rule).is_none() {
            orphans.push(name);
        }
    }
    assert!(orphans.is_empty(), "fixtures naming no rule: {orphans:?}");
}

#[test]
fn failing_fixtures_fire_at_the_expected_pointers() {
    let mut failures = Vec::new();
    for rule in score::rules() {
        let path = dir().join(format!("{}.fail.yaml", rule.id));
        if !path.is_file() {
            continue; // reported by every_rule_has_a_passing_and_a_failing_fixture
        }
        let (text, sc) = score_file(&path);
        let expected: BTreeSet<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .map(str::to_string)
            .collect();
        assert!(
            !expected.is_empty(),
            "{}: no `# expect:` line",
            path.display()
        );
        let got = pointers(&sc, rule.id);
        if got != expected {
            failures.push(format!("{}: expected {expected:?}, got {got:?}", rule.id));
        }
        for f in sc.findings.iter().filter(|f| f.rule_id == rule.id) {
            assert_eq!(f.severity, rule.severity, "{}: severity", rule.id);
            assert!(!f.message.is_empty(), "{}: empty message", rule.id);
        }
        if rule.gating {
            assert!(
                sc.gated() && sc.overall <= score::VALIDITY_CAP,
                "{} must gate",
                rule.id
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn passing_fixtures_do_not_fire() {
    let mut failures = Vec::new();
    for rule in score::rules() {
        let path = dir().join(format!("{}.pass.yaml", rule.id));
        if !path.is_file() {
            continue;
        }
        let (_, sc) = score_file(&path);
        let got = pointers(&sc, rule.id);
        if !got.is_empty() {
            failures.push(format!("{}: fired at {got:?}", rule.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixing_a_finding_raises_the_category_score() {
    // A user fixing what a rule reports sees that rule's category improve (or stay perfect).
    for rule in score::rules() {
        let (Ok(fail), Ok(pass)) = (
            std::fs::read_to_string(dir().join(format!("{}.fail.yaml", rule.id))),
            std::fs::read_to_string(dir().join(format!("{}.pass.yaml", rule.id))),
        ) else {
            continue;
        };
        let cat = |text: &str| {
            let spec = parse(text.as_bytes(), &Limits::default()).expect("fixture parses");
            let sc = score::score(&spec);
            let c = sc
                .categories
                .iter()
                .find(|c| c.category == rule.category.id())
                .expect("category present")
                .clone();
            (c.score, c.detail)
        };
        let (bad, bad_detail) = cat(&fail);
        let (good, good_detail) = cat(&pass);
        assert!(
            good > bad || good == 100,
            "{}: fixing should raise {} ({bad}: {bad_detail}) → ({good}: {good_detail})",
            rule.id,
            rule.category.id()
        );
    }
}
