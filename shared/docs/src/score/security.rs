//! Security: schemes declared and applied to operations, requirements naming declared schemes,
//! HTTPS servers, API keys kept out of query strings, and no secrets in server URLs or examples.

use std::collections::HashSet;

use serde_json::Value;

use super::CategoryScore;
use super::catalogue::{self as c, Category};
use super::util::{Ctx, category, flag, mix, ratio};
use crate::model::SecurityRequirement;
use crate::parse::refs::escape;

/// Prefixes of real credentials (live keys, tokens, private keys) that must never be published.
const SECRET_PREFIXES: [&str; 10] = [
    "sk_live_",
    "rk_live_",
    "AKIA",
    "ghp_",
    "gho_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "glpat-",
    "-----BEGIN",
];

/// Whether `s` looks like a credential (a known prefix followed by a long token).
fn looks_secret(s: &str) -> bool {
    SECRET_PREFIXES.iter().any(|p| {
        s.match_indices(p).any(|(i, _)| {
            let rest = &s[i + p.len()..];
            if p.starts_with("-----") {
                rest.trim_start()
                    .split("-----")
                    .next()
                    .is_some_and(|h| h.ends_with("PRIVATE KEY"))
            } else {
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .count()
                    >= 16
            }
        })
    })
}

fn value_has_secret(v: &Value, depth: usize) -> bool {
    match v {
        Value::String(s) => looks_secret(s),
        Value::Array(a) if depth < 16 => a.iter().any(|x| value_has_secret(x, depth + 1)),
        Value::Object(m) if depth < 16 => m.values().any(|x| value_has_secret(x, depth + 1)),
        _ => false,
    }
}

/// Credentials or key-like query parameters in a URL.
fn url_has_secret(url: &str) -> bool {
    let authority = url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("");
    let query = url
        .split_once('?')
        .map_or("", |(_, q)| q)
        .to_ascii_lowercase();
    authority.contains('@')
        || [
            "api_key=",
            "apikey=",
            "token=",
            "access_token=",
            "secret=",
            "password=",
        ]
        .iter()
        .any(|k| {
            query
                .split('&')
                .any(|kv| kv.starts_with(k) && kv.len() > k.len())
        })
        || looks_secret(url)
}

fn local(url: &str) -> bool {
    let host = url.split("://").nth(1).unwrap_or("");
    ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|h| host.starts_with(h))
}

