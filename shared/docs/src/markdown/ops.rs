//! Markdown for one operation: heading `### METHOD /path`, summary, description, parameters,
//! request body per media type (schema link or inline table, example), responses, security and
//! a curl example.

use serde_json::Value;

use super::{Doc, cell, code, fenced, heading, inline, text_block, text_cell};
use crate::common::{curl, synthesize, value_text};
use crate::model::{MediaType, Operation, SecurityRequirement};

/// Examples longer than this many bytes are cut.
const MAX_EXAMPLE_BYTES: usize = 4096;

impl Doc<'_> {
    pub(super) fn operation(&self, out: &mut String, op: &Operation, _anchor: &str) {
        out.push_str(&format!("### {}\n\n", heading(&op.label())));
        if let Some(s) = &op.summary {
            out.push_str(&format!(
                "**{}**{}\n\n",
                inline(&s.value),
                if s.generated { " _(generated)_" } else { "" }
            ));
        }
        if op.deprecated {
            out.push_str(
                "> **Deprecated:** this operation may be removed; avoid it in new code.\n\n",
            );
        }
        if let Some(d) = &op.description {
            out.push_str(&text_block(d));
        }
        let mut facts = Vec::new();
        if let Some(id) = &op.operation_id {
            facts.push(format!("Operation ID: {}", code(id)));
        }
        if !op.tags.is_empty() {
            let tags: Vec<String> = op.tags.iter().map(|t| code(t)).collect();
            facts.push(format!("Tags: {}", tags.join(", ")));
        }
        if !op.callbacks.is_empty() {
            let cbs: Vec<String> = op.callbacks.iter().map(|t| code(t)).collect();
            facts.push(format!("Callbacks: {}", cbs.join(", ")));
        }
        for s in &op.servers {
            facts.push(format!("Server: {}", code(&s.url)));
        }
        if !facts.is_empty() {
            out.push_str(&facts.join(" · "));
            out.push_str("\n\n");
        }
        self.parameters(out, op);
        self.request_body(out, op);
        self.responses(out, op);
        self.security(out, op);
        out.push_str("**Example request**\n\n");
        out.push_str(&fenced("bash", &curl(self.spec, op, &self.index)));
    }

    fn parameters(&self, out: &mut String, op: &Operation) {
        if op.parameters.is_empty() {
            return;
        }
        out.push_str("**Parameters**\n\n| Name | In | Type | Required | Description |\n|---|---|---|---|---|\n");
        for p in &op.parameters {
            let mut desc = text_cell(&p.description);
            if p.deprecated {
                desc = format!("**Deprecated.** {desc}");
            }
            if let Some(s) = &p.schema {
                desc.push_str(&self.notes(s));
            }
            if let Some(ex) = &p.example {
                desc.push_str(&format!(" Example: {}.", cell(&code(&value_text(ex)))));
            }
            let ty = p
                .schema
                .as_ref()
                .map(|s| self.type_md(s))
                .unwrap_or_default();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                cell(&code(&p.name)),
                cell(&p.location),
                cell(&ty),
                if p.required { "yes" } else { "no" },
                desc.trim()
            ));
        }
        out.push('\n');
    }

    fn request_body(&self, out: &mut String, op: &Operation) {
        let Some(body) = &op.request_body else { return };
        out.push_str(&format!(
            "**Request body**{}\n\n",
            if body.required { " (required)" } else { "" }
        ));
        if let Some(d) = &body.description {
            out.push_str(&text_block(d));
        }
        for mt in &body.content {
            self.media_type(out, mt, true);
        }
    }

    fn media_type(&self, out: &mut String, mt: &MediaType, synthesize_example: bool) {
        let Some(schema) = &mt.schema else {
            out.push_str(&format!("- {}\n\n", code(&mt.media_type)));
            self.examples(out, mt, false);
            return;
        };
        out.push_str(&format!(
            "- {}: {}\n\n",
            code(&mt.media_type),
            self.type_md(schema)
        ));
        self.inline_schema(out, schema);
        self.examples(out, mt, synthesize_example);
    }

    fn examples(&self, out: &mut String, mt: &MediaType, synthesize_example: bool) {
        if let Some((name, ex)) = mt.examples.first() {
            let label = if name == "example" {
                "Example".to_string()
            } else {
                format!("Example ({})", inline(name))
            };
            out.push_str(&format!("{label}:\n\n"));
            out.push_str(&fenced(lang(&mt.media_type), &example_text(ex)));
        } else if synthesize_example
            && mt.media_type.contains("json")
            && let Some(schema) = &mt.schema
        {
            let ex = synthesize(schema, &self.index);
            if !ex.is_null() {
                out.push_str("Example _(generated from the schema)_:\n\n");
                out.push_str(&fenced("json", &example_text(&ex)));
            }
        }
    }

    fn responses(&self, out: &mut String, op: &Operation) {
        if op.responses.is_empty() {
            out.push_str("**Responses:** none documented.\n\n");
            return;
        }
        out.push_str("**Responses**\n\n| Status | Description | Content |\n|---|---|---|\n");
        for r in &op.responses {
            let content: Vec<String> = r
                .content
                .iter()
                .map(|m| match &m.schema {
                    Some(s) => format!("{}: {}", code(&m.media_type), self.type_md(s)),
                    None => code(&m.media_type),
                })
                .collect();
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(&code(&r.status)),
                text_cell(&r.description),
                cell(&content.join("<br>"))
            ));
        }
        out.push('\n');
        for r in &op.responses {
            if !r.headers.is_empty() {
                out.push_str(&format!(
                    "Headers of {}:\n\n| Header | Type | Description |\n|---|---|---|\n",
                    code(&r.status)
                ));
                for h in &r.headers {
                    let ty = h
                        .schema
                        .as_ref()
                        .map(|s| self.type_md(s))
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "| {} | {} | {} |\n",
                        cell(&code(&h.name)),
                        cell(&ty),
                        cell(h.description.as_deref().unwrap_or(""))
                    ));
                }
                out.push('\n');
            }
            // Inline (non-linked) response schemas get their properties listed.
            for m in r.content.iter().take(1) {
                if let Some(s) = &m.schema
                    && s.reference.is_none()
                    && !s.properties.is_empty()
                {
                    out.push_str(&format!("Response {} body:\n\n", code(&r.status)));
                    self.inline_schema(out, s);
                }
                if let Some((_, ex)) = m.examples.first() {
                    out.push_str(&format!(
                        "Example response {} ({}):\n\n",
                        code(&r.status),
                        code(&m.media_type)
                    ));
                    out.push_str(&fenced(lang(&m.media_type), &example_text(ex)));
                }
            }
        }
    }

    fn security(&self, out: &mut String, op: &Operation) {
        let (reqs, inherited) = match &op.security {
            Some(r) => (r, false),
            None => (&self.spec.security, true),
        };
        if reqs.is_empty() {
            if !inherited {
                out.push_str("**Security:** none (public).\n\n");
            }
            return;
        }
        let alts: Vec<String> = reqs.iter().map(|r| self.requirement(r)).collect();
        out.push_str(&format!("**Security:** {}\n\n", alts.join(" **or** ")));
    }

    fn requirement(&self, r: &SecurityRequirement) -> String {
        if r.schemes.is_empty() {
            return "none (anonymous)".to_string();
        }
        let parts: Vec<String> = r
            .schemes
            .iter()
            .map(|(name, scopes)| {
                let mut s = if let Some(a) = self.anchors.schemes.get(name) {
                    format!("[{}](#{a})", inline(name))
                } else {
                    format!("{} ⚠ undefined scheme", code(name))
                };
                if !scopes.is_empty() {
                    let sc: Vec<String> = scopes.iter().map(|x| code(x)).collect();
                    s.push_str(&format!(" ({})", sc.join(", ")));
                }
                s
            })
            .collect();
        parts.join(" + ")
    }
}

fn lang(media_type: &str) -> &'static str {
    if media_type.contains("json") {
        "json"
    } else if media_type.contains("xml") {
        "xml"
    } else if media_type.contains("yaml") {
        "yaml"
    } else {
        ""
    }
}

/// Pretty JSON (or the raw string), cut at a size limit on a character boundary.
pub(super) fn example_text(v: &Value) -> String {
    let mut s = match v {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    };
    if s.len() > MAX_EXAMPLE_BYTES {
        let mut cut = MAX_EXAMPLE_BYTES;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("\n… (truncated)");
    }
    s
}
