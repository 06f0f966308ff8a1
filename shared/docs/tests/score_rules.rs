//! Every rule of the score catalogue against its fixtures in `tests/score_fixtures/`:
//! `RULE.fail.yaml` must make the rule fire at exactly the pointers listed in its
//! `# expect: POINTER` header lines (with the rule's severity), and `RULE.pass.yaml` must not
//! make it fire. A rule without both fixtures fails the suite, and so does a fixture without a
//! rule. Every finding's pointer must resolve in its fixture.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use specdoc_docs::parse::refs::lookup;
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

#[test]
fn finding_pointers_resolve_in_their_fixture() {
    // A pointer names the place to fix: it resolves in the document, or (for a missing member,
    // such as `/info/contact`) its parent does, or it names a spec-wide section that is absent
    // (`/components/securitySchemes`). Wrong `~0`/`~1` escaping fails here.
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(dir()).expect("fixture dir") {
        let path = entry.expect("entry").path();
        let (text, sc) = score_file(&path);
        let root: serde_json::Value =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for f in &sc.findings {
            let parent = f.pointer.rsplit_once('/').map_or("", |(p, _)| p);
            let section = f.pointer.matches('/').count() <= 2;
            if lookup(&root, &format!("#{}", f.pointer)).is_none()
                && lookup(&root, &format!("#{parent}")).is_none()
                && !section
            {
                failures.push(format!(
                    "{}: {} at {}",
                    path.display(),
                    f.rule_id,
                    f.pointer
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_shared_parameter_is_one_finding() {
    // Three undescribed parameters: a path-level one used by two operations, a component used
    // by two operations, and an inline one.
    let (_, sc) = score_file(&dir().join("parameter-description.fail.yaml"));
    let found: Vec<&str> = sc
        .findings
        .iter()
        .filter(|f| f.rule_id == "parameter-description")
        .map(|f| f.pointer.as_str())
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    let docs = sc
        .categories
        .iter()
        .find(|c| c.category == "documentation_coverage")
        .expect("category");
    assert!(docs.detail.contains("0 of 5 parameters"), "{}", docs.detail);
}
