//! HTML for schemas: collapsible `<details>` per named schema (composition, discriminator
//! table, properties, the schemas extending it), inline property tables, and type labels that
//! link to named schemas (dangling and remote refs are shown, never followed).

use super::{Page, esc, prose, prose_inline};
use crate::common::{
    Frag, MAX_ROWS, MappingTarget, discriminator_rows, inferred_type, notes, or_null,
    property_rows, summary,
};
use crate::model::{AdditionalProperties, Schema, SchemaRef};

/// At most this many variants are listed per `oneOf`/`anyOf`/`allOf`, and links per
/// "Extended by" line.
const MAX_VARIANTS: usize = 50;

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
        if s.is_null_only() {
            return "null".to_string();
        }
        if let Some(member) = or_null(s) {
            return format!("{} | null", self.type_depth(member, depth + 1));
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
                    self.type_depth(items, depth + 1)
                )),
                None if s.keywords().is_some_and(|k| k.closed_items) => {}
                None => t.push_str(", then any items"),
            }
            t
        } else if s.types.first().is_some_and(|t| t == "array")
            || (s.types.is_empty() && s.items.is_some())
        {
            match &s.items {
                Some(items) => format!("array of {}", self.type_depth(items, depth + 1)),
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
                esc(&s.types.join(" | "))
            };
            if let Some(f) = &s.format {
                t.push_str(&format!(" ({})", esc(f)));
            }
            if let Some(AdditionalProperties::Schema(v)) = &s.additional_properties
                && s.properties.is_empty()
            {
                simple = false;
                t = format!("map of {}", self.type_depth(v, depth + 1));
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

    /// Describe fragments as escaped HTML.
    fn frags(&self, frags: &[Frag<'_>]) -> String {
        let mut out = String::new();
        for f in frags {
            match f {
                Frag::Text(t) => out.push_str(&esc(t)),
                Frag::Code(c) => out.push_str(&format!("<code>{}</code>", esc(c))),
                Frag::Type(s) => out.push_str(&self.type_html(s)),
            }
        }
        out
    }

    /// Flags, default, enum, bounds, examples and 2020-12 keywords of a schema, escaped.
    pub(super) fn notes(&self, s: &Schema) -> String {
        self.frags(&notes(s))
    }

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
            out.push_str(&format!(
                "<p><strong>{label}</strong> ({lead}):</p>\n<ul class=\"variants\">\n"
            ));
            for (i, x) in items.iter().enumerate().take(MAX_VARIANTS) {
                out.push_str(&format!("<li>{}</li>\n", self.variant(label, i, x)));
            }
            if items.len() > MAX_VARIANTS {
                out.push_str(&format!(
                    "<li>… and {} more</li>\n",
                    items.len() - MAX_VARIANTS
                ));
            }
            out.push_str("</ul>\n");
            // Inline `allOf` members' properties are already in the table below.
            if label != "All of" {
                for (i, x) in items.iter().enumerate().take(MAX_VARIANTS) {
                    if x.reference.is_none() && !x.properties.is_empty() {
                        out.push_str(&format!("<p>{}:</p>\n", option_name(i, x)));
                        self.inline_schema(out, x);
                    }
                }
            }
        }
        if let Some(n) = &s.not {
            out.push_str(&format!(
                "<p><strong>Not:</strong> {}</p>\n",
                self.frags(&summary(n))
            ));
        }
        if let Some(d) = &s.discriminator {
            let prop = esc(&d.property_name);
            out.push_str(&format!(
                "<p><strong>Discriminator:</strong> the <code>{prop}</code> property tells which schema applies.</p>\n"
            ));
            let rows = discriminator_rows(s, subtypes, &self.index);
            if !rows.is_empty() {
                out.push_str(&format!(
                    "<table class=\"mapping\"><thead><tr><th><code>{prop}</code> value</th><th>Schema</th></tr></thead><tbody>\n"
                ));
                for (value, target) in rows {
                    out.push_str(&format!(
                        "<tr><td><code>{}</code></td><td>{}</td></tr>\n",
                        esc(&value),
                        self.mapping_target(&target)
                    ));
                }
                out.push_str("</tbody></table>\n");
            }
        }
        if let Some(AdditionalProperties::Schema(v)) = &s.additional_properties
            && !s.properties.is_empty()
        {
            out.push_str(&format!(
                "<p>Additional properties: {}</p>\n",
                self.type_html(v)
            ));
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
            return format!("{}{inherited}", self.type_html(x));
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
            Some(t) => format!("<em>{}</em>: {item}", esc(t)),
            None => item,
        }
    }

    fn mapping_target(&self, target: &MappingTarget) -> String {
        match target {
            MappingTarget::Named(name) => match self.ids.schemas.get(name) {
                Some(id) => format!("<a href=\"#{id}\">{}</a>", esc(name)),
                None => format!("<code>{}</code>", esc(name)),
            },
            MappingTarget::Other(t) => format!("<code>{}</code>", esc(t)),
        }
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
                out.push_str(&format!("<p>Extended by: {}{more}</p>\n", links.join(", ")));
            }
            out.push_str("</details>\n");
        }
        out.push_str("</section>\n");
    }
}

/// "Option 3" or "Option 3 (Fish)", heading the table of an inline variant.
fn option_name(i: usize, x: &Schema) -> String {
    match &x.title {
        Some(t) => format!("Option {} (<em>{}</em>)", i + 1, esc(t)),
        None => format!("Option {}", i + 1),
    }
}
