//! The page shell and the small formatting helpers every page uses. Everything that comes from
//! data (team and service names, messages, errors, findings) goes through [`escape`].

use super::session::Viewer;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use specdoc_core::UnixMillis;

/// The monitor's own pages load only their stylesheet and script, post forms only to
/// themselves, and cannot be framed.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// `text` safe to place in HTML content and in quoted attribute values: the docs engine's
/// escaping, so both escape the same characters the same way.
pub(crate) use specdoc_docs::html::escape;

/// `text` as a URL query value (RFC 3986 unreserved characters kept, the rest %-encoded).
pub(crate) fn query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A whole page: `main` inside the shell with the navigation (`active` names the current
/// section) and, when someone is logged in, who they are and a logout button.
pub(crate) fn document(title: &str, viewer: Option<&Viewer>, active: &str, main: &str) -> Response {
    let nav = [("/", "Overview"), ("/jobs", "Jobs"), ("/teams", "Teams")]
        .iter()
        .map(|(href, label)| {
            let current = if *label == active {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!("<a href=\"{href}\"{current}>{label}</a>")
        })
        .collect::<String>();
    let who = match viewer {
        Some(viewer) => format!(
            "<div class=\"who\"><span>{}</span><form method=\"post\" action=\"/logout\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">Log out</button>\
             </form></div>",
            escape(&viewer.label()),
            viewer.csrf()
        ),
        None => String::new(),
    };
    let nav = if viewer.is_some() {
        format!("<nav aria-label=\"Main\">{nav}</nav>")
    } else {
        String::new()
    };
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · specdoc monitor</title><link rel=\"icon\" href=\"data:,\">\
         <link rel=\"stylesheet\" href=\"/assets/monitor.css\">\
         <script src=\"/assets/monitor.js\" defer></script></head>\
         <body><a class=\"skip\" href=\"#main\">Skip to content</a>\
         <header class=\"top\"><a class=\"brand\" href=\"/\">specdoc <span>monitor</span></a>{nav}{who}</header>\
         <main id=\"main\">{main}</main></body></html>\n",
        title = escape(title)
    );
    html_response(body)
}

/// An HTML body with the monitor's security headers.
pub(crate) fn html_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "same-origin"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
pub(crate) fn datetime(millis: UnixMillis) -> String {
    format!(
        "{} {}",
        specdoc_store::date_of_day(specdoc_store::day_of(millis)),
        clock(millis)
    )
}

/// `HH:MM:SS` in UTC.
pub(crate) fn clock(millis: UnixMillis) -> String {
    let seconds = millis.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// A `<time>` element for an instant.
pub(crate) fn time(millis: UnixMillis) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        specdoc_core::timestamp(millis).seconds,
        datetime(millis)
    )
}

/// A duration for people: `850 ms`, `12 s`, `3 min 20 s`, `2 h 05 min`.
pub(crate) fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "–".into();
    }
    if seconds < 1.0 {
        return format!("{} ms", (seconds * 1000.0).round());
    }
    let whole = seconds.round() as u64;
    match whole {
        0..=59 => format!("{whole} s"),
        60..=3599 => format!("{} min {:02} s", whole / 60, whole % 60),
        _ => format!("{} h {:02} min", whole / 3600, whole / 60 % 60),
    }
}

/// A job state as a coloured badge (colour plus text, so it never relies on colour alone).
pub(crate) fn state_badge(state: &str) -> String {
    let state = escape(state);
    format!("<span class=\"badge st-{state}\">{state}</span>")
}

/// A job id shortened to its last eight characters (the random end: the start of a UUIDv7 is
/// its creation time, the same for jobs submitted together), linked to its page, with the
/// full id as its title.
pub(crate) fn job_link(id: &str) -> String {
    let id = escape(id);
    let short = id.get(id.len().saturating_sub(8)..).unwrap_or(&id);
    format!("<a class=\"mono\" href=\"/jobs/{id}\" title=\"{id}\">…{short}</a>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_data_is_inert() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(query_value("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn times_and_durations_read_naturally() {
        assert_eq!(datetime(86_400_000 + 3_723_000), "1970-01-02 01:02:03");
        assert_eq!(duration(0.25), "250 ms");
        assert_eq!(duration(42.4), "42 s");
        assert_eq!(duration(200.0), "3 min 20 s");
        assert_eq!(duration(7500.0), "2 h 05 min");
        assert_eq!(duration(f64::NAN), "–");
    }
}
