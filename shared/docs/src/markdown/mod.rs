//! GitHub-flavoured Markdown output: title and metadata, servers, authentication, a table of
//! contents, operations grouped by tag, webhooks, schemas, and an optional quality section.
//! Anchors follow GitHub's slug rules and are planned up front so every link resolves.

mod ops;
mod overview;
mod schemas;

use std::collections::HashMap;

use crate::common::{Grouping, SchemaIndex, Slugger, group_by_tag, referenced_names, subtypes};
use crate::model::{Operation, Spec, Text};
use crate::score::Score;

/// Renders `spec` (and, if given, its `score`) as GitHub-flavoured Markdown.
pub fn render(spec: &Spec, score: Option<&Score>) -> String {
    let doc = Doc::new(spec, score.is_some());
    let mut out = String::with_capacity(64 * 1024 + spec.operations.len() * 2048);
    doc.header(&mut out);
    doc.contents(&mut out);
    doc.servers(&mut out);
    doc.authentication(&mut out);
    for (g, (name, _)) in doc.grouping.groups.iter().enumerate() {
        out.push_str(&format!("## {}\n\n", heading(name)));
        if let Some(d) = spec.tag(name).and_then(|t| t.description.as_ref()) {
            out.push_str(&text_block(d));
        }
        doc.elsewhere(&mut out, g);
        for i in doc.grouping.documented(g) {
            doc.operation(&mut out, &spec.operations[i], &doc.anchors.ops[i]);
        }
    }
    if !spec.webhooks.is_empty() {
        out.push_str("## Webhooks\n\n");
        for (i, op) in spec.webhooks.iter().enumerate() {
            doc.operation(&mut out, op, &doc.anchors.webhooks[i]);
        }
    }
    doc.schemas(&mut out);
    if let Some(score) = score {
        overview::quality(&mut out, score);
    }
    out
}

/// Planned anchors for every heading that is linked to.
struct Anchors {
    ops: Vec<String>,
    webhooks: Vec<String>,
    groups: Vec<String>,
    schemas: HashMap<String, String>,
    schemes: HashMap<String, String>,
    servers: String,
    auth: String,
    webhooks_section: String,
    schemas_section: String,
    quality: String,
}

pub(crate) struct Doc<'a> {
    spec: &'a Spec,
    index: SchemaIndex<'a>,
    grouping: Grouping,
    anchors: Anchors,
    /// Schema name → indices of operations using it directly.
    used_by: HashMap<String, Vec<usize>>,
    /// Schema name → named schemas extending it through `allOf`.
    subtypes: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Doc<'a> {
    fn new(spec: &'a Spec, with_quality: bool) -> Self {
        let grouping = group_by_tag(spec);
        let mut s = Slugger::default();
        // Same order as the headings are written.
        s.slug(&heading(&spec.title));
        s.slug("Contents");
        let servers = s.slug("Servers");
        let auth = if spec.security_schemes.is_empty() {
            String::new()
        } else {
            s.slug("Authentication")
        };
        let mut schemes = HashMap::new();
        for sch in &spec.security_schemes {
            let a = s.slug(&heading(&sch.name));
            schemes.entry(sch.name.clone()).or_insert(a);
        }
        let mut ops = vec![String::new(); spec.operations.len()];
        let mut group_anchors = Vec::new();
        for (g, (name, _)) in grouping.groups.iter().enumerate() {
            group_anchors.push(s.slug(&heading(name)));
            for i in grouping.documented(g) {
                ops[i] = s.slug(&heading(&spec.operations[i].label()));
            }
        }
        let webhooks_section = if spec.webhooks.is_empty() {
            String::new()
        } else {
            s.slug("Webhooks")
        };
        let webhooks = spec
            .webhooks
            .iter()
            .map(|w| s.slug(&heading(&w.label())))
            .collect();
        let schemas_section = if spec.schemas.is_empty() {
            String::new()
        } else {
            s.slug("Schemas")
        };
        let mut schemas = HashMap::new();
        for sch in &spec.schemas {
            let a = s.slug(&heading(&sch.name));
            schemas.entry(sch.name.clone()).or_insert(a);
        }
        let quality = if with_quality {
            s.slug("Quality")
        } else {
            String::new()
        };
        let mut used_by: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, op) in spec.operations.iter().enumerate() {
            let mut names = Vec::new();
            for sch in op_schemas(op) {
                referenced_names(sch, &mut names);
            }
            for n in names {
                used_by.entry(n).or_default().push(i);
            }
        }
        Doc {
            spec,
            index: SchemaIndex::new(spec),
            grouping,
            anchors: Anchors {
                ops,
                webhooks,
                groups: group_anchors,
                schemas,
                schemes,
                servers,
                auth,
                webhooks_section,
                schemas_section,
                quality,
            },
            used_by,
            subtypes: subtypes(spec),
        }
    }

    /// Under a tag, the operations that also carry it but are documented under their first
    /// tag: a link to each, so the tag lists all its operations without repeating them.
    fn elsewhere(&self, out: &mut String, g: usize) {
        let mut others = self.grouping.elsewhere(g).peekable();
        if others.peek().is_none() {
            return;
        }
        out.push_str("Also in this group, documented under another tag:\n\n");
        for i in others {
            let op = &self.spec.operations[i];
            let home = self.grouping.home[i];
            let mut line = format!("- [{}](#{})", link_text(&op.label()), self.anchors.ops[i]);
            if let Some(s) = &op.summary {
                line.push_str(&format!(" — {}", inline(&s.value)));
            }
            line.push_str(&format!(
                " (under [{}](#{}))\n",
                link_text(&self.grouping.groups[home].0),
                self.anchors.groups[home]
            ));
            out.push_str(&line);
        }
        out.push('\n');
    }
}