pub(super) fn score(ctx: &mut Ctx<'_>) -> CategoryScore {
    let spec = ctx.spec;
    let ops = &spec.operations;
    let defined: HashSet<&str> = spec
        .security_schemes
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let undefined_rule = ctx.pick(
        &c::OAS2_OPERATION_SECURITY_DEFINED,
        &c::OAS3_OPERATION_SECURITY_DEFINED,
    );
    let check_reqs = |ctx: &mut Ctx<'_>, reqs: &[SecurityRequirement], base: &str| {
        let mut bad = false;
        for (i, r) in reqs.iter().enumerate() {
            for (name, _) in r
                .schemes
                .iter()
                .filter(|(n, _)| !defined.contains(n.as_str()))
            {
                bad = true;
                let ptr = format!("{base}/security/{i}/{}", escape(name));
                ctx.add(
                    undefined_rule,
                    &ptr,
                    format!("security scheme `{name}` is not declared"),
                );
            }
        }
        bad
    };
    let global_bad = check_reqs(ctx, &spec.security, "");
    let (mut applied, mut undefined) = (0, 0);
    for op in ops {
        let bad = match &op.security {
            Some(reqs) => check_reqs(ctx, reqs, &op.pointer),
            None => global_bad,
        };
        undefined += usize::from(bad);
        match &op.security {
            // `security: []` marks a deliberately public operation.
            Some(r) if r.is_empty() => applied += 1,
            Some(r) if r.iter().any(|r| !r.schemes.is_empty()) => applied += 1,
            None if spec.security.iter().any(|r| !r.schemes.is_empty()) => applied += 1,
            _ => ctx.add(
                &c::OPERATION_SECURITY_APPLIED,
                &op.pointer,
                format!("{} has no security requirement", op.label()),
            ),
        }
    }
    let schemes_ptr = if ctx.swagger {
        "/securityDefinitions"
    } else {
        "/components/securitySchemes"
    };
    if defined.is_empty() && !ops.is_empty() {
        ctx.add(
            &c::SECURITY_SCHEMES_DEFINED,
            schemes_ptr,
            "the spec declares no security scheme",
        );
    }
    let mut query_keys = 0;
    for s in spec
        .security_schemes
        .iter()
        .filter(|s| s.kind == "apiKey" && s.location.as_deref() == Some("query"))
    {
        query_keys += 1;
        let ptr = format!("{schemes_ptr}/{}", escape(&s.name));
        ctx.add(
            &c::NO_API_KEY_IN_QUERY,
            &ptr,
            format!("API key `{}` is sent in the query string", s.name),
        );
    }
    let servers = spec
        .servers
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("/servers/{i}/url"), s));
    let op_servers = ops.iter().flat_map(|o| {
        o.servers
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("{}/servers/{i}/url", o.pointer), s))
    });
    let (mut urls, mut https) = (0, 0);
    let mut secrets = 0;
    for (ptr, s) in servers.chain(op_servers) {
        // Swagger 2.0 servers are built from host/schemes; point at the host.
        let ptr = if ctx.swagger {
            "/host".to_string()
        } else {
            ptr
        };
        let url = s.url.trim();
        if url.contains("://") {
            urls += 1;
            if url.starts_with("https://") || url.starts_with("wss://") || local(url) {
                https += 1;
            } else {
                ctx.add(
                    &c::SERVER_HTTPS,
                    &ptr,
                    format!("server `{url}` is not served over HTTPS"),
                );
            }
        }
        if url_has_secret(url) {
            secrets += 1;
            ctx.add(
                &c::NO_SECRETS_IN_URLS,
                &ptr,
                "server URL contains credentials",
            );
        }
    }
    for op in ops {
        for p in op
            .parameters
            .iter()
            .filter(|p| p.example.as_ref().is_some_and(|v| value_has_secret(v, 0)))
        {
            secrets += 1;
            ctx.add(
                &c::NO_SECRETS_IN_EXAMPLES,
                p.example_pointer.as_deref().unwrap_or(&p.pointer),
                format!(
                    "example of parameter `{}` looks like a real credential",
                    p.name
                ),
            );
        }
        let media = op
            .request_body
            .iter()
            .flat_map(|b| &b.content)
            .chain(op.responses.iter().flat_map(|r| &r.content));
        for mt in media {
            if mt.examples.iter().any(|(_, v)| value_has_secret(v, 0)) {
                secrets += 1;
                ctx.add(
                    &c::NO_SECRETS_IN_EXAMPLES,
                    &op.pointer,
                    format!(
                        "an example of {} `{}` looks like a real credential",
                        op.label(),
                        mt.media_type
                    ),
                );
            }
        }
    }
    let score = if ops.is_empty() {
        100
    } else {
        let base = mix(&[
            (20.0, flag(!defined.is_empty())),
            (45.0, ratio(applied, ops.len())),
            (15.0, ratio(https, urls)),
            (10.0, flag(secrets == 0)),
            (10.0, ratio(defined.len() - query_keys, defined.len())),
        ]);
        (f64::from(base) * (1.0 - ratio(undefined, ops.len()).unwrap_or(0.0))).round() as u32
    };
    let detail = format!(
        "{} security schemes; {applied} of {} operations have security applied, {undefined} use undeclared schemes; {https} of {urls} server URLs use HTTPS; {secrets} secrets found; {query_keys} API keys sent in the query string",
        defined.len(),
        ops.len()
    );
    category(Category::Security, score, detail)
}
