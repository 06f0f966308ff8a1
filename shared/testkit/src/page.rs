//! Reading an HTML page the way a browser would, for the injection tests (the docs engine's and
//! the end-to-end hostile corpus): its tags (outside our own `<style>`/`<script>` raw text), each
//! tag's attributes, and the scheme a URL attribute resolves to.

/// The tags of an HTML page outside our own `<style>` and `<script>` elements.
pub fn tags(page: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find('<') {
        let after = &rest[i..];
        let end = after.find('>').map_or(after.len(), |e| e + 1);
        out.push(&after[..end]);
        rest = &after[end..];
        for raw in ["<style>", "<script>"] {
            if out.last() == Some(&raw) {
                let close = if raw == "<style>" {
                    "</style>"
                } else {
                    "</script>"
                };
                let j = rest.find(close).expect("raw text element closes");
                rest = &rest[j..];
            }
        }
    }
    out
}

/// Attribute names (lower case) and raw values of one tag, as a browser would split them.
pub fn attributes(tag: &str) -> Vec<(String, String)> {
    let inner = tag
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_end_matches('/');
    let b = inner.as_bytes();
    let mut i = b
        .iter()
        .position(|c| c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let mut out = Vec::new();
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' {
            i += 1;
        }
        let name = inner[start..i].to_ascii_lowercase();
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vstart = i + 1;
                i = vstart;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = inner[vstart..i.min(b.len())].to_string();
                i += 1;
            } else {
                let vstart = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = inner[vstart..i].to_string();
            }
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
    out
}

/// An attribute value as the browser sees it: character references decoded (numeric ones and
/// the few named ones our escaper and the sanitiser write).
pub fn decode_entities(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let num = name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .map(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').map(|d| d.parse().ok()))
                .map(|n| n.and_then(char::from_u32));
            match num {
                Some(c) => c,
                None => match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "colon" => Some(':'),
                    "Tab" => Some('\t'),
                    "NewLine" => Some('\n'),
                    _ => None,
                },
            }
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The scheme of a URL attribute as a browser resolves it (entities decoded, tabs, newlines
/// and leading control characters or spaces dropped), lower case; `None` for relative URLs.
pub fn url_scheme(value: &str) -> Option<String> {
    let v: String = decode_entities(value)
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let v = v.trim_start_matches(|c: char| c <= ' ');
    let colon = v.find(':')?;
    let scheme = &v[..colon];
    (!scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| scheme.to_ascii_lowercase())
}

/// Why a rendered page is unsafe, or `None` when it is inert: script beyond the page's own
/// single `<script>`, frames, objects, event-handler attributes, or `href`/`src`-like URLs with
/// a scheme other than http, https or mailto (`javascript:`, `data:`, `vbscript:`).
pub fn unsafe_html(page: &str) -> Option<String> {
    let lower = page.to_ascii_lowercase();
    if lower.matches("<script").count() > 1 || lower.matches("</script").count() > 1 {
        return Some("a <script> beyond the page's own".into());
    }
    for tag in [
        "<iframe", "<frame", "<object", "<embed", "<base", "<svg", "<img",
    ] {
        if lower.contains(tag) {
            return Some(format!("a {tag} element"));
        }
    }
    for tag in tags(page) {
        for (name, value) in attributes(tag) {
            if name.starts_with("on") {
                return Some(format!("event handler attribute in {tag}"));
            }
            if matches!(
                name.as_str(),
                "href" | "src" | "srcset" | "action" | "formaction" | "xlink:href"
            ) && !matches!(
                url_scheme(&value).as_deref(),
                None | Some("http" | "https" | "mailto")
            ) {
                return Some(format!("dangerous URL in {tag}"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::unsafe_html;

    #[test]
    fn unsafe_html_finds_what_a_browser_would_run() {
        let own = "<html><head><script>filter()</script></head><body>\
                   <a href=\"https://x.dev\">x</a> &lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1)</body></html>";
        assert_eq!(
            unsafe_html(own),
            None,
            "escaped text and our own script are inert"
        );
        for (page, says) in [
            (format!("{own}<script>alert(1)</script>"), "<script>"),
            (format!("{own}<p onclick=alert(1)>x</p>"), "event handler"),
            (
                format!("{own}<a href=\"&#106;avascript:alert(1)\">x</a>"),
                "dangerous URL",
            ),
            (
                format!("{own}<a href=\" data:text/html,x\">x</a>"),
                "dangerous URL",
            ),
            (format!("{own}<iframe src=x></iframe>"), "<iframe"),
            (format!("{own}<IMG SRC=x>"), "<img"),
        ] {
            let problem = unsafe_html(&page).unwrap_or_else(|| panic!("missed in {page}"));
            assert!(problem.contains(says), "{problem}");
        }
    }
}
