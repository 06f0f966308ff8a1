//! `format` and `pattern` checks for example validation ([`super::validate`]). Formats are
//! small strict hand checks (std parses the IP addresses) rather than a format crate: date,
//! date-time (RFC 3339), duration (ISO 8601), email, uuid, uri, ipv4, ipv6, json-pointer, int32
//! and int64; any other format is accepted, as JSON Schema asks. Patterns are compiled with the
//! `regex` crate, which matches in linear time, so a hostile pattern cannot stall scoring; its
//! length, compiled size and the number of distinct patterns are capped too, and a pattern past
//! a cap or outside Rust's regex syntax (look-around, back-references) is not checked.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use regex::{Regex, RegexBuilder};
use serde_json::{Number, Value};

/// Longer patterns are not checked.
const MAX_PATTERN_LEN: usize = 1_000;
/// Compiled size cap per pattern (the `regex` crate's `size_limit`), in bytes.
const MAX_COMPILED: usize = 256 * 1024;
/// At most this many distinct patterns are compiled per score; later new ones are not checked,
/// which bounds both memory and compile time whatever the spec holds.
const MAX_PATTERNS: usize = 1_024;

/// Why `v` breaks `format`, e.g. "is not a valid date-time"; `None` when it fits, when the
/// format does not apply to the value's JSON type, or when the format is unknown.
pub(super) fn check(format: &str, v: &Value) -> Option<&'static str> {
    let ok = match (format, v) {
        ("int32", Value::Number(n)) => integer(n).is_some_and(|i| i32::try_from(i).is_ok()),
        ("int64", Value::Number(n)) => integer(n).is_some(),
        (_, Value::String(s)) => match format {
            "date" => date(s),
            "date-time" => date_time(s),
            "duration" => duration(s),
            "email" => email(s),
            "uuid" => uuid(s),
            "uri" => uri(s),
            "ipv4" => s.parse::<Ipv4Addr>().is_ok(),
            "ipv6" => s.parse::<Ipv6Addr>().is_ok(),
            "json-pointer" => json_pointer(s),
            _ => true,
        },
        _ => true,
    };
    (!ok).then_some(match format {
        "int32" => "is not an int32 (a whole number from -2^31 to 2^31-1)",
        "int64" => "is not an int64 (a whole number from -2^63 to 2^63-1)",
        "date" => "is not a valid date (RFC 3339 full-date, YYYY-MM-DD)",
        "date-time" => "is not a valid date-time (RFC 3339, e.g. 2024-01-31T12:00:00Z)",
        "duration" => "is not a valid duration (ISO 8601, e.g. P1DT12H)",
        "email" => "is not a valid email address",
        "uuid" => "is not a valid uuid",
        "uri" => "is not a valid absolute URI",
        "ipv4" => "is not a valid IPv4 address",
        "ipv6" => "is not a valid IPv6 address",
        "json-pointer" => "is not a valid JSON pointer (RFC 6901, e.g. /a/b~1c)",
        _ => "does not match its format",
    })
}

/// The number as an `i64` when it is a whole number in range; `None` for fractions and
/// numbers outside `i64`.
fn integer(n: &Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    if n.is_u64() {
        return None; // above i64::MAX
    }
    let f = n.as_f64()?;
    // 2^63 is exactly representable; `as` saturates, so check the range first.
    (f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f))
        .then_some(f as i64)
}

/// A run of ASCII digits as a number.
fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// RFC 3339 full-date: `YYYY-MM-DD`, a real day of a real month.
fn date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (digits(&s[0..4]), digits(&s[5..7]), digits(&s[8..10]))
    else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// RFC 3339 date-time: full-date, `T` (or `t`, or a space as RFC 3339 section 5.6 allows),
