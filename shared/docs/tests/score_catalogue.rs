//! `docs/quality-rules.md` is generated from the rule catalogue in code; this test fails when
//! the committed file differs from what the code renders. To regenerate it run
//! `UPDATE_RULES_DOC=1 cargo test -p specdoc-docs --test score_catalogue` (or `just rules-doc`).

use std::path::Path;

use specdoc_docs::score::{self, Category};

fn doc_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/quality-rules.md")
}

#[test]
fn committed_catalogue_matches_the_code() {
    let rendered = score::catalogue_markdown();
    let path = doc_path();
    if std::env::var_os("UPDATE_RULES_DOC").is_some() {
        std::fs::write(&path, &rendered).expect("write docs/quality-rules.md");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/quality-rules.md is out of date with the rule catalogue in shared/docs/src/score/; \
         regenerate it with `UPDATE_RULES_DOC=1 cargo test -p specdoc-docs --test score_catalogue` \
         or `just rules-doc`, and commit the result"
    );
}

#[test]
fn catalogue_lists_every_rule_category_and_the_gate() {
    let md = score::catalogue_markdown();
    for r in score::rules() {
        let row = format!("| `{}` | {}", r.id, r.severity.as_str());
        assert!(
            md.contains(&row),
            "rule {} missing from the catalogue",
            r.id
        );
        assert!(!r.rationale.is_empty() && !r.fix.is_empty(), "{}", r.id);
    }
    for c in Category::ALL {
        assert!(
            md.contains(&format!("| `{}` | {} |", c.id(), c.weight())),
            "{c:?}"
        );
    }
    assert_eq!(Category::ALL.iter().map(|c| c.weight()).sum::<u32>(), 100);
    assert!(
        md.contains("## Validity gate") && md.contains(&format!("**{}**", score::VALIDITY_CAP))
    );
    assert!(md.contains("## Differences from Spectral"));
}

#[test]
fn rule_ids_are_unique_and_stable_looking() {
    let mut ids: Vec<&str> = score::rules().iter().map(|r| r.id).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate rule ids");
    for id in ids {
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.$".contains(c)),
            "rule id `{id}` has characters that do not belong in an id"
        );
    }
}
