//! Rich text for the HTML page: spec descriptions are CommonMark, so they are rendered with
//! pulldown-cmark and then cleaned by an allowlist sanitiser (ammonia). Whatever the spec holds,
//! the result has no script, no event handlers, no style, no frames or embedded objects, no
//! images (the page loads nothing external), and links only to `http`, `https`, `mailto` or
//! relative/fragment URLs, each with `rel="noopener noreferrer nofollow"`. The sanitiser also
//! balances tags, so spec text cannot close the page's own elements. Generated text goes through
//! the same path.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The `rel` every sanitised link carries.
pub(crate) const LINK_REL: &str = "noopener noreferrer nofollow";

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    // The page references nothing external (the CSP would block it anyway), and image maps
    // carry links of their own.
    b.rm_tags(["img", "area", "map"]);
    b.url_schemes(HashSet::from(["http", "https", "mailto"]));
    b.link_rel(Some(LINK_REL));
    b
});

/// CommonMark → sanitised HTML blocks (paragraphs, lists, code, tables...).
///
/// Text that uses only Markdown's own formatting (no raw HTML, links, images, tables, task
/// lists or fenced-code info strings) cannot carry markup, attributes or URLs from the spec:
/// pulldown-cmark escapes all of its text and writes only plain tags. Such text skips the
/// sanitiser, which is the costly step on big specs (Microsoft Graph has tens of thousands of
/// one-line descriptions); everything else goes through it.
pub(crate) fn block(markdown: &str) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options())
        .map(|e| literal_unknown_tags(demote_headings(e)))
        .collect();
    let needs_sanitiser = events.iter().any(|e| {
        matches!(
            e,
            Event::Html(_)
                | Event::InlineHtml(_)
                | Event::TaskListMarker(_)
                | Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::Table(_))
                | Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_)))
        )
    });
    let mut raw = String::with_capacity(markdown.len() + markdown.len() / 4 + 16);
    pulldown_cmark::html::push_html(&mut raw, events.into_iter());
    if needs_sanitiser {
        SANITIZER.clean(&raw).to_string()
    } else {
        raw
    }
}

/// CommonMark → sanitised HTML for a table cell or a line: a lone paragraph loses its `<p>`.
pub(crate) fn inline(markdown: &str) -> String {
    let html = block(markdown);
    let t = html.trim_end();
    if let Some(inner) = t.strip_prefix("<p>").and_then(|x| x.strip_suffix("</p>"))
        && !inner.contains("<p>")
    {
        return inner.to_string();
    }
    t.to_string()
}

/// Tags a description may use; any other tag-like text (`<id>`, `<script>`, `<T>`) is shown
/// literally, as its author most likely meant, instead of vanishing in the sanitiser. (The
/// sanitiser still cleans whatever is kept.)
const KNOWN_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

