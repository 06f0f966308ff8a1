//! Servers and metadata: a server (or Swagger host) is declared and is not a placeholder, and
//! `info` has a version, a reachable contact and a licence with a URL.

use super::CategoryScore;
use super::catalogue::{self as c, Category, Rule};
use super::util::{Ctx, category, mix, ratio};

pub(super) fn score(ctx: &mut Ctx<'_>) -> CategoryScore {
    let spec = ctx.spec;
    let mut checks: Vec<(bool, &'static Rule, String, &str)> = Vec::new();
    if ctx.swagger {
        checks.push((
            !spec.servers.is_empty(),
            &c::OAS2_API_HOST,
            "/host".into(),
            "no host is declared",
        ));
    } else {
        checks.push((
            !spec.servers.is_empty(),
            &c::OAS3_API_SERVERS,
            "/servers".into(),
            "no server is declared",
        ));
        for (i, s) in spec.servers.iter().enumerate() {
            let ptr = format!("/servers/{i}/url");
            let host = s
                .url
                .split("://")
                .nth(1)
                .unwrap_or(&s.url)
                .split(['/', ':'])
                .next()
                .unwrap_or("");
            let placeholder = host == "example.com" || host.ends_with(".example.com");
            checks.push((
                !placeholder,
                &c::OAS3_SERVER_NOT_EXAMPLE_COM,
                ptr.clone(),
                "server points at example.com",
            ));
            let trailing = s.url.len() > 1 && s.url.ends_with('/');
            checks.push((
                !trailing,
                &c::OAS3_SERVER_TRAILING_SLASH,
                ptr,
                "server URL ends with a slash",
            ));
        }
    }
    let contact = spec.contact.as_ref();
    checks.push((
        contact.is_some(),
        &c::INFO_CONTACT,
        "/info".into(),
        "info has no contact",
    ));
    if let Some(k) = contact {
        let full = k.name.is_some() && k.url.is_some() && k.email.is_some();
        checks.push((
            full,
            &c::CONTACT_PROPERTIES,
            "/info/contact".into(),
            "contact lacks a name, url or email",
        ));
    }
    let license = spec.license.as_ref().filter(|l| !l.name.is_empty());
    checks.push((
        license.is_some(),
        &c::INFO_LICENSE,
        "/info".into(),
        "info has no license",
    ));
    if let Some(l) = license {
        let ok = l.url.is_some() || l.identifier.is_some();
        checks.push((
            ok,
            &c::LICENSE_URL,
            "/info/license".into(),
            "license has no url",
        ));
    }
    checks.push((
        !spec.api_version.is_empty(),
        &c::INFO_VERSION,
        "/info".into(),
        "info has no version",
    ));
    let total = checks.len();
    let mut passed = 0;
    for (ok, rule, ptr, msg) in checks {
        if ok {
            passed += 1;
        } else {
            ctx.add(rule, &ptr, msg);
        }
    }
    let score = mix(&[(1.0, ratio(passed, total))]);
    let detail = format!("{passed} of {total} server and info checks pass");
    category(Category::ServersAndMetadata, score, detail)
}
