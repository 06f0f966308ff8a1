//! Markdown for schemas: the Schemas section (one heading per named schema with composition,
//! discriminator, a flattened properties table and the operations using it), inline schema
//! tables for bodies, and type cells that link to named schemas.

use super::ops::schema_notes;
use super::{Doc, cell, code, heading, inline, link_text, text_block, text_cell};
use crate::common::{MAX_ROWS, property_rows};
use crate::model::{AdditionalProperties, Schema, SchemaRef};

/// At most this many "used by" links per schema.
const MAX_USED_BY: usize = 30;

impl Doc<'_> {
    /// A type for a table cell or list item; named schemas become links.
    pub(super) fn type_md(&self, s: &Schema) -> String {
        self.type_md_depth(s, 0)
    }

    fn type_md_depth(&self, s: &Schema, depth: usize) -> String {
        if depth > 4 {
            return "…".to_string();
        }
        match &s.reference {
            Some(SchemaRef::Named(n)) => {
                return match self.anchors.schemas.get(n) {
                    Some(a) => format!(
                        "[{}](#{a})",
                        inline(n).replace('[', "\\[").replace(']', "\\]")
                    ),
                    None => code(n),
                };
            }
            Some(SchemaRef::Unresolved {
                reference,
                dangling: true,
            }) => {
                return format!("⚠ dangling reference {}", code(reference));
            }
            Some(SchemaRef::Unresolved {
                reference,
                dangling: false,
            }) => {
                return format!("external reference {} (not fetched)", code(reference));
            }
            Some(SchemaRef::Recursive(p)) => return format!("recursive reference {}", code(p)),
            Some(SchemaRef::Part(p)) => {
                let owner = crate::common::part_owner(p)
                    .and_then(|n| self.anchors.schemas.get(&n).map(|a| (n, a)));
                return match owner {
                    Some((n, a)) => format!("{} (part of [{}](#{a}))", code(p), link_text(&n)),
                    None => format!("see {}", code(p)),
                };
            }
            None => {}
        }
        let list = |name: &str, items: &[Schema]| {
            let parts: Vec<String> = items
                .iter()
                .take(12)
                .map(|x| self.type_md_depth(x, depth + 1))
                .collect();
            let more = if items.len() > 12 { ", …" } else { "" };
            format!("{name}: {}{more}", parts.join(", "))
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
                Some(items) => format!("array of {}", self.type_md_depth(items, depth + 1)),
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
                s.types.join(" or ")
            };
            if let Some(f) = &s.format {
                t.push_str(&format!(" ({})", inline(f)));
            }
            if let Some(AdditionalProperties::Schema(v)) = &s.additional_properties
                && s.properties.is_empty()
            {
                t = format!("map of {}", self.type_md_depth(v, depth + 1));
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

    /// Properties table (and composition lines) for an inline schema.
    pub(super) fn inline_schema(&self, out: &mut String, s: &Schema) {
        if s.reference.is_some() {
            return;
        }
        self.composition(out, s);
        let rows = property_rows(s);
        if rows.is_empty() {
            return;
        }
        out.push_str("| Property | Type | Required | Description |\n|---|---|---|---|\n");
        for r in &rows {
            let desc = format!(
                "{}{}",
                text_cell(&r.schema.description),
                schema_notes(r.schema)
            );
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&code(&r.name)),
                cell(&self.type_md(r.schema)),
                if r.required { "yes" } else { "no" },
                desc.trim()
            ));
        }
        if rows.len() >= MAX_ROWS {
            out.push_str(&format!(
                "| … | | | only the first {MAX_ROWS} properties are listed |\n"
            ));
        }
        out.push('\n');
    }

    fn composition(&self, out: &mut String, s: &Schema) {
        for (label, items) in [
            ("All of", &s.all_of),
            ("One of", &s.one_of),
            ("Any of", &s.any_of),
        ] {
            let named: Vec<String> = items
                .iter()
                .filter(|x| x.reference.is_some() || x.properties.is_empty())
                .map(|x| self.type_md(x))
                .collect();
            if !named.is_empty() {
                out.push_str(&format!("{label}: {}\n\n", named.join(", ")));
            }
            if label != "All of" {
                for (i, x) in items
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.reference.is_none() && !x.properties.is_empty())
                {
                    out.push_str(&format!("{label}, option {}:\n\n", i + 1));
                    self.inline_schema(out, x);
                }
            }
        }
        if let Some(n) = &s.not {
            out.push_str(&format!("Not: {}\n\n", self.type_md(n)));
        }
        if let Some(d) = &s.discriminator {
            let mut line = format!("Discriminator: {}", code(&d.property_name));
            if !d.mapping.is_empty() {
                let m: Vec<String> = d
                    .mapping
                    .iter()
                    .map(|(k, v)| format!("{} → {}", code(k), self.mapping_target(v)))
                    .collect();
                line.push_str(&format!(" ({})", m.join(", ")));
            }
            out.push_str(&line);
            out.push_str("\n\n");
        }
        if let Some(AdditionalProperties::Schema(v)) = &s.additional_properties
            && !s.properties.is_empty()
        {
            out.push_str(&format!("Additional properties: {}\n\n", self.type_md(v)));
        }
    }

    fn mapping_target(&self, target: &str) -> String {
        let name = crate::parse::refs::unescape(target.rsplit('/').next().unwrap_or(target));
        match self.anchors.schemas.get(&name) {
            Some(a) => format!("[{}](#{a})", inline(&name)),
            None => code(target),
        }
    }

    pub(super) fn schemas(&self, out: &mut String) {
        if self.spec.schemas.is_empty() {
            return;
        }
        out.push_str("## Schemas\n\n");
        for doc in &self.spec.schemas {
            let s = &doc.schema;
            out.push_str(&format!("### {}\n\n", heading(&doc.name)));
            if let Some(t) = &s.title {
                out.push_str(&format!("_{}_\n\n", inline(t)));
            }
            if let Some(d) = &s.description {
                out.push_str(&text_block(d));
            }
            let mut line = format!("Type: {}", self.type_md(s));
            if s.deprecated {
                line.push_str(" · **deprecated**");
            }
            let notes = schema_notes(s);
            if !notes.is_empty() {
                line.push_str(&format!(" ·{notes}"));
            }
            out.push_str(&line);
            out.push_str("\n\n");
            if s.reference.is_none() {
                self.inline_schema(out, s);
            }
            if let Some(users) = self.used_by.get(&doc.name) {
                let links: Vec<String> = users
                    .iter()
                    .take(MAX_USED_BY)
                    .map(|&i| {
                        format!(
                            "[{}](#{})",
                            inline(&self.spec.operations[i].label())
                                .replace('[', "\\[")
                                .replace(']', "\\]"),
                            self.anchors.ops[i]
                        )
                    })
                    .collect();
                let more = if users.len() > MAX_USED_BY {
                    format!(" and {} more", users.len() - MAX_USED_BY)
                } else {
                    String::new()
                };
                out.push_str(&format!("Used by: {}{more}\n\n", links.join(", ")));
            }
        }
    }
}
