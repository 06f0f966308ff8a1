//! The model's output is untrusted. This module reads a chat-completions response body, takes
//! the answer's JSON object apart, keeps only the string values of ids that were asked for,
//! and cleans each text: control and invisible formatting characters go, summaries become one
//! line, and every text is capped ([`SUMMARY_MAX_CHARS`], [`DESCRIPTION_MAX_CHARS`]).
//!
//! Anything else (no JSON, an array, only unknown ids or non-string values) is
//! [`Unusable`]. A partly valid object still yields its valid texts. Markup is left to the
//! renderers: the HTML renderer sends generated text through the same sanitiser as authored
//! text, so a `<script>` the model was talked into writing shows as text, never as a tag.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// Longest summary kept, in characters.
pub const SUMMARY_MAX_CHARS: usize = 120;
/// Longest description kept, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 2000;

/// What kind of text an id asks for, which decides how it is cleaned and capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line, at most [`SUMMARY_MAX_CHARS`].
    Summary,
    /// CommonMark paragraphs, at most [`DESCRIPTION_MAX_CHARS`].
    Description,
}

/// Why an answer cannot be used. The wording is user-facing (it ends up in job events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    /// The HTTP body is not a chat-completions response.
    #[error("not a chat completion")]
    NotCompletion,
    /// The body is larger than any answer to one batch could be.
    #[error("too large")]
    TooLarge,
    /// The completion has no text (e.g. a refusal or an empty choice list).
    #[error("no answer text")]
    Empty,
    /// The model stopped at the token limit before finishing the JSON.
    #[error("cut off at the token limit")]
    Truncated,
    /// The text is not a JSON object.
    #[error("not the requested JSON")]
    NotJson,
    /// A JSON object, but without one usable text for the ids asked.
    #[error("no usable text for the requested ids")]
    NothingUsable,
}

/// The parts of a chat-completions response the writer reads.
#[derive(Debug, Deserialize)]
pub(crate) struct Completion {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    message: Message,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Message {
    #[serde(default)]
    content: Option<String>,
}

/// Token counts as the server reports them.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub(crate) struct Usage {
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    #[serde(default)]
    pub total_tokens: Option<u64>,
}

/// A response body taken apart: the answer text (or why there is none) and the usage.
pub(crate) struct Reply {
    pub content: Result<String, Unusable>,
    pub usage: Usage,
}

/// Reads a chat-completions response body.
pub(crate) fn completion(body: &[u8]) -> Reply {
    let Ok(c) = serde_json::from_slice::<Completion>(body) else {
        return Reply {
            content: Err(Unusable::NotCompletion),
            usage: Usage::default(),
        };
    };
    let usage = c.usage.unwrap_or_default();
    let content = match c.choices.into_iter().next() {
        Some(Choice {
            message: Message {
                content: Some(text),
            },
            finish_reason,
        }) if !text.trim().is_empty() => {
            // A reply stopped at the token limit is still fine if its object is complete.
            if finish_reason.as_deref() == Some("length") && object(&text).is_err() {
                Err(Unusable::Truncated)
            } else {
                Ok(text)
            }
        }
        _ => Err(Unusable::Empty),
    };
    Reply { content, usage }
}

/// The texts of `content` for the ids `kind_of` knows, cleaned and capped. Unknown ids are
/// ignored and non-string or blank values dropped; an answer with nothing left is unusable.
pub fn texts(
    content: &str,
    kind_of: impl Fn(&str) -> Option<Kind>,
) -> Result<BTreeMap<String, String>, Unusable> {
    let map = object(content)?;
    let mut out = BTreeMap::new();
    for (id, value) in map {
        let (Some(kind), Value::String(raw)) = (kind_of(&id), value) else {
            continue;
        };
        if let Some(text) = clean(kind, &raw) {
            out.insert(id, text);
        }
    }
    if out.is_empty() {
        return Err(Unusable::NothingUsable);
    }
    Ok(out)
}

/// The JSON object in `content`; a Markdown code fence around it (which models add when the
/// server has no JSON mode) is tolerated.
fn object(content: &str) -> Result<serde_json::Map<String, Value>, Unusable> {
    let mut s = content.trim();
    if let Some(rest) = s.strip_prefix("```") {
        // Drop the info string line (```json) and the closing fence.
        s = rest.split_once('\n').map_or("", |(_, body)| body);
        s = s.trim_end().strip_suffix("```").unwrap_or(s).trim();
    }
    serde_json::from_str(s).map_err(|_| Unusable::NotJson)
}

