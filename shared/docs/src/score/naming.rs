//! Naming: operationIds present, unique, URL-safe and in one casing style; operations tagged
//! with tags declared at the top level.

use std::collections::HashMap;

use super::CategoryScore;
use super::catalogue::{self as c, Category};
use super::util::{Ctx, category, mix, ratio};

fn valid_in_url(id: &str) -> bool {
    id.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=".contains(c))
}

/// Casing style of an identifier: after namespace separators (`/`, `.`, `:`) are dropped.
/// A single lower-case word fits every lower-case style, so it has no style of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Casing {
    Camel,
    Pascal,
    Snake,
    Kebab,
    Mixed,
}

impl Casing {
    fn label(&self) -> &'static str {
        match self {
            Casing::Camel => "camelCase",
            Casing::Pascal => "PascalCase",
            Casing::Snake => "snake_case",
            Casing::Kebab => "kebab-case",
            Casing::Mixed => "mixed",
        }
    }
}

fn casing(id: &str) -> Option<Casing> {
    let word: String = id.chars().filter(|c| !"/.:".contains(*c)).collect();
    let first = word.chars().next()?;
    let (dash, under) = (word.contains('-'), word.contains('_'));
    let upper = word.chars().any(|c| c.is_ascii_uppercase());
    Some(match (dash, under, upper) {
        (true, true, _) => Casing::Mixed,
        (true, false, false) => Casing::Kebab,
        (false, true, false) => Casing::Snake,
        (true, false, true) | (false, true, true) => Casing::Mixed,
        (false, false, true) if first.is_ascii_uppercase() => Casing::Pascal,
        (false, false, true) => Casing::Camel,
        (false, false, false) => return None,
    })
}

pub(super) fn score(ctx: &mut Ctx<'_>) -> CategoryScore {
    let spec = ctx.spec;
    let ops = &spec.operations;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut styles: HashMap<Casing, usize> = HashMap::new();
    for id in ops.iter().filter_map(|o| o.operation_id.as_deref()) {
        *counts.entry(id).or_default() += 1;
        if let Some(c) = casing(id) {
            *styles.entry(c).or_default() += 1;
        }
    }
    // The dominant style; ties go to the first in the enum's order, so the result is stable.
    let dominant = styles
        .iter()
        .map(|(c, n)| (*n, std::cmp::Reverse(*c)))
        .max()
        .map(|(_, c)| c.0);
    let (mut with_id, mut unique, mut valid, mut cased, mut tagged) = (0, 0, 0, 0, 0);
    let (mut tag_uses, mut tag_defined) = (0, 0);
    for op in ops {
        if op.tags.is_empty() {
            ctx.add(
                &c::OPERATION_TAGS,
                &op.pointer,
                format!("{} has no tags", op.label()),
            );
        } else {
            tagged += 1;
        }
        for (i, t) in op.tags.iter().enumerate() {
            tag_uses += 1;
            if spec.tag(t).is_some_and(|t| t.declared) {
                tag_defined += 1;
            } else {
                let ptr = format!("{}/tags/{i}", op.pointer);
                ctx.add(
                    &c::OPERATION_TAG_DEFINED,
                    &ptr,
                    format!("tag `{t}` is not declared in the top-level tags"),
                );
            }
        }
        let Some(id) = op.operation_id.as_deref() else {
            ctx.add(
                &c::OPERATION_OPERATION_ID,
                &op.pointer,
                format!("{} has no operationId", op.label()),
            );
            continue;
        };
        with_id += 1;
        let ptr = format!("{}/operationId", op.pointer);
        if counts.get(id).copied().unwrap_or(0) > 1 {
            ctx.add(
                &c::OPERATION_OPERATION_ID_UNIQUE,
                &ptr,
                format!("operationId `{id}` is used by more than one operation"),
            );
        } else {
            unique += 1;
        }
        if valid_in_url(id) {
            valid += 1;
        } else {
            ctx.add(
                &c::OPERATION_OPERATION_ID_VALID_IN_URL,
                &ptr,
                format!("operationId `{id}` has characters not valid in a URL"),
            );
        }
        match (casing(id), dominant) {
            (Some(style), Some(d)) if style != d => ctx.add(
                &c::OPERATION_ID_CASING,
                &ptr,
                format!(
                    "operationId `{id}` is {} while most are {}",
                    style.label(),
                    d.label()
                ),
            ),
            _ => cased += 1,
        }
    }
    if !spec.tags.iter().any(|t| t.declared) {
        ctx.add(
            &c::OPENAPI_TAGS,
            "/tags",
            "the spec declares no top-level tags",
        );
    }
    let score = mix(&[
        (40.0, ratio(with_id, ops.len())),
        (15.0, ratio(unique, with_id)),
        (5.0, ratio(valid, with_id)),
        (10.0, ratio(cased, with_id)),
        (20.0, ratio(tagged, ops.len())),
        (10.0, ratio(tag_defined, tag_uses)),
    ]);
    let detail = format!(
        "{with_id} of {n} operations have an operationId, {unique} unique, {cased} in the dominant casing ({}); {tagged} of {n} operations are tagged, {tag_defined} of {tag_uses} tag uses are declared",
        dominant.map_or("none", |d| d.label()),
        n = ops.len()
    );
    category(Category::Naming, score, detail)
}
