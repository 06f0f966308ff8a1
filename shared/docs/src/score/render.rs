//! Renders the rule catalogue as Markdown: the file `docs/quality-rules.md` is this output, and a
//! test (`tests/score_catalogue.rs`) fails when they differ, so the document cannot drift from
//! the code. The notes on where specdoc and Spectral disagree live in [`super::differences`].

use std::fmt::Write;

use super::catalogue::{Category, RULES, Rule};
use super::{VALIDITY_CAP, differences};

/// The catalogue document (`docs/quality-rules.md`).
pub fn catalogue_markdown() -> String {
    let mut md = String::new();
    md.push_str(
        "# Quality rules\n\n\
         <!-- Generated from shared/docs/src/score/ by `just rules-doc`; do not edit by hand. -->\n\n\
         specdoc scores every spec from 0 to 100. The score is the weighted mean of eight category \
         scores; each category score is a mix of ratios (\"312 of 417 operations have a \
         description\"), so a big API is not punished for being big, and the raw counts are shown \
         with each category. A ratio with nothing to count (no parameters, no schemas) is left \
         out and the others reweighted; a category with nothing at all to measure scores 100. Scoring is deterministic. Prose written by specdoc's prose filler \
         never counts as documented.\n\n\
         Rule ids are Spectral's (`spectral:oas`) where the rule checks the same thing, so \
         findings can be compared with a Spectral run; see [Differences from Spectral]\
         (#differences-from-spectral).\n\n## Categories\n\n\
         | Category | Weight | What is measured |\n| --- | ---: | --- |\n",
    );
    for c in Category::ALL {
        let _ = writeln!(md, "| `{}` | {} | {} |", c.id(), c.weight(), c.measures());
    }
    let total: u32 = Category::ALL.iter().map(|c| c.weight()).sum();
    let _ = writeln!(md, "| **total** | **{total}** | |");
    let gating: Vec<String> = RULES
        .iter()
        .filter(|r| r.gating)
        .map(|r| format!("`{}`", r.id))
        .collect();
    let _ = write!(
        md,
        "\n## Validity gate\n\nA spec with structural errors is not a good spec however well it is \
         described: when any finding of a gating rule ({}) is present, the overall score is capped \
         at **{VALIDITY_CAP}**. The category scores are still shown uncapped.\n\n## Rules\n\n\
         Severities: `error` (broken or dangerous), `warning` (should be fixed), `info` (worth \
         knowing), `hint` (nice to have). Source: the rule set whose id is reused, or specdoc's \
         own.\n",
        gating.join(", ")
    );
    for c in Category::ALL {
        let _ = write!(
            md,
            "\n### {} (weight {})\n\n| Rule | Severity | Source | Why | Fix |\n| --- | --- | --- | --- | --- |\n",
            c.id(),
            c.weight()
        );
        for r in RULES.iter().filter(|r| r.category == c) {
            let _ = writeln!(md, "{}", row(r));
        }
    }
    md.push_str("\n## Differences from Spectral\n\n");
    md.push_str(differences::INTRO);
    md.push_str("\n\n| Rule | Difference |\n| --- | --- |\n");
    for (id, why) in differences::RULES {
        let _ = writeln!(md, "| `{id}` | {why} |");
    }
    md
}

fn row(r: &Rule) -> String {
    let gate = if r.gating { " (gate)" } else { "" };
    format!(
        "| `{}` | {}{gate} | {} | {} | {} |",
        r.id,
        r.severity.as_str(),
        r.origin.label(),
        r.rationale.replace('|', "\\|"),
        r.fix.replace('|', "\\|")
    )
}
