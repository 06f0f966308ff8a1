//! Documentation coverage: operations, parameters, named schemas, tags and the API itself carry
//! authored prose (prose written by [`crate::prose`] does not count), and deprecations say why.

use super::CategoryScore;
use super::catalogue::{self as c, Category};
use super::util::{Ctx, Site, authored, category, flag, mix, ratio};

pub(super) fn score(ctx: &mut Ctx<'_>) -> CategoryScore {
    let spec = ctx.spec;
    let ops = &spec.operations;
    let (mut described, mut summarised, mut params, mut params_described) = (0, 0, 0, 0);
    for op in ops {
        if authored(&op.description) {
            described += 1;
        } else {
            ctx.add(
                &c::OPERATION_DESCRIPTION,
                &op.pointer,
                format!("{} has no description", op.label()),
            );
        }
        if authored(&op.summary) {
            summarised += 1;
        } else {
            ctx.add(
                &c::OPERATION_SUMMARY,
                &op.pointer,
                format!("{} has no summary", op.label()),
            );
        }
        if op.deprecated && !authored(&op.description) {
            ctx.add(
                &c::DEPRECATED_WITHOUT_DESCRIPTION,
                &op.pointer,
                format!(
                    "{} is deprecated without a description saying what replaces it",
                    op.label()
                ),
            );
        }
        for p in &op.parameters {
            params += 1;
            if authored(&p.description) {
                params_described += 1;
            } else {
                // Reported where the parameter is defined, without the operation in the
                // message, so a parameter shared by many operations is one finding.
                ctx.add(
                    &c::PARAMETER_DESCRIPTION,
                    &p.pointer,
                    format!("{} parameter `{}` has no description", p.location, p.name),
                );
                if p.deprecated {
                    ctx.add(
                        &c::DEPRECATED_WITHOUT_DESCRIPTION,
                        &p.pointer,
                        format!("parameter `{}` is deprecated without a description", p.name),
                    );
                }
            }
        }
    }
    let info_described = authored(&spec.description);
    if !info_described {
        ctx.add(&c::INFO_DESCRIPTION, "/info", "info has no description");
    }
    let declared = spec.tags.iter().filter(|t| t.declared).count();
    let mut tags_described = 0;
    // Declared tags come first in `spec.tags`, in spec order, so the index is the pointer's.
    for (i, t) in spec.tags.iter().enumerate().filter(|(_, t)| t.declared) {
        if authored(&t.description) {
            tags_described += 1;
        } else {
            ctx.add(
                &c::TAG_DESCRIPTION,
                &format!("/tags/{i}"),
                format!("tag `{}` has no description", t.name),
            );
        }
    }
    let mut schemas_described = 0;
    for doc in &spec.schemas {
        if authored(&doc.schema.description) || doc.schema.reference.is_some() {
            schemas_described += 1;
        } else {
            ctx.add(
                &c::SCHEMA_DESCRIPTION,
                &doc.pointer,
                format!("schema `{}` has no description", doc.name),
            );
        }
    }
    let nodes = ctx.nodes.clone();
    for (i, node) in nodes.list.iter().enumerate() {
        let s = node.schema;
        if s.deprecated && node.site != Site::Other && !authored(&s.description) {
            ctx.add(
                &c::DEPRECATED_WITHOUT_DESCRIPTION,
                &nodes.pointer(i),
                "deprecated schema without a description saying what replaces it",
            );
        }
    }
    let n = spec.schemas.len();
    let score = mix(&[
        (40.0, ratio(described, ops.len())),
        (15.0, ratio(summarised, ops.len())),
        (15.0, ratio(params_described, params)),
        (15.0, ratio(schemas_described, n)),
        (10.0, flag(info_described)),
        (5.0, ratio(tags_described, declared)),
    ]);
    let detail = format!(
        "{described} of {} operations have a description, {summarised} a summary; {params_described} of {params} parameters and {schemas_described} of {n} schemas are described; {tags_described} of {declared} tags are described; info description {}",
        ops.len(),
        if info_described { "present" } else { "missing" }
    );
    category(Category::DocumentationCoverage, score, detail)
}