/// `HH:MM:SS`, an optional fraction, and a required offset `Z` or `±HH:MM`. A leap second
/// (`:60`) is accepted only in the last minute of an hour, where offsets put real ones.
fn date_time(s: &str) -> bool {
    // Every valid one is ASCII, which also keeps the byte slicing below on char boundaries.
    if !s.is_ascii() || s.len() < 20 {
        return false;
    }
    let (d, rest) = s.split_at(10);
    if !date(d) || !matches!(rest.as_bytes()[0], b'T' | b't' | b' ') {
        return false;
    }
    let rest = &rest[1..];
    let (time, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => return false,
    };
    let (hms, frac) = match time.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (time, None),
    };
    if frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let Some((h, m, sec)) = clock(hms) else {
        return false;
    };
    let time_ok = h <= 23 && m <= 59 && (sec <= 59 || (sec == 60 && m == 59));
    let offset_ok = match offset {
        "Z" | "z" => true,
        o => {
            o.len() == 6 && o.as_bytes()[3] == b':' && {
                let (oh, om) = (digits(&o[1..3]), digits(&o[4..6]));
                oh.is_some_and(|h| h <= 23) && om.is_some_and(|m| m <= 59)
            }
        }
    };
    time_ok && offset_ok
}

/// `HH:MM:SS` as numbers.
fn clock(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    Some((digits(&s[0..2])?, digits(&s[3..5])?, digits(&s[6..8])?))
}

/// ISO 8601 duration as RFC 3339 appendix A has it: `P`, then years, months, days in that order,
/// then `T` and hours, minutes, seconds, each a whole number with its unit and at least one in
/// all, or `PnW` alone. Only the last unit may carry a decimal fraction.
fn duration(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('P') else {
        return false;
    };
    if let Some(weeks) = rest.strip_suffix('W') {
        return number(weeks, true);
    }
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return false,
        None => (rest, None),
    };
    let parts = [(date, "YMD"), (time.unwrap_or(""), "HMS")];
    let mut any = false;
    for (i, (mut part, units)) in parts.into_iter().enumerate() {
        let mut allowed = units;
        while !part.is_empty() {
            let Some(at) = part.find(|c: char| c.is_ascii_alphabetic()) else {
                return false;
            };
            let (n, unit) = (&part[..at], &part[at..at + 1]);
            let Some(pos) = allowed.find(unit) else {
                return false; // unknown or out of order
            };
            part = &part[at + 1..];
            let last = part.is_empty() && (i == 1 || time.is_none());
            if !number(n, last) {
                return false;
            }
            allowed = &allowed[pos + 1..];
            any = true;
        }
    }
    any
}

/// Digits, with a `.`/`,` fraction when `fraction` is allowed.
fn number(s: &str, fraction: bool) -> bool {
    let (whole, frac) = match s.split_once(['.', ',']) {
        Some((w, f)) if fraction => (w, Some(f)),
        Some(_) => return false,
        None => (s, None),
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && frac.is_none_or(digits)
}

/// RFC 6901 JSON pointer: empty, or `/`-separated tokens where `~` only starts `~0` or `~1`.
/// The URI fragment form (`#/a`) is a different format.
fn json_pointer(s: &str) -> bool {
    (s.is_empty() || s.starts_with('/')) && s.split('~').skip(1).all(|t| t.starts_with(['0', '1']))
}

/// A plain address `local@domain`: the local part is dot-separated runs of RFC 5322 `atext`,
/// the domain two or more DNS labels (quoted local parts and address literals are not
/// accepted; they almost never appear in API examples and mostly mean a typo).
fn email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = local
        .split('.')
        .all(|w| !w.is_empty() && w.chars().all(atext));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    local_ok && labels.len() >= 2 && labels.iter().all(label_ok)
}

/// `8-4-4-4-12` hexadecimal digits.
fn uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An absolute URI (RFC 3986): a scheme, `:`, then only characters a URI may hold, with
/// well-formed percent-escapes. Spaces and non-ASCII characters (IRIs) are rejected.
fn uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if !(i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c)) {
            return false;
        }
        i += 1;
    }
    scheme_ok
}

