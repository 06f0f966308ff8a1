//! HTML for the page's overview parts: header (title, version, description, contact, licence),
//! servers, authentication schemes and the quality section.

use super::{Page, esc, link, prose, rich_block, rich_inline};
use crate::score::Score;

impl Page<'_> {
    pub(super) fn header(&self, out: &mut String) {
        let spec = self.spec;
        out.push_str(&format!(
            "<header id=\"overview\">\n<h1>{}</h1>\n<p class=\"muted\">",
            esc(&spec.title)
        ));
        if !spec.api_version.is_empty() {
            out.push_str(&format!(
                "Version <code>{}</code> · ",
                esc(&spec.api_version)
            ));
        }
        out.push_str(&format!(
            "{} <code>{}</code></p>\n",
            spec.format.label(),
            esc(&spec.version)
        ));
        if let Some(s) = &spec.summary {
            out.push_str(&format!("<p><em>{}</em></p>\n", esc(s)));
        }
        if let Some(d) = &spec.description {
            out.push_str(&prose(d));
        }
        let mut facts = Vec::new();
        if let Some(t) = &spec.terms_of_service {
            facts.push(format!("<li>Terms of service: {}</li>", link(t)));
        }
        if let Some(c) = &spec.contact {
            let mut parts = Vec::new();
            if let Some(n) = &c.name {
                parts.push(esc(n));
            }
            if let Some(e) = &c.email {
                parts.push(format!(
                    "<a href=\"mailto:{}\" rel=\"{}\">{}</a>",
                    esc(e.trim()),
                    super::rich::LINK_REL,
                    esc(e)
                ));
            }
            if let Some(u) = &c.url {
                parts.push(link(u));
            }
            facts.push(format!("<li>Contact: {}</li>", parts.join(", ")));
        }
        if let Some(l) = &spec.license {
            let mut s = format!("<li>License: {}", esc(&l.name));
            if let Some(u) = &l.url {
                s.push_str(&format!(" ({})", link(u)));
            } else if let Some(id) = &l.identifier {
                s.push_str(&format!(" (<code>{}</code>)", esc(id)));
            }
            s.push_str("</li>");
            facts.push(s);
        }
        if let Some(u) = &spec.external_docs {
            facts.push(format!("<li>More documentation: {}</li>", link(u)));
        }
        if !facts.is_empty() {
            out.push_str(&format!("<ul>{}</ul>\n", facts.join("")));
        }
        out.push_str("</header>\n");
    }

    pub(super) fn servers(&self, out: &mut String) {
        out.push_str("<section id=\"servers\">\n<h2>Servers</h2>\n");
        if self.spec.servers.is_empty() {
            out.push_str("<p class=\"muted\">No server is declared; paths are relative to where the API is hosted.</p>\n");
        } else {
            out.push_str(
                "<table><thead><tr><th>URL</th><th>Description</th></tr></thead><tbody>\n",
            );
            for s in &self.spec.servers {
                let mut d = rich_inline(s.description.as_deref().unwrap_or(""));
                for v in &s.variables {
                    let vals: Vec<String> = v
                        .enum_values
                        .iter()
                        .map(|e| format!("<code>{}</code>", esc(e)))
                        .collect();
                    d.push_str(&format!(
                        "<br><code>{{{}}}</code> default <code>{}</code>{}{}",
                        esc(&v.name),
                        esc(&v.default),
                        if vals.is_empty() {
                            String::new()
                        } else {
                            format!(", one of {}", vals.join(", "))
                        },
                        v.description
                            .as_deref()
                            .map(|x| format!(" — {}", rich_inline(x)))
                            .unwrap_or_default()
                    ));
                }
                out.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{d}</td></tr>\n",
                    esc(&s.url)
                ));
            }
            out.push_str("</tbody></table>\n");
        }
        out.push_str("</section>\n");
    }

    pub(super) fn authentication(&self, out: &mut String) {
        if self.spec.security_schemes.is_empty() {
            return;
        }
        out.push_str("<section id=\"authentication\">\n<h2>Authentication</h2>\n");
        for s in &self.spec.security_schemes {
            let id = self.ids.schemes.get(&s.name).map_or("", String::as_str);
            out.push_str(&format!(
                "<div class=\"scheme\" id=\"{id}\">\n<h3>{}</h3>\n<table><tbody>\n",
                esc(&s.name)
            ));
            let mut row =
                |k: &str, v: String| out.push_str(&format!("<tr><th>{k}</th><td>{v}</td></tr>\n"));
            row("Type", format!("<code>{}</code>", esc(&s.kind)));
            if let Some(x) = &s.scheme {
                row("Scheme", format!("<code>{}</code>", esc(x)));
            }
            if let Some(x) = &s.bearer_format {
                row("Bearer format", format!("<code>{}</code>", esc(x)));
            }
            if let (Some(l), Some(n)) = (&s.location, &s.param_name) {
                row("Sent in", format!("{} <code>{}</code>", esc(l), esc(n)));
            }
            if let Some(x) = &s.open_id_connect_url {
                row("OpenID Connect URL", format!("<code>{}</code>", esc(x)));
            }
            for f in &s.flows {
                let mut parts = Vec::new();
                for (label, url) in [
                    ("authorize", &f.authorization_url),
                    ("token", &f.token_url),
                    ("refresh", &f.refresh_url),
                ] {
                    if let Some(u) = url {
                        parts.push(format!("{label}: <code>{}</code>", esc(u)));
                    }
                }
                for (k, v) in &f.scopes {
                    parts.push(format!("scope <code>{}</code> {}", esc(k), rich_inline(v)));
                }
                row(
                    "OAuth 2 flow",
                    format!("<code>{}</code><br>{}", esc(&f.kind), parts.join("<br>")),
                );
            }
            out.push_str("</tbody></table>\n");
            if let Some(d) = &s.description {
                out.push_str(&rich_block(d));
            }
            out.push_str("</div>\n");
        }
        out.push_str("</section>\n");
    }
}

pub(super) fn quality(out: &mut String, score: &Score) {
    out.push_str(&format!(
        "<section id=\"quality\">\n<h2>Quality</h2>\n<p><span class=\"score\">{}/100</span>",
        score.overall
    ));
    if score.gated() {
        out.push_str(&format!(
            " <span class=\"warn\">capped at {} because the spec has structural errors</span>",
            crate::score::VALIDITY_CAP
        ));
    }
    out.push_str("</p>\n<table><thead><tr><th>Category</th><th>Weight</th><th>Score</th><th>Detail</th></tr></thead><tbody>\n");
    for c in &score.categories {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&c.category),
            c.weight,
            c.score,
            esc(&c.detail)
        ));
    }
    out.push_str("</tbody></table>\n");
    if !score.findings.is_empty() {
        let shown = score.findings.len().min(50);
        out.push_str(&format!("<details><summary>Findings ({shown} of {})</summary>\n<table><thead><tr><th>Severity</th><th>Rule</th><th>Location</th><th>Message</th></tr></thead><tbody>\n", score.findings.len()));
        for f in score.findings.iter().take(shown) {
            out.push_str(&format!(
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>\n",
                f.severity.as_str(),
                esc(&f.rule_id),
                esc(&f.pointer),
                esc(&f.message)
            ));
        }
        out.push_str("</tbody></table></details>\n");
    }
    out.push_str("</section>\n");
}
