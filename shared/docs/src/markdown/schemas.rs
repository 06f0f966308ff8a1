//! Markdown for schemas: the Schemas section (one heading per named schema with composition,
//! discriminator, a flattened properties table, the schemas extending it and the operations
//! using it), inline schema tables for bodies, and type cells that link to named schemas.

use super::{Doc, cell, code, heading, inline, link_text, text_block, text_cell};
use crate::common::{
    Frag, MAX_ROWS, MappingTarget, discriminator_rows, inferred_type, notes, or_null,
    property_rows, summary,
};
use crate::model::{AdditionalProperties, Schema, SchemaRef};

/// At most this many "used by" links per schema.
const MAX_USED_BY: usize = 30;
/// At most this many variants are listed per `oneOf`/`anyOf`/`allOf`, and links per
/// "Extended by" line.
const MAX_VARIANTS: usize = 50;

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
        if s.is_null_only() {
            return "null".to_string();
        }
        if let Some(member) = or_null(s) {
            return format!("{} | null", self.type_md_depth(member, depth + 1));
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
        let tuple = s.keywords().map_or(&[][..], |k| &k.prefix_items[..]);
        // Plain type lists take `| null`; longer labels read better with ", nullable".
        let mut simple = false;
        let mut t = if s.types.is_empty() && !s.one_of.is_empty() {
            list("one of", &s.one_of)
        } else if s.types.is_empty() && !s.any_of.is_empty() {
            list("any of", &s.any_of)
        } else if s.types.is_empty() && !s.all_of.is_empty() {
            list("all of", &s.all_of)
        } else if !tuple.is_empty() {
            let mut t = list("tuple", tuple).replacen(": ", " (", 1);
            t.push(')');
            match &s.items {
                Some(items) => t.push_str(&format!(
                    ", then {} items",
                    self.type_md_depth(items, depth + 1)
                )),
                None if s.keywords().is_some_and(|k| k.closed_items) => {}
                None => t.push_str(", then any items"),
            }
            t
        } else if s.types.first().is_some_and(|t| t == "array")
            || (s.types.is_empty() && s.items.is_some())
        {
            match &s.items {
                Some(items) => format!("array of {}", self.type_md_depth(items, depth + 1)),
                None => "array".to_string(),
            }
        } else {
            simple = true;
            let mut t = if s.types.is_empty() {
                match inferred_type(s) {
                    Some(k) => k.to_string(),
                    None if s.properties.is_empty() => "any".to_string(),
                    None => "object".to_string(),
                }
            } else {
                s.types.join(" | ")
            };
            if let Some(f) = &s.format {
                t.push_str(&format!(" ({})", inline(f)));
            }
            if let Some(AdditionalProperties::Schema(v)) = &s.additional_properties
                && s.properties.is_empty()
            {
                simple = false;
                t = format!("map of {}", self.type_md_depth(v, depth + 1));
            }
            t
        };
        if s.nullable {
            t.push_str(if simple { " | null" } else { ", nullable" });
        }
        if s.truncated {
            t.push_str(" (nested too deep, cut)");
        }
        t
    }

    /// Describe fragments as Markdown that is safe inside a table cell.
    fn frags(&self, frags: &[Frag<'_>]) -> String {
        let mut out = String::new();
        for f in frags {
            match f {
                Frag::Text(t) => out.push_str(t),
                Frag::Code(c) => out.push_str(&cell(&code(c))),
                Frag::Type(s) => out.push_str(&cell(&self.type_md(s))),
            }
        }
        out
    }

    /// Flags, default, enum, bounds, examples and 2020-12 keywords of a schema, as sentences
    /// for a description cell.
    pub(super) fn notes(&self, s: &Schema) -> String {
        self.frags(&notes(s))
    }

    /// Properties table (and composition lines) for an inline schema.
    pub(super) fn inline_schema(&self, out: &mut String, s: &Schema) {
        self.schema_body(out, s, &[]);
    }

    /// Composition, discriminator and properties table of a schema; `subtypes` are the named
    /// schemas extending it (they give a discriminator without a mapping its values).
    fn schema_body(&self, out: &mut String, s: &Schema, subtypes: &[&str]) {
        if s.reference.is_some() {
            return;
        }
        self.composition(out, s, subtypes);
        let rows = property_rows(s);
        if rows.is_empty() {
            return;
        }
        out.push_str("| Property | Type | Required | Description |\n|---|---|---|---|\n");
        for r in &rows {
            let desc = format!(
                "{}{}",
                text_cell(&r.schema.description),
                self.notes(r.schema)
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

    /// `allOf`/`oneOf`/`anyOf` as lists of linked or summarised variants, `not`, the
    /// discriminator's value → schema table and additional properties.
    fn composition(&self, out: &mut String, s: &Schema, subtypes: &[&str]) {
        // "X or null" (3.1) says all there is in the type label.
        let (one_of, any_of): (&[Schema], &[Schema]) = match or_null(s) {
            Some(_) if s.one_of.is_empty() => (&[], &[]),
            Some(_) => (&[], &s.any_of),
            None => (&s.one_of, &s.any_of),
        };
        for (label, lead, items) in [
            ("All of", "every one applies", &s.all_of[..]),
            ("One of", "exactly one applies", one_of),
            ("Any of", "at least one applies", any_of),
        ] {
            if items.is_empty() {
                continue;
            }
            out.push_str(&format!("**{label}** ({lead}):\n\n"));
            for (i, x) in items.iter().enumerate().take(MAX_VARIANTS) {
                out.push_str(&format!("- {}\n", self.variant(label, i, x)));
            }
            if items.len() > MAX_VARIANTS {
                out.push_str(&format!("- … and {} more\n", items.len() - MAX_VARIANTS));
            }
            out.push('\n');
            // Inline `allOf` members' properties are already in the table below.
            if label != "All of" {
                for (i, x) in items.iter().enumerate().take(MAX_VARIANTS) {
                    if x.reference.is_none() && !x.properties.is_empty() {
                        out.push_str(&format!("{}:\n\n", option_name(i, x)));
                        self.inline_schema(out, x);
                    }
                }
            }
        }
        if let Some(n) = &s.not {
            out.push_str(&format!("**Not:** {}\n\n", self.frags(&summary(n))));
        }
        if let Some(d) = &s.discriminator {
            out.push_str(&format!(
                "**Discriminator:** the {} property tells which schema applies.\n\n",
                code(&d.property_name)
            ));
            let rows = discriminator_rows(s, subtypes, &self.index);
            if !rows.is_empty() {
                out.push_str(&format!(
                    "| {} value | Schema |\n|---|---|\n",
                    cell(&code(&d.property_name))
                ));
                for (value, target) in rows {
                    out.push_str(&format!(
                        "| {} | {} |\n",
                        cell(&code(&value)),
                        cell(&self.mapping_target(&target))
                    ));
                }
                out.push('\n');
            }
        }
        if let Some(AdditionalProperties::Schema(v)) = &s.additional_properties
            && !s.properties.is_empty()
        {
            out.push_str(&format!("Additional properties: {}\n\n", self.type_md(v)));
        }
    }

    /// One list item of a composition: a link for a named schema, else a summary.
    fn variant(&self, label: &str, i: usize, x: &Schema) -> String {
        if x.reference.is_some() {
            let inherited = if label == "All of" && x.ref_name().is_some() {
                " — inherited"
            } else {
                ""
            };
            return format!("{}{inherited}", self.type_md(x));
        }
        let mut item = self.frags(&summary(x));
        if !x.properties.is_empty() {
            item.push_str(if label == "All of" {
                " (properties below)"
            } else {
                " (see below)"
            });
        }
        match &x.title {
            _ if label != "All of" => format!("{}: {item}", option_name(i, x)),
            Some(t) => format!("_{}_: {item}", inline(t)),
            None => item,
        }
    }

    fn mapping_target(&self, target: &MappingTarget) -> String {
        match target {
            MappingTarget::Named(name) => match self.anchors.schemas.get(name) {
                Some(a) => format!("[{}](#{a})", link_text(name)),
                None => code(name),
            },
            MappingTarget::Other(t) => code(t),
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
            let notes = self.notes(s);
            if !notes.is_empty() {
                line.push_str(&format!(" ·{notes}"));
            }
            out.push_str(&line);
            out.push_str("\n\n");
            let subtypes = self.subtypes.get(doc.name.as_str());
            self.schema_body(out, s, subtypes.map_or(&[], Vec::as_slice));
            if let Some(subs) = subtypes {
                let links: Vec<String> = subs
                    .iter()
                    .take(MAX_VARIANTS)
                    .map(|n| self.mapping_target(&MappingTarget::Named(n.to_string())))
                    .collect();
                let more = if subs.len() > MAX_VARIANTS {
                    format!(" and {} more", subs.len() - MAX_VARIANTS)
                } else {
                    String::new()
                };
                out.push_str(&format!("Extended by: {}{more}\n\n", links.join(", ")));
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

/// "Option 3" or "Option 3 (Fish)", heading the table of an inline variant.
fn option_name(i: usize, x: &Schema) -> String {
    match &x.title {
        Some(t) => format!("Option {} (_{}_)", i + 1, inline(t)),
        None => format!("Option {}", i + 1),
    }
}
