//! Responses and errors: every operation documents a success response and its error responses,
//! error responses carry a body schema, and every response is described.

use super::CategoryScore;
use super::catalogue::{self as c, Category};
use super::util::{Ctx, authored, category, is_error, is_success, mix, ratio};
use crate::parse::refs::escape;

pub(super) fn score(ctx: &mut Ctx<'_>) -> CategoryScore {
    let ops = &ctx.spec.operations;
    let (mut success, mut errors, mut error_schema, mut resp, mut resp_desc) = (0, 0, 0, 0, 0);
    for op in ops {
        if op.responses.iter().any(|r| is_success(&r.status)) {
            success += 1;
        } else {
            ctx.add(
                &c::OPERATION_SUCCESS_RESPONSE,
                &responses_ptr(op),
                format!("{} has no 2xx or 3xx response", op.label()),
            );
        }
        let errs: Vec<_> = op
            .responses
            .iter()
            .filter(|r| is_error(&r.status))
            .collect();
        if errs.is_empty() {
            ctx.add(
                &c::OPERATION_ERROR_RESPONSE,
                &op.pointer,
                format!("{} documents no error response", op.label()),
            );
        } else {
            errors += 1;
            if errs
                .iter()
                .any(|r| r.content.iter().any(|m| m.schema.is_some()))
            {
                error_schema += 1;
            } else {
                ctx.add(
                    &c::ERROR_RESPONSE_SCHEMA,
                    &format!("{}/responses", op.pointer),
                    format!("no error response of {} has a body schema", op.label()),
                );
            }
        }
        for r in &op.responses {
            resp += 1;
            if authored(&r.description) {
                resp_desc += 1;
            } else {
                let p = format!("{}/responses/{}", op.pointer, escape(&r.status));
                ctx.add(
                    &c::RESPONSE_DESCRIPTION,
                    &p,
                    format!("response {} of {} has no description", r.status, op.label()),
                );
            }
        }
    }
    let score = mix(&[
        (40.0, ratio(success, ops.len())),
        (30.0, ratio(errors, ops.len())),
        (15.0, ratio(error_schema, ops.len())),
        (15.0, ratio(resp_desc, resp)),
    ]);
    let detail = format!(
        "{success} of {n} operations have a success response, {errors} of {n} document errors, {error_schema} of {n} have an error body schema; {resp_desc} of {resp} responses are described",
        n = ops.len()
    );
    category(Category::ResponsesAndErrors, score, detail)
}

/// `responses` of the operation, or the operation itself when it has none (as Spectral reports).
fn responses_ptr(op: &crate::model::Operation) -> String {
    if op.responses.is_empty() {
        op.pointer.clone()
    } else {
        format!("{}/responses", op.pointer)
    }
}