/// Compiled `pattern`s, each compiled once per score.
#[derive(Default)]
pub(super) struct Patterns {
    /// Pattern → compiled regex, or `None` when it is not checked (too long, too big, or not
    /// Rust regex syntax).
    cache: RefCell<HashMap<String, Option<Regex>>>,
}

impl Patterns {
    /// Whether `s` matches `pattern` (anywhere, as JSON Schema's unanchored patterns do);
    /// `None` when the pattern is not checked.
    pub fn matches(&self, pattern: &str, s: &str) -> Option<bool> {
        let mut cache = self.cache.borrow_mut();
        if let Some(re) = cache.get(pattern) {
            return re.as_ref().map(|re| re.is_match(s));
        }
        if cache.len() >= MAX_PATTERNS {
            return None;
        }
        let re = (pattern.len() <= MAX_PATTERN_LEN)
            .then(|| {
                RegexBuilder::new(pattern)
                    .size_limit(MAX_COMPILED)
                    .dfa_size_limit(MAX_COMPILED)
                    .build()
                    .ok()
            })
            .flatten();
        let found = re.as_ref().map(|re| re.is_match(s));
        cache.insert(pattern.to_string(), re);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(format: &str, v: Value) -> bool {
        check(format, &v).is_none()
    }

    #[test]
    fn dates_are_real_days() {
        for good in ["2024-02-29", "2000-02-29", "1999-12-31", "0001-01-01"] {
            assert!(ok("date", json!(good)), "{good}");
        }
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-01T00:00:00Z",
            "２０２４-01-01",
            "",
        ] {
            assert!(!ok("date", json!(bad)), "{bad}");
        }
    }

    #[test]
    fn date_times_follow_rfc_3339() {
        for good in [
            "2024-01-31T12:00:00Z",
            "2024-01-31t12:00:00z",
            "2024-01-31 12:00:00Z",
            "2024-01-31T12:00:00.123456+05:30",
            "2024-01-31T23:59:60Z",
            "2024-01-31T00:59:60+01:00",
            "2024-01-31T12:00:00-00:00",
        ] {
            assert!(ok("date-time", json!(good)), "{good}");
        }
        for bad in [
            "2024-01-31T12:00:00",
            "2024-01-31T12:00Z",
            "2024-01-31T24:00:00Z",
            "2024-01-31T12:60:00Z",
            "2024-01-31T12:30:60Z",
            "2024-01-31T12:00:00.Z",
            "2024-01-31T12:00:00+0530",
            "2024-01-31T12:00:00+05",
            "2024-01-31T12:00:00+24:00",
            "2024-02-30T12:00:00Z",
            "2024-01-31X12:00:00Z",
            "2024-01-31",
            "2024-01-3é12:00:00Z",
        ] {
            assert!(!ok("date-time", json!(bad)), "{bad}");
        }
    }

    #[test]
    fn durations_and_json_pointers() {
        for good in [
            "P1Y2M3DT4H5M6S",
            "P3D",
            "PT0.5S",
            "PT1H30M",
            "P2W",
            "P1Y",
            "PT36H",
            "P0,5Y",
        ] {
            assert!(ok("duration", json!(good)), "{good}");
        }
        for bad in [
            "TBD", "P", "PT", "1Y", "P1H", "PT1D", "P1D2Y", "P1.5YT1H", "P1W2D", "P-1D", "PT1.S",
        ] {
            assert!(!ok("duration", json!(bad)), "{bad}");
        }
        for good in ["", "/", "/a~1b", "/a/0/~0x"] {
            assert!(ok("json-pointer", json!(good)), "{good}");
        }
        for bad in ["#/foo", "a/b", "/a~2b", "/a~"] {
            assert!(!ok("json-pointer", json!(bad)), "{bad}");
        }
    }