fn literal_unknown_tags(e: Event<'_>) -> Event<'_> {
    match e {
        Event::Html(h) if !is_known(&h) => Event::Text(h),
        Event::InlineHtml(h) if !is_known(&h) => Event::Text(h),
        other => other,
    }
}

fn is_known(html: &str) -> bool {
    let t = html.trim_start();
    if t.starts_with("<!--") {
        return true;
    }
    let name: String = t
        .strip_prefix('<')
        .map(|r| r.strip_prefix('/').unwrap_or(r))
        .unwrap_or("")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    KNOWN_TAGS.contains(&name.as_str())
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Headings inside a description sit below the page's own `h3` (operation/schema) headings.
fn demote_headings(e: Event<'_>) -> Event<'_> {
    match e {
        Event::Start(Tag::Heading {
            level,
            id: _,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: demote(level),
            id: None,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(demote(level))),
        other => other,
    }
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H4,
        HeadingLevel::H2 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered() {
        assert_eq!(
            block("Some **bold** and `code`.\n\n- one\n- two"),
            "<p>Some <strong>bold</strong> and <code>code</code>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        );
        assert_eq!(inline("a *b*"), "a <em>b</em>");
        assert_eq!(inline("a\n\nb"), "<p>a</p>\n<p>b</p>");
        assert_eq!(
            inline("[docs](https://x.dev/a?b=1&c=2)"),
            format!("<a href=\"https://x.dev/a?b=1&amp;c=2\" rel=\"{LINK_REL}\">docs</a>")
        );
        assert_eq!(block("# Title"), "<h4>Title</h4>\n");
        assert_eq!(inline("1 < 2 & 3"), "1 &lt; 2 &amp; 3");
        assert_eq!(inline("use <name> here"), "use &lt;name&gt; here");
        assert_eq!(inline("<b>bold</b>"), "<b>bold</b>");
    }

    /// Every tag in sanitised output: (name, attributes as written).
    fn tags(html: &str) -> Vec<(String, String)> {
        html.split('<')
            .skip(1)
            .map(|t| {
                let t = &t[..t.find('>').unwrap_or(t.len())];
                let name: String = t
                    .trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                let attrs = t.trim_start_matches('/')[name.len()..].to_string();
                (name.to_ascii_lowercase(), attrs)
            })
            .collect()
    }

    #[test]
    fn plain_markdown_has_no_attributes_even_unsanitised() {
        for input in [
            "*a* **b** `c` ~~d~~\n\n- e\n- f\n\n1. g\n\n> h\n\n    code\n\n# i\n\n---",
            "&#106;avascript:alert(1) &lt;script&gt; &amp; \\<b\\>",
            "a\\\nb  \nc",
        ] {
            let out = block(input);
            for (name, attrs) in tags(&out) {
                assert!(KNOWN_TAGS.contains(&name.as_str()), "{input} → {out}");
                assert!(
                    attrs.trim().trim_end_matches('/').is_empty(),
                    "{input} → {out}"
                );
            }
        }
        // Fenced code with an info string and tables carry attributes: sanitised.
        assert_eq!(block("```rust\nx\n```"), "<pre><code>x\n</code></pre>\n");
        assert!(!block("| a |\n|:-:|\n| b |").contains("style"));
    }

    #[test]
    fn dangerous_html_and_urls_are_inert() {
        for input in [
            "<script>alert(1)</script>x",
            "<div><script>alert(1)</script></div>",
            "<img src=x onerror=alert(1)>",
            "[a](javascript:alert(1))",
            "<a href=\"JaVaScRiPt:alert(1)\">a</a>",
            "<a href=\"&#106;avascript:alert(1)\">a</a>",
            "<a href=\" javascript:alert(1)\">a</a>",
            "[a](data:text/html;base64,PHNjcmlwdD4=)",
            "![x](https://evil.example/track.png)",
            "<iframe src=\"https://evil\"></iframe>",
            "<p style=\"position:fixed\">x</p>",
            "<div onclick=\"alert(1)\">x</div>",
            "<b onmouseover=alert(1)>x</b>",
            "<svg onload=alert(1)>",
            "<form action=\"https://evil\"><input></form>",
            "<object data=\"x\"></object><embed src=\"x\">",
            "<meta http-equiv=\"refresh\" content=\"0\">",
            "<style>*{}</style>",
            "<div>\n</td></tr></table></main><script>alert(1)</script>\n</div>",
            "<a id=\"main\" name=\"x\" class=\"op\" href=\"#ok\">a</a>",
        ] {
            let out = block(input);
            for (name, attrs) in tags(&out) {
                assert!(KNOWN_TAGS.contains(&name.as_str()), "{input} → {out}");
                let attrs = attrs.to_ascii_lowercase();
                for bad in [
                    " on",
                    "style",
                    "src",
                    "id=",
                    "class=",
                    "javascript",
                    "data:",
                ] {
                    assert!(!attrs.contains(bad), "{input} → {out}");
                }
                if name == "a" && attrs.contains("href") {
                    assert!(attrs.contains(&format!("rel=\"{LINK_REL}\"")), "{out}");
                }
            }
            // Nothing outside the allowlist survives as markup, not even balanced away.
            assert!(!out.contains("</main"), "{input} → {out}");
        }
        // Scripts and unknown tags are shown as text, so the reader sees what the spec says.
        assert_eq!(
            inline("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            inline("[a](javascript:alert(1))"),
            "<a rel=\"noopener noreferrer nofollow\">a</a>"
        );
    }
}