fn op_schemas(op: &Operation) -> impl Iterator<Item = &crate::model::Schema> {
    let params = op.parameters.iter().filter_map(|p| p.schema.as_ref());
    let body = op
        .request_body
        .iter()
        .flat_map(|b| &b.content)
        .filter_map(|m| m.schema.as_ref());
    let resp = op
        .responses
        .iter()
        .flat_map(|r| r.content.iter().filter_map(|m| m.schema.as_ref()));
    params.chain(body).chain(resp)
}

/// Heading text: one line.
pub(crate) fn heading(s: &str) -> String {
    let one: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let t = one.trim();
    if t.is_empty() {
        "(unnamed)".to_string()
    } else {
        t.to_string()
    }
}

/// Inline text: one line, no raw table breakers.
pub(crate) fn inline(s: &str) -> String {
    heading(s)
}

/// Link text: one line, brackets escaped.
pub(crate) fn link_text(s: &str) -> String {
    heading(s).replace('[', "\\[").replace(']', "\\]")
}

/// A table cell: `|` escaped, newlines as `<br>`.
pub(crate) fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let s = s.trim();
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\r' => {}
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// An inline code span that survives backticks in the content (cell-escape it separately).
pub(crate) fn code(s: &str) -> String {
    let s = heading(s);
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 || s.starts_with(' ') || s.ends_with(' ') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// A block of prose, with the generated marker when specdoc wrote it. ATX headings inside the
/// prose become bold lines, so they cannot add anchors that would shift the planned ones.
pub(crate) fn text_block(t: &Text) -> String {
    let mut body = String::with_capacity(t.value.len() + 16);
    let mut fence = false;
    for line in t.value.trim_end().lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = !fence;
        }
        let hashes = trimmed.bytes().take_while(|&b| b == b'#').count();
        let rest = &trimmed[hashes..];
        if !fence && (1..=6).contains(&hashes) && (rest.is_empty() || rest.starts_with(' ')) {
            let title = rest.trim().trim_end_matches('#').trim();
            if !title.is_empty() {
                body.push_str(&format!("**{title}**"));
            }
        } else {
            body.push_str(line);
        }
        body.push('\n');
    }
    let t = Text {
        value: body,
        generated: t.generated,
    };
    format!(
        "{}{}\n\n",
        t.value.trim_end(),
        if t.generated { " _(generated)_" } else { "" }
    )
}

/// Prose in a table cell, with the generated marker.
pub(crate) fn text_cell(t: &Option<Text>) -> String {
    match t {
        Some(t) => format!(
            "{}{}",
            cell(&t.value),
            if t.generated { " _(generated)_" } else { "" }
        ),
        None => String::new(),
    }
}

/// A fenced code block whose fence is longer than any backtick run inside.
pub(crate) fn fenced(lang: &str, body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{lang}\n{}\n{fence}\n\n", body.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_in_prose_are_demoted() {
        let t =
            Text::authored("Intro\n\n## Details ##\n```\n# not a heading\n```\n#hashtag").unwrap();
        assert_eq!(
            text_block(&t),
            "Intro\n\n**Details**\n```\n# not a heading\n```\n#hashtag\n\n"
        );
        assert_eq!(text_block(&Text::generated("x")), "x _(generated)_\n\n");
    }

    #[test]
    fn cells_and_code_are_escaped() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
        assert_eq!(code("x"), "`x`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(fenced("json", "```\n"), "````json\n```\n````\n\n");
    }
}
