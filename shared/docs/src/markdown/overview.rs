//! Markdown for the document's overview parts: header (title, version, description, contact,
//! licence), table of contents, servers, authentication schemes and the quality section.

use super::{Doc, cell, code, heading, inline, link_text, text_block};
use crate::score::Score;

/// How many findings the quality section lists.
const TOP_FINDINGS: usize = 20;

impl Doc<'_> {
    pub(super) fn header(&self, out: &mut String) {
        let spec = self.spec;
        out.push_str(&format!("# {}\n\n", heading(&spec.title)));
        let mut meta = Vec::new();
        if !spec.api_version.is_empty() {
            meta.push(format!("**Version:** {}", inline(&spec.api_version)));
        }
        meta.push(format!(
            "**Spec:** {} (`{}`)",
            spec.format.label(),
            inline(&spec.version)
        ));
        out.push_str(&meta.join(" · "));
        out.push_str("\n\n");
        if let Some(s) = &spec.summary {
            out.push_str(&format!("_{}_\n\n", inline(s)));
        }
        if let Some(d) = &spec.description {
            out.push_str(&text_block(d));
        }
        let mut facts = Vec::new();
        if let Some(t) = &spec.terms_of_service {
            facts.push(format!("- **Terms of service:** <{}>", inline(t)));
        }
        if let Some(c) = &spec.contact {
            let parts: Vec<String> = [&c.name, &c.email, &c.url]
                .into_iter()
                .flatten()
                .map(|x| inline(x))
                .collect();
            if !parts.is_empty() {
                facts.push(format!("- **Contact:** {}", parts.join(", ")));
            }
        }
        if let Some(l) = &spec.license {
            let mut s = format!("- **License:** {}", inline(&l.name));
            if let Some(id) = l.identifier.as_ref().or(l.url.as_ref()) {
                s.push_str(&format!(" ({})", inline(id)));
            }
            facts.push(s);
        }
        if let Some(u) = &spec.external_docs {
            facts.push(format!("- **More documentation:** <{}>", inline(u)));
        }
        if !facts.is_empty() {
            out.push_str(&facts.join("\n"));
            out.push_str("\n\n");
        }
    }

    pub(super) fn contents(&self, out: &mut String) {
        let a = &self.anchors;
        out.push_str("## Contents\n\n");
        out.push_str(&format!("- [Servers](#{})\n", a.servers));
        if !a.auth.is_empty() {
            out.push_str(&format!("- [Authentication](#{})\n", a.auth));
        }
        for (gi, (name, ops)) in self.grouping.groups.iter().enumerate() {
            out.push_str(&format!("- [{}](#{})\n", link_text(name), a.groups[gi]));
            for &i in ops {
                let op = &self.spec.operations[i];
                let mut line = format!("  - [{}](#{})", link_text(&op.label()), a.ops[i]);
                if let Some(s) = &op.summary {
                    line.push_str(&format!(" — {}", inline(&s.value)));
                }
                out.push_str(&line);
                out.push('\n');
            }
        }
        if !a.webhooks_section.is_empty() {
            out.push_str(&format!("- [Webhooks](#{})\n", a.webhooks_section));
        }
        if !a.schemas_section.is_empty() {
            out.push_str(&format!(
                "- [Schemas](#{}) ({})\n",
                a.schemas_section,
                self.spec.schemas.len()
            ));
        }
        if !a.quality.is_empty() {
            out.push_str(&format!("- [Quality](#{})\n", a.quality));
        }
        out.push('\n');
    }

    pub(super) fn servers(&self, out: &mut String) {
        out.push_str("## Servers\n\n");
        if self.spec.servers.is_empty() {
            out.push_str(
                "_No server is declared; paths are relative to where the API is hosted._\n\n",
            );
            return;
        }
        out.push_str("| URL | Description |\n|---|---|\n");
        for s in &self.spec.servers {
            out.push_str(&format!(
                "| {} | {} |\n",
                code(&s.url),
                cell(s.description.as_deref().unwrap_or(""))
            ));
        }
        out.push('\n');
        for s in self.spec.servers.iter().filter(|s| !s.variables.is_empty()) {
            out.push_str(&format!("Variables of {}:\n\n| Variable | Default | Values | Description |\n|---|---|---|---|\n", code(&s.url)));
            for v in &s.variables {
                let values: Vec<String> = v.enum_values.iter().map(|e| code(e)).collect();
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    code(&v.name),
                    code(&v.default),
                    cell(&values.join(", ")),
                    cell(v.description.as_deref().unwrap_or(""))
                ));
            }
            out.push('\n');
        }
    }

    pub(super) fn authentication(&self, out: &mut String) {
        if self.spec.security_schemes.is_empty() {
            return;
        }
        out.push_str("## Authentication\n\n");
        for s in &self.spec.security_schemes {
            out.push_str(&format!("### {}\n\n", heading(&s.name)));
            let mut rows = vec![("Type", code(&s.kind))];
            if let Some(x) = &s.scheme {
                rows.push(("Scheme", code(x)));
            }
            if let Some(x) = &s.bearer_format {
                rows.push(("Bearer format", code(x)));
            }
            if let (Some(loc), Some(name)) = (&s.location, &s.param_name) {
                rows.push(("Sent in", format!("{} {}", inline(loc), code(name))));
            }
            if let Some(x) = &s.open_id_connect_url {
                rows.push(("OpenID Connect URL", code(x)));
            }
            for f in &s.flows {
                let mut parts = Vec::new();
                for (label, url) in [
                    ("authorize", &f.authorization_url),
                    ("token", &f.token_url),
                    ("refresh", &f.refresh_url),
                ] {
                    if let Some(u) = url {
                        parts.push(format!("{label}: {}", code(u)));
                    }
                }
                let scopes: Vec<String> = f
                    .scopes
                    .iter()
                    .map(|(k, v)| format!("{} {}", code(k), inline(v)))
                    .collect();
                if !scopes.is_empty() {
                    parts.push(format!("scopes: {}", scopes.join("; ")));
                }
                rows.push((
                    "OAuth 2 flow",
                    format!("{} — {}", code(&f.kind), parts.join(", ")),
                ));
            }
            out.push_str("| | |\n|---|---|\n");
            for (k, v) in rows {
                out.push_str(&format!("| {k} | {} |\n", cell(&v)));
            }
            out.push('\n');
            if let Some(d) = &s.description {
                out.push_str(&format!("{}\n\n", d.trim()));
            }
        }
    }
}

pub(super) fn quality(out: &mut String, score: &Score) {
    out.push_str("## Quality\n\n");
    out.push_str(&format!("**Overall score: {}/100**", score.overall));
    if score.gated() {
        out.push_str(&format!(
            " (capped at {} because the spec has structural errors)",
            crate::score::VALIDITY_CAP
        ));
    }
    out.push_str("\n\n| Category | Weight | Score | Detail |\n|---|---:|---:|---|\n");
    for c in &score.categories {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&c.category),
            c.weight,
            c.score,
            cell(&c.detail)
        ));
    }
    out.push('\n');
    if score.findings.is_empty() {
        return;
    }
    let shown = score.findings.len().min(TOP_FINDINGS);
    out.push_str(&format!(
        "Top findings ({shown} of {}):\n\n",
        score.findings.len()
    ));
    out.push_str("| Severity | Rule | Location | Message |\n|---|---|---|---|\n");
    for f in score.findings.iter().take(TOP_FINDINGS) {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            f.severity.as_str(),
            code(&f.rule_id),
            code(&f.pointer),
            cell(&f.message)
        ));
    }
    out.push('\n');
}
