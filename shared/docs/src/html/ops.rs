//! HTML for one operation: a `<section class="op" data-op="METHOD /path">` with badge, summary,
//! description, parameters, request body, responses, security and a curl example.

use serde_json::Value;

use super::{Page, badge, esc, prose, prose_inline, rich_inline};
use crate::common::{curl, synthesize, value_text};
use crate::model::{MediaType, Operation, SecurityRequirement};

const MAX_EXAMPLE_BYTES: usize = 4096;

impl Page<'_> {
    pub(super) fn operation(&self, out: &mut String, op: &Operation, id: &str) {
        let mut search = op.label().to_lowercase();
        for t in [&op.summary, &op.description].into_iter().flatten() {
            search.push(' ');
            search.push_str(&t.value.chars().take(200).collect::<String>().to_lowercase());
        }
        if let Some(oid) = &op.operation_id {
            search.push(' ');
            search.push_str(&oid.to_lowercase());
        }
        out.push_str(&format!(
            "<section class=\"op{}\" id=\"{id}\" data-op=\"{}\" data-search=\"{}\">\n",
            if op.deprecated { " deprecated" } else { "" },
            esc(&op.label()),
            esc(&search.split_whitespace().collect::<Vec<_>>().join(" "))
        ));
        out.push_str(&format!(
            "<h3>{} <code class=\"path\">{}</code>",
            badge(op),
            esc(&op.path)
        ));
        if op.deprecated {
            out.push_str(" <span class=\"badge warn\">deprecated</span>");
        }
        out.push_str("</h3>\n");
        if let Some(s) = &op.summary {
            out.push_str(&format!(
                "<p><strong>{}</strong></p>\n",
                prose_inline(&Some(s.clone()))
            ));
        }
        if op.deprecated {
            out.push_str("<p class=\"warn\">Deprecated: this operation may be removed; avoid it in new code.</p>\n");
        }
        if let Some(d) = &op.description {
            out.push_str(&prose(d));
        }
        let mut facts = Vec::new();
        if let Some(oid) = &op.operation_id {
            facts.push(format!("Operation ID <code>{}</code>", esc(oid)));
        }
        if !op.tags.is_empty() {
            let t: Vec<String> = op
                .tags
                .iter()
                .map(|t| format!("<code>{}</code>", esc(t)))
                .collect();
            facts.push(format!("Tags {}", t.join(", ")));
        }
        if !op.callbacks.is_empty() {
            let t: Vec<String> = op
                .callbacks
                .iter()
                .map(|t| format!("<code>{}</code>", esc(t)))
                .collect();
            facts.push(format!("Callbacks {}", t.join(", ")));
        }
        for s in &op.servers {
            facts.push(format!("Server <code>{}</code>", esc(&s.url)));
        }
        if !facts.is_empty() {
            out.push_str(&format!("<p class=\"muted\">{}</p>\n", facts.join(" · ")));
        }
        self.parameters(out, op);
        self.request_body(out, op);
        self.responses(out, op);
        self.security(out, op);
        out.push_str(&format!(
            "<h4>Example request</h4>\n<pre><code>{}</code></pre>\n</section>\n",
            esc(&curl(self.spec, op, &self.index))
        ));
    }

    fn parameters(&self, out: &mut String, op: &Operation) {
        if op.parameters.is_empty() {
            return;
        }
        out.push_str("<h4>Parameters</h4>\n<table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>\n");
        for p in &op.parameters {
            let mut desc = prose_inline(&p.description);
            if p.deprecated {
                desc = format!("<strong>Deprecated.</strong> {desc}");
            }
            if let Some(s) = &p.schema {
                desc.push_str(&self.notes(s));
            }
            if let Some(ex) = &p.example {
                desc.push_str(&format!(" Example: <code>{}</code>.", esc(&value_text(ex))));
            }
            let ty = p
                .schema
                .as_ref()
                .map(|s| self.type_html(s))
                .unwrap_or_default();
            out.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{ty}</td><td>{}</td><td>{desc}</td></tr>\n",
                esc(&p.name),
                esc(&p.location),
                if p.required { "yes" } else { "no" }
            ));
        }
        out.push_str("</tbody></table>\n");
    }

    fn request_body(&self, out: &mut String, op: &Operation) {
        let Some(body) = &op.request_body else { return };
        out.push_str(&format!(
            "<h4>Request body{}</h4>\n",
            if body.required {
                " <span class=\"badge\">required</span>"
            } else {
                ""
            }
        ));
        if let Some(d) = &body.description {
            out.push_str(&prose(d));
        }
        for mt in &body.content {
            self.media_type(out, mt, true);
        }
    }

    fn media_type(&self, out: &mut String, mt: &MediaType, synthesize_example: bool) {
        out.push_str(&format!("<p><code>{}</code>", esc(&mt.media_type)));
        if let Some(s) = &mt.schema {
            out.push_str(&format!(": {}", self.type_html(s)));
        }
        out.push_str("</p>\n");
        if let Some(s) = &mt.schema {
            self.inline_schema(out, s);
        }
        if let Some((name, ex)) = mt.examples.first() {
            let label = if name == "example" {
                String::new()
            } else {
                format!(" ({})", esc(name))
            };
            out.push_str(&format!(
                "<p>Example{label}:</p>\n<pre><code>{}</code></pre>\n",
                esc(&example_text(ex))
            ));
        } else if synthesize_example
            && mt.media_type.contains("json")
            && let Some(s) = &mt.schema
        {
            let ex = synthesize(s, &self.index);
            if !ex.is_null() {
                out.push_str(&format!(
                        "<p>Example {}:</p>\n<pre><code>{}</code></pre>\n",
                        "<span class=\"generated\" title=\"written by specdoc, not by the spec's authors\">generated from the schema</span>",
                        esc(&example_text(&ex))
                    ));
            }
        }
    }

    fn responses(&self, out: &mut String, op: &Operation) {
        out.push_str("<h4>Responses</h4>\n");
        if op.responses.is_empty() {
            out.push_str("<p class=\"muted\">None documented.</p>\n");
            return;
        }
        out.push_str("<table><thead><tr><th>Status</th><th>Description</th><th>Content</th></tr></thead><tbody>\n");
        for r in &op.responses {
            let content: Vec<String> = r
                .content
                .iter()
                .map(|m| match &m.schema {
                    Some(s) => {
                        format!("<code>{}</code>: {}", esc(&m.media_type), self.type_html(s))
                    }
                    None => format!("<code>{}</code>", esc(&m.media_type)),
                })
                .collect();
            let mut desc = prose_inline(&r.description);
            for h in &r.headers {
                let ty = h
                    .schema
                    .as_ref()
                    .map(|s| self.type_html(s))
                    .unwrap_or_default();
                desc.push_str(&format!(
                    "<br>Header <code>{}</code> {ty} {}",
                    esc(&h.name),
                    rich_inline(h.description.as_deref().unwrap_or(""))
                ));
            }
            out.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{desc}</td><td>{}</td></tr>\n",
                esc(&r.status),
                content.join("<br>")
            ));
        }
        out.push_str("</tbody></table>\n");
        for r in &op.responses {
            for m in r.content.iter().take(1) {
                if let Some(s) = &m.schema
                    && s.reference.is_none()
                    && !s.properties.is_empty()
                {
                    out.push_str(&format!(
                        "<p>Response <code>{}</code> body:</p>\n",
                        esc(&r.status)
                    ));
                    self.inline_schema(out, s);
                }
                if let Some((_, ex)) = m.examples.first() {
                    out.push_str(&format!(
                        "<p>Example response <code>{}</code> (<code>{}</code>):</p>\n<pre><code>{}</code></pre>\n",
                        esc(&r.status),
                        esc(&m.media_type),
                        esc(&example_text(ex))
                    ));
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
                out.push_str("<p><strong>Security:</strong> none (public).</p>\n");
            }
            return;
        }
        let alts: Vec<String> = reqs.iter().map(|r| self.requirement(r)).collect();
        out.push_str(&format!(
            "<p><strong>Security:</strong> {}</p>\n",
            alts.join(" <em>or</em> ")
        ));
    }

    fn requirement(&self, r: &SecurityRequirement) -> String {
        if r.schemes.is_empty() {
            return "none (anonymous)".to_string();
        }
        let parts: Vec<String> = r
            .schemes
            .iter()
            .map(|(name, scopes)| {
                let mut s = match self.ids.schemes.get(name) {
                    Some(id) => format!("<a href=\"#{id}\">{}</a>", esc(name)),
                    None => format!(
                        "<code>{}</code> <span class=\"warn\">undefined scheme</span>",
                        esc(name)
                    ),
                };
                if !scopes.is_empty() {
                    let sc: Vec<String> = scopes
                        .iter()
                        .map(|x| format!("<code>{}</code>", esc(x)))
                        .collect();
                    s.push_str(&format!(" ({})", sc.join(", ")));
                }
                s
            })
            .collect();
        parts.join(" + ")
    }
}

fn example_text(v: &Value) -> String {
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
