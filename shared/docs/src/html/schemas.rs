//! HTML for schemas: collapsible `<details>` per named schema, inline property tables, and type
//! labels that link to named schemas (dangling and remote refs are shown, never followed).

use super::ops::value_text;
use super::{Page, esc, prose, prose_inline};
use crate::common::{MAX_ROWS, property_rows};
use crate::model::{AdditionalProperties, Schema, SchemaRef};

impl Page<'_> {
    pub(super) fn type_html(&self, s: &Schema) -> String {
        self.type_depth(s, 0)
    }

    fn type_depth(&self, s: &Schema, depth: usize) -> String {
        if depth > 4 {
            return "…".to_string();
        }
        match &s.reference {
            Some(SchemaRef::Named(n)) => {
                return match self.ids.schemas.get(n) {
                    Some(id) => format!("<a href=\"#{id}\">{}</a>", esc(n)),
                    None => format!("<code>{}</code>", esc(n)),
                };
            }
            Some(SchemaRef::Unresolved {
                reference,
                dangling: true,
            }) => {
                return format!(
                    "<span class=\"warn\">dangling reference <code>{}</code></span>",
                    esc(reference)
                );
            }
            Some(SchemaRef::Unresolved {
                reference,
                dangling: false,
            }) => {
                return format!(
                    "external reference <code>{}</code> (not fetched)",
                    esc(reference)
                );
            }
            Some(SchemaRef::Part(p)) => {
                let owner = crate::common::part_owner(p)
                    .and_then(|n| self.ids.schemas.get(&n).map(|id| (n, id)));
                return match owner {
                    Some((n, id)) => format!(
                        "<code>{}</code> (part of <a href=\"#{id}\">{}</a>)",
                        esc(p),
                        esc(&n)
                    ),
                    None => format!("see <code>{}</code>", esc(p)),
                };
            }
            Some(SchemaRef::Recursive(p)) => {
                return format!("recursive reference <code>{}</code>", esc(p));
            }
            None => {}
        }
        let list = |name: &str, items: &[Schema]| {
            let parts: Vec<String> = items
                .iter()
                .take(12)
                .map(|x| self.type_depth(x, depth + 1))
                .collect();
            format!(
                "{name}: {}{}",
                parts.join(", "),
                if items.len() > 12 { ", …" } else { "" }
            )
        };
        let mut t = if s.types.is_empty() && !s.one_of.is_empty() {
            list("one of", &s.one_of)
        } else if s.types.is_empty() && !s.any_of.is_empty() {
            list("any of", &s.any_of)
        } else if s.types.is_empty() && !s.all_of.is_empty() {
            list("all of", &s.all_of)
        } else if s.types.first().is_some_and(|t| t == "array")
            || (s.types.is_empty() && s.items.is_some())
        {
            match &s.items {
                Some(items) => format!("array of {}", self.type_depth(items, depth + 1)),
                None => "array".to_string(),
            }
        } else {
            let mut t = if s.types.is_empty() {
                if s.properties.is_empty() {
                    "any".to_string()
                } else {
                    "object".to_string()
                }
            } else {
                esc(&s.types.join(" or "))
            };
            if let Some(f) = &s.format {
                t.push_str(&format!(" ({})", esc(f)));
            }
            if let Some(AdditionalProperties::Schema(v)) = &s.additional_properties
                && s.properties.is_empty()
            {
                t = format!("map of {}", self.type_depth(v, depth + 1));
            }
            t
        };
        if s.nullable {
            t.push_str(", nullable");
        }
        if s.truncated {
            t.push_str(" (nested too deep, cut)");
        }
        t
    }

    /// Flags, default, enum, constraints and example of a schema, escaped.
    pub(super) fn notes(&self, s: &Schema) -> String {
        let mut n = String::new();
        for (on, label) in [
            (s.deprecated, "Deprecated."),
            (s.read_only, "Read-only."),
            (s.write_only, "Write-only."),
        ] {
            if on {
                n.push(' ');
                n.push_str(label);
            }
        }
        if let Some(d) = &s.default {
            n.push_str(&format!(" Default: <code>{}</code>.", esc(&value_text(d))));
        }
        if let Some(c) = &s.const_value {
            n.push_str(&format!(" Always <code>{}</code>.", esc(&value_text(c))));
        }
        if !s.enum_values.is_empty() {
            let v: Vec<String> = s
                .enum_values
                .iter()
                .take(50)
                .map(|v| format!("<code>{}</code>", esc(&value_text(v))))
                .collect();
            let more = if s.enum_values.len() > 50 {
                format!(" and {} more", s.enum_values.len() - 50)
            } else {
                String::new()
            };
            n.push_str(&format!(" One of: {}{more}.", v.join(", ")));
        }
        if !s.constraints.is_empty() {
            let c: Vec<String> = s
                .constraints
                .iter()
                .map(|(k, v)| format!("{k} <code>{}</code>", esc(v)))
                .collect();
            n.push_str(&format!(" Constraints: {}.", c.join(", ")));
        }
        if let Some(ex) = &s.example {
            let t = value_text(ex);
            if t.len() <= 200 {
                n.push_str(&format!(" Example: <code>{}</code>.", esc(&t)));
            }
        }
        n
    }

    pub(super) fn inline_schema(&self, out: &mut String, s: &Schema) {
        if s.reference.is_some() {
            return;
        }
        for (label, items) in [
            ("All of", &s.all_of),
            ("One of", &s.one_of),
            ("Any of", &s.any_of),
        ] {
            if !items.is_empty() {
                let t: Vec<String> = items.iter().map(|x| self.type_html(x)).collect();
                out.push_str(&format!("<p>{label}: {}</p>\n", t.join(", ")));
            }
            if label != "All of" {
                for (i, x) in items
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.reference.is_none() && !x.properties.is_empty())
                {
                    out.push_str(&format!("<p>{label}, option {}:</p>\n", i + 1));
                    self.inline_schema(out, x);
                }
            }
        }
        if let Some(n) = &s.not {
            out.push_str(&format!("<p>Not: {}</p>\n", self.type_html(n)));
        }
        if let Some(d) = &s.discriminator {
            let m: Vec<String> = d
                .mapping
                .iter()
                .map(|(k, v)| {
                    let name = crate::parse::refs::unescape(v.rsplit('/').next().unwrap_or(v));
                    let target = match self.ids.schemas.get(&name) {
                        Some(id) => format!("<a href=\"#{id}\">{}</a>", esc(&name)),
                        None => format!("<code>{}</code>", esc(v)),
                    };
                    format!("<code>{}</code> → {target}", esc(k))
                })
                .collect();
            out.push_str(&format!(
                "<p>Discriminator: <code>{}</code>{}</p>\n",
                esc(&d.property_name),
                if m.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", m.join(", "))
                }
            ));
        }
        let rows = property_rows(s);
        if rows.is_empty() {
            return;
        }
        out.push_str("<table><thead><tr><th>Property</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>\n");
        for r in &rows {
            out.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}{}</td></tr>\n",
                esc(&r.name),
                self.type_html(r.schema),
                if r.required { "yes" } else { "no" },
                prose_inline(&r.schema.description),
                self.notes(r.schema)
            ));
        }
        if rows.len() >= MAX_ROWS {
            out.push_str(&format!(
                "<tr><td colspan=\"4\">Only the first {MAX_ROWS} properties are listed.</td></tr>\n"
            ));
        }
        out.push_str("</tbody></table>\n");
    }

    pub(super) fn schemas(&self, out: &mut String) {
        if self.spec.schemas.is_empty() {
            return;
        }
        out.push_str("<section id=\"schemas\">\n<h2>Schemas</h2>\n");
        for doc in &self.spec.schemas {
            let s = &doc.schema;
            let id = self.ids.schemas.get(&doc.name).map_or("", String::as_str);
            out.push_str(&format!(
                "<details class=\"schema\" id=\"{id}\" data-schema=\"{}\" data-search=\"{}\">\n<summary><h3>{}</h3> <span class=\"muted\">{}</span></summary>\n",
                esc(&doc.name),
                esc(&doc.name.to_lowercase()),
                esc(&doc.name),
                self.type_html(s)
            ));
            if let Some(t) = &s.title {
                out.push_str(&format!("<p><em>{}</em></p>\n", esc(t)));
            }
            if let Some(d) = &s.description {
                out.push_str(&prose(d));
            }
            let notes = self.notes(s);
            if !notes.is_empty() {
                out.push_str(&format!("<p>{}</p>\n", notes.trim()));
            }
            self.inline_schema(out, s);
            out.push_str("</details>\n");
        }
        out.push_str("</section>\n");
    }
}