    #[test]
    fn emails_uuids_and_uris() {
        assert!(ok("email", json!("jane.doe+api@mail.example.org")));
        for bad in [
            "jane",
            "jane@",
            "@x.org",
            "jane@localhost",
            "a..b@x.org",
            "a b@x.org",
            "a@-x.org",
        ] {
            assert!(!ok("email", json!(bad)), "{bad}");
        }
        assert!(ok("uuid", json!("123e4567-E89B-12d3-a456-426614174000")));
        for bad in [
            "123e4567e89b12d3a456426614174000",
            "123e4567-e89b-12d3-a456-42661417400g",
            "123e4567-e89b-12d3-a456",
        ] {
            assert!(!ok("uuid", json!(bad)), "{bad}");
        }
        for good in [
            "https://api.example.com/v1/pets?limit=10#top",
            "urn:isbn:0451450523",
            "http://[::1]:8080/%7Euser",
            "mailto:a@b.c",
        ] {
            assert!(ok("uri", json!(good)), "{good}");
        }
        for bad in [
            "/relative/path",
            "example.com",
            "https://a b.com",
            "http://x/%zz",
            "http://x/%4",
            "1http://x",
            "https://ex.com/ü",
        ] {
            assert!(!ok("uri", json!(bad)), "{bad}");
        }
    }

    #[test]
    fn ip_addresses() {
        assert!(ok("ipv4", json!("192.168.0.1")));
        assert!(!ok("ipv4", json!("256.1.1.1")));
        assert!(!ok("ipv4", json!("1.2.3")));
        assert!(ok("ipv6", json!("2001:db8::1")));
        assert!(ok("ipv6", json!("::ffff:192.0.2.1")));
        assert!(!ok("ipv6", json!("2001:db8:::1")));
        assert!(!ok("ipv6", json!("192.168.0.1")));
    }

    #[test]
    fn integer_formats_check_range_and_wholeness() {
        assert!(ok("int32", json!(2_147_483_647)));
        assert!(ok("int32", json!(-2_147_483_648_i64)));
        assert!(ok("int32", json!(3.0)));
        assert!(!ok("int32", json!(2_147_483_648_i64)));
        assert!(!ok("int32", json!(1.5)));
        assert!(ok("int64", json!(i64::MIN)));
        assert!(!ok("int64", json!(u64::MAX)));
        assert!(!ok("int64", json!(1e19)));
        assert!(!ok("int64", json!(0.5)));
    }

    #[test]
    fn formats_apply_to_their_json_type_only_and_unknown_ones_pass() {
        assert!(ok("date", json!(20240101)));
        assert!(ok("int32", json!("not a number")));
        assert!(ok("hostname", json!("not checked!")));
        assert!(ok("x-custom", json!("whatever")));
    }

    #[test]
    fn patterns_are_unanchored_and_hostile_ones_are_skipped() {
        let p = Patterns::default();
        assert_eq!(p.matches("^[a-z]+$", "abc"), Some(true));
        assert_eq!(p.matches("^[a-z]+$", "abc1"), Some(false));
        assert_eq!(p.matches("[0-9]", "ab1c"), Some(true), "unanchored");
        assert_eq!(
            p.matches("^\\/v1\\/", "/v1/pets"),
            Some(true),
            "escaped punctuation"
        );
        // Catastrophic backtracking in ECMAScript; linear here.
        let evil = "a".repeat(50_000) + "!";
        assert_eq!(p.matches("^(a+)+$", &evil), Some(false));
        // Look-around and back-references are not Rust syntax: not checked.
        assert_eq!(p.matches("^(?=a)a$", "b"), None);
        assert_eq!(p.matches("(a)\\1", "b"), None);
        // Too long, or compiling to more than the size cap: not checked.
        assert_eq!(p.matches(&"a".repeat(MAX_PATTERN_LEN + 1), "a"), None);
        assert_eq!(p.matches("\\w{1000}\\w{1000}", "a"), None);
        // Past the cap on distinct patterns, new patterns are not checked; cached ones still are.
        for i in 0..MAX_PATTERNS {
            let _ = p.matches(&format!("^{i}$"), "0");
        }
        assert_eq!(p.matches("^new$", "new"), None);
        assert_eq!(p.matches("^[a-z]+$", "abc"), Some(true));
    }
}