/// Cleans one text: control and invisible formatting characters removed, whitespace tidied
/// (one line for summaries), and capped. `None` when nothing is left.
pub fn clean(kind: Kind, raw: &str) -> Option<String> {
    let visible: String = raw
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() || is_invisible(c) => None,
            c => Some(c),
        })
        .collect();
    let (tidy, max) = match kind {
        Kind::Summary => (
            visible.split_whitespace().collect::<Vec<_>>().join(" "),
            SUMMARY_MAX_CHARS,
        ),
        Kind::Description => (paragraphs(&visible), DESCRIPTION_MAX_CHARS),
    };
    let capped = cap(&tidy, max);
    (!capped.is_empty()).then_some(capped)
}

/// Zero-width and bidirectional formatting characters, which can hide or reorder text.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Trailing spaces trimmed per line and runs of blank lines folded into one.
fn paragraphs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

/// At most `max` characters; a longer text is cut at a word boundary and ends with "…".
fn cap(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max.saturating_sub(1)).collect();
    let cut = match head.rfind(char::is_whitespace) {
        Some(i) if i > head.len() / 2 => &head[..i],
        _ => &head,
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(id: &str) -> Option<Kind> {
        match id {
            "op1.summary" => Some(Kind::Summary),
            "op1.description" | "s1" => Some(Kind::Description),
            _ => None,
        }
    }

    #[test]
    fn keeps_known_string_values_only() {
        let got = texts(
            r#"{"op1.summary": "List pets", "s1": 5, "other": "x", "op1.description": "  "}"#,
            kinds,
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got["op1.summary"], "List pets");
    }

    #[test]
    fn rejects_what_is_not_the_requested_object() {
        assert_eq!(texts("Sure! Here you go.", kinds), Err(Unusable::NotJson));
        assert_eq!(texts(r#"["List pets"]"#, kinds), Err(Unusable::NotJson));
        assert_eq!(
            texts(r#"{"texts": {"op1.summary": "x"}}"#, kinds),
            Err(Unusable::NothingUsable)
        );
    }

    #[test]
    fn tolerates_a_code_fence() {
        let got = texts("```json\n{\"s1\": \"A pet.\"}\n```", kinds).unwrap();
        assert_eq!(got["s1"], "A pet.");
    }

    #[test]
    fn cleans_and_caps() {
        assert_eq!(
            clean(Kind::Summary, "List\u{0}  all\n pets\u{202E}").as_deref(),
            Some("List all pets")
        );
        assert_eq!(
            clean(Kind::Description, "One.\r\n\n\n\nTwo.\u{7}  ").as_deref(),
            Some("One.\n\nTwo.")
        );
        let long = "word ".repeat(100);
        let s = clean(Kind::Summary, &long).unwrap();
        assert!(s.chars().count() <= SUMMARY_MAX_CHARS, "{}", s.len());
        assert!(s.ends_with("word…"), "{s}");
        let d = clean(Kind::Description, &"é".repeat(5000)).unwrap();
        assert_eq!(d.chars().count(), DESCRIPTION_MAX_CHARS);
        assert_eq!(clean(Kind::Summary, "\u{200B}\u{1}"), None);
    }

    #[test]
    fn reads_completions() {
        let ok = completion(
            br#"{"choices":[{"message":{"role":"assistant","content":"{\"s1\":\"x\"}"},"finish_reason":"stop"}],"usage":{"total_tokens":42}}"#,
        );
        assert_eq!(ok.content.unwrap(), r#"{"s1":"x"}"#);
        assert_eq!(ok.usage.total_tokens, Some(42));
        let cut = completion(
            br#"{"choices":[{"message":{"content":"{\"s1\":\"x"},"finish_reason":"length"}]}"#,
        );
        assert_eq!(cut.content.err(), Some(Unusable::Truncated));
        let refusal = completion(br#"{"choices":[{"message":{"content":null,"refusal":"no"}}]}"#);
        assert_eq!(refusal.content.err(), Some(Unusable::Empty));
        let html = completion(b"<html>Bad gateway</html>");
        assert_eq!(html.content.err(), Some(Unusable::NotCompletion));
    }
}
