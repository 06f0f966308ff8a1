//! Examples: request and success-response bodies and parameters have examples, and every example
//! (media-type and parameter examples, schema `example` and `default`) validates against its
//! schema.

use super::CategoryScore;
use super::catalogue::{self as c, Category};
use super::util::{Ctx, category, is_success, media_pointer, mix, ratio};
use super::validate;
use crate::model::Schema;
use crate::parse::refs::escape;

/// Whether a schema carries an example itself, through the named schema it refers to, or
/// (for arrays) through its items.
fn has_example(ctx: &Ctx<'_>, s: &Schema, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    s.example.is_some()
        || s.ref_name()
            .and_then(|n| ctx.named(n))
            .is_some_and(|t| has_example(ctx, t, depth + 1))
        || (s.types.first().is_some_and(|t| t == "array")
            && s.items
                .as_deref()
                .is_some_and(|i| has_example(ctx, i, depth + 1)))
}

pub(super) fn score(ctx: &mut Ctx<'_>) -> CategoryScore {
    let spec = ctx.spec;
    let media_rule = ctx.pick(&c::OAS2_VALID_MEDIA_EXAMPLE, &c::OAS3_VALID_MEDIA_EXAMPLE);
    let schema_rule = ctx.pick(&c::OAS2_VALID_SCHEMA_EXAMPLE, &c::OAS3_VALID_SCHEMA_EXAMPLE);
    let (mut bodies, mut with_example, mut params, mut params_ex) = (0, 0, 0, 0);
    let (mut examples, mut valid) = (0, 0);
    for op in &spec.operations {
        let request = op
            .request_body
            .iter()
            .flat_map(|b| b.content.iter().map(|m| (m, None)));
        let response = op
            .responses
            .iter()
            .flat_map(|r| r.content.iter().map(move |m| (m, Some(r.status.as_str()))));
        for (mt, status) in request.chain(response) {
            for (name, value) in &mt.examples {
                let Some(schema) = &mt.schema else { continue };
                examples += 1;
                match validate::check(ctx, schema, value) {
                    None => valid += 1,
                    Some(why) => {
                        let ptr = example_pointer(ctx, &op.pointer, status, &mt.media_type, name);
                        ctx.add(
                            media_rule,
                            &ptr,
                            format!("example `{name}` does not match its schema: {why}"),
                        );
                    }
                }
            }
            if status.is_some_and(|s| !is_success(s))
                || (mt.schema.is_none() && mt.examples.is_empty())
            {
                continue;
            }
            bodies += 1;
            if !mt.examples.is_empty() || mt.schema.as_ref().is_some_and(|s| has_example(ctx, s, 0))
            {
                with_example += 1;
            } else {
                let what = status.map_or("request body".to_string(), |s| format!("response {s}"));
                ctx.add(
                    &c::MEDIA_EXAMPLE,
                    &media_pointer(ctx, op, status, &mt.media_type),
                    format!("{} {what} `{}` has no example", op.label(), mt.media_type),
                );
            }
        }
        for p in &op.parameters {
            params += 1;
            let s = p.schema.as_ref();
            if p.example.is_some()
                || s.is_some_and(|s| {
                    s.example.is_some() || !s.enum_values.is_empty() || s.default.is_some()
                })
            {
                params_ex += 1;
            }
            let (Some(value), Some(schema)) = (&p.example, s) else {
                continue;
            };
            examples += 1;
            match validate::check(ctx, schema, value) {
                None => valid += 1,
                Some(why) => ctx.add(
                    media_rule,
                    p.example_pointer.as_deref().unwrap_or(&p.pointer),
                    format!(
                        "example of {} parameter `{}` does not match its schema: {why}",
                        p.location, p.name
                    ),
                ),
            }
        }
    }
    let nodes = ctx.nodes.clone();
    for (i, node) in nodes.list.iter().enumerate() {
        let s = node.schema;
        if s.reference.is_some() {
            continue;
        }
        for (what, value) in [("example", &s.example), ("default", &s.default)] {
            let Some(value) = value else { continue };
            examples += 1;
            match validate::check(ctx, s, value) {
                None => valid += 1,
                Some(why) => {
                    let ptr = format!("{}/{what}", nodes.pointer(i));
                    ctx.add(
                        schema_rule,
                        &ptr,
                        format!("schema {what} does not match the schema: {why}"),
                    );
                }
            }
        }
    }
    let score = mix(&[
        (60.0, ratio(with_example, bodies)),
        (20.0, ratio(params_ex, params)),
        (20.0, ratio(valid, examples)),
    ]);
    let detail = format!(
        "{with_example} of {bodies} request/success-response bodies have an example; {params_ex} of {params} parameters; {valid} of {examples} examples are valid"
    );
    category(Category::Examples, score, detail)
}

/// Pointer to a media-type example. Swagger 2.0 keeps response examples under
/// `responses/CODE/examples/MIME`.
fn example_pointer(
    ctx: &Ctx<'_>,
    op: &str,
    status: Option<&str>,
    media: &str,
    name: &str,
) -> String {
    let at = match (status, ctx.swagger) {
        (Some(s), true) => {
            return format!("{op}/responses/{}/examples/{}", escape(s), escape(media));
        }
        (None, true) => return op.to_string(),
        (Some(s), false) => format!("{op}/responses/{}/content/{}", escape(s), escape(media)),
        (None, false) => format!("{op}/requestBody/content/{}", escape(media)),
    };
    if name == "example" {
        format!("{at}/example")
    } else {
        format!("{at}/examples/{}/value", escape(name))
    }
}
