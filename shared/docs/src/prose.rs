//! A deterministic writer for missing prose: operation summaries and descriptions (from the
//! method, path, operationId, parameters and responses), the API description and tag
//! descriptions. Everything it writes is marked generated so renderers can label it and the
//! scorer does not count it as documentation.

use crate::model::{Method, Operation, Spec, Text};

/// Verbs an operationId may start with to be used as a summary.
const VERBS: [&str; 24] = [
    "add", "cancel", "check", "close", "create", "delete", "download", "find", "get", "list",
    "login", "logout", "patch", "post", "put", "remove", "replace", "retrieve", "search", "send",
    "set", "update", "upload", "upsert",
];

/// Fills missing operation summaries and descriptions, the info description and tag
/// descriptions, marking each as generated. Returns how many texts were filled.
pub fn fill_missing(spec: &mut Spec) -> usize {
    let mut filled = 0;
    for op in spec.operations.iter_mut().chain(spec.webhooks.iter_mut()) {
        if op.summary.is_none() {
            op.summary = Some(Text::generated(summary(op)));
            filled += 1;
        }
        if op.description.is_none() {
            op.description = Some(Text::generated(description(op)));
            filled += 1;
        }
    }
    if spec.description.is_none() {
        let ops = spec.operations.len();
        let mut d = format!(
            "{} (version {}) is an HTTP API with {ops} operation{}",
            spec.title,
            if spec.api_version.is_empty() {
                "unspecified"
            } else {
                &spec.api_version
            },
            plural(ops)
        );
        let groups = spec.tags.len();
        if groups > 0 {
            d.push_str(&format!(" in {groups} group{}", plural(groups)));
        }
        if !spec.schemas.is_empty() {
            d.push_str(&format!(
                " and {} schema{}",
                spec.schemas.len(),
                plural(spec.schemas.len())
            ));
        }
        d.push_str(&format!(
            ", described by an {} document.",
            spec.format.label()
        ));
        spec.description = Some(Text::generated(d));
        filled += 1;
    }
    let counts: Vec<usize> = spec
        .tags
        .iter()
        .map(|t| {
            spec.operations
                .iter()
                .filter(|o| o.tags.contains(&t.name))
                .count()
        })
        .collect();
    for (tag, n) in spec.tags.iter_mut().zip(counts) {
        if tag.description.is_none() {
            tag.description = Some(Text::generated(format!(
                "Operations about {} ({n} operation{}).",
                humanize(&tag.name),
                plural(n)
            )));
            filled += 1;
        }
    }
    filled
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Splits camelCase, snake_case, kebab-case and dotted names into lower-case words.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn humanize(s: &str) -> String {
    let w = words(s);
    if w.is_empty() {
        s.to_string()
    } else {
        w.join(" ")
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("ss") || word.ends_with("us") || !word.ends_with('s') {
        word.to_string()
    } else {
        word[..word.len() - 1].to_string()
    }
}

/// The resource a path is about and the trailing path parameter, if any.
fn resource(path: &str) -> (String, Option<String>) {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let param = segs
        .last()
        .filter(|s| s.starts_with('{'))
        .map(|s| s.trim_matches(|c| c == '{' || c == '}').to_string());
    let name = segs
        .iter()
        .rev()
        .find(|s| !s.starts_with('{'))
        .map_or_else(|| "root".to_string(), |s| humanize(s));
    (name, param)
}

fn summary(op: &Operation) -> String {
    if let Some(id) = &op.operation_id {
        let w = words(id);
        if w.len() >= 2 && VERBS.contains(&w[0].as_str()) {
            return capitalize(&w.join(" "));
        }
    }
    let (res, param) = resource(&op.path);
    let one = singular(&res);
    let by = |p: &Option<String>| {
        p.as_ref()
            .map(|p| format!(" by {}", humanize(p)))
            .unwrap_or_default()
    };
    let s = match (op.method, &param) {
        (Method::Get, None) => format!("List {res}"),
        (Method::Get, p) => format!("Get {one}{}", by(p)),
        (Method::Post, None) => format!("Create {one}"),
        (Method::Post, p) => format!("Update {one}{}", by(p)),
        (Method::Put, p) => format!("Replace {one}{}", by(p)),
        (Method::Patch, p) => format!("Update {one}{}", by(p)),
        (Method::Delete, p) => format!("Delete {one}{}", by(p)),
        (Method::Head, _) => format!("Check {res}"),
        (Method::Options, _) => format!("Show options for {res}"),
        (Method::Trace, _) => format!("Trace {res}"),
    };
    capitalize(&s)
}

fn description(op: &Operation) -> String {
    let mut d = format!("Sends `{} {}`", op.method.as_str(), op.path);
    let required: Vec<String> = op
        .parameters
        .iter()
        .filter(|p| p.required)
        .map(|p| format!("{} `{}`", p.location, p.name))
        .collect();
    if !required.is_empty() {
        d.push_str(&format!(
            " with the required parameter{} {}",
            plural(required.len()),
            required.join(", ")
        ));
    }
    if let Some(b) = &op.request_body
        && let Some(mt) = b.content.first()
    {
        let what = mt
            .schema
            .as_ref()
            .map(|s| s.type_label())
            .unwrap_or_else(|| "a body".to_string());
        d.push_str(&format!(" and a `{}` body ({what})", mt.media_type));
    }
    d.push('.');
    let ok: Vec<&str> = op
        .responses
        .iter()
        .filter(|r| r.status.starts_with('2'))
        .map(|r| r.status.as_str())
        .collect();
    if !ok.is_empty() {
        d.push_str(&format!(
            " On success it responds with {}.",
            ok.join(" or ")
        ));
    }
    if op.deprecated {
        d.push_str(" This operation is deprecated.");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Limits, parse};

    #[test]
    fn fills_and_marks_generated_text() {
        let yaml = "openapi: 3.0.0\ninfo: {title: Pets, version: '2'}\ntags: [{name: pets}]\npaths:\n  /pets/{petId}:\n    get:\n      tags: [pets]\n      parameters: [{name: petId, in: path, required: true}]\n      responses: {'200': {description: ok}}\n  /pets:\n    post:\n      operationId: createPet\n      summary: Make a pet\n      responses: {'201': {description: ok}}\n";
        let mut spec = parse(yaml.as_bytes(), &Limits::default()).unwrap();
        let n = fill_missing(&mut spec);
        assert_eq!(n, 5);
        let get = &spec.operations[0];
        assert_eq!(get.summary, Some(Text::generated("Get pet by pet id")));
        let d = get.description.as_ref().unwrap();
        assert!(
            d.generated
                && d.value.contains("`GET /pets/{petId}`")
                && d.value.contains("path `petId`"),
            "{d:?}"
        );
        assert!(!spec.operations[1].summary.as_ref().unwrap().generated);
        assert!(
            spec.description
                .as_ref()
                .unwrap()
                .value
                .starts_with("Pets (version 2) is an HTTP API with 2 operations")
        );
        assert_eq!(fill_missing(&mut spec), 0, "second pass fills nothing");
    }

    #[test]
    fn summaries_from_operation_ids_and_paths() {
        assert_eq!(
            words("listPets_byID-now"),
            ["list", "pets", "by", "id", "now"]
        );
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("address"), "address");
        assert_eq!(
            resource("/v1/users/{id}/payment_methods"),
            ("payment methods".to_string(), None)
        );
        assert_eq!(resource("/"), ("root".to_string(), None));
    }
}
