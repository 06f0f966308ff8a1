//! Where specdoc's findings differ from Spectral's for the rules whose ids they share, as
//! measured by `just score-compare` (benches/score/compare.sh). Rendered into the catalogue.

/// The paragraph before the table.
pub(super) const INTRO: &str = "`just score-compare` runs Spectral 6.16 (`extends: [\"spectral:oas\"]`) and specdoc on \
shared/specs (edge/2.0, edge/3.0, edge/3.1 and Stripe) and compares finding counts per shared \
rule id; benches/score/README.md has the latest table. On the last run these agreed exactly: \
`duplicated-entry-in-enum`, `info-contact`, `info-description`, `oas2-api-host`, \
`oas3-api-servers`, `oas3-operation-security-defined`, `oas3-server-trailing-slash`, \
`oas3-valid-media-example`, `operation-operationId-valid-in-url`, `operation-tags`, \
`path-params`, `typed-enum`, and the rules neither tool fired on this corpus (`no-eval-in-markdown`, \
`no-script-tags-in-markdown`, `oas2-*-security-defined`, `oas2-unused-definition`, \
`oas2-valid-*-example`, `operation-operationId-unique`, `operation-parameters`, \
`path-keys-no-trailing-slash`, `path-not-include-query`; each is covered by its fixtures). \
Every other difference is explained below. Pointers: like Spectral, specdoc reports a \
parameter finding at the parameter where it is defined (`…/parameters/2`, or the component a \
`$ref` leads to), so a shared parameter is one finding; `operation-parameters` points at the \
list entry that repeats. Anything else reached through a `$ref` (a shared response, request \
body or path item) is reported at the referring site, where Spectral reports the resolved \
component. `oas3-api-servers` and `oas2-api-host` are reported at `/servers` and `/host`, \
Spectral at the document root.";

/// Rule id → explanation.
pub(super) const RULES: &[(&str, &str)] = &[
    (
        "contact-properties, info-license, license-url, openapi-tags, tag-description, oas3-server-not-example.com",
        "Off by default in `spectral:oas` (`recommended: false`), so Spectral reports none with the plain ruleset; specdoc always checks them because they feed the score. With `extends: [[\"spectral:oas\", \"all\"]]` Spectral applies them too.",
    ),
    (
        "operation-description, operation-operationId, operation-tag-defined",
        "One more finding on edge/3.0/server-path-level.yaml: a path item that is a `$ref` to another path item. specdoc follows the reference and checks the operations it brings; Spectral does not treat a referenced path item's operations as operations. operation-description also differs in pointers where the description is present but blank: specdoc treats blank prose as missing.",
    ),
    (
        "operation-success-response",
        "specdoc also flags operations with no `responses` at all (allowed by OpenAPI 3.1, e.g. 59 in edge/3.1); Spectral only looks inside an existing `responses` object. Both report at `…/responses` when it exists.",
    ),
    (
        "oas3-unused-component",
        "specdoc checks named schemas only, and counts a schema as used when it is reachable from an operation or webhook; Spectral checks every component kind (responses, parameters, examples, request bodies, headers) and counts any `$ref` anywhere, even from another unused component. So specdoc reports fewer components overall but also flags schemas only referenced by unused components.",
    ),
    (
        "oas3-valid-schema-example, oas3-valid-media-example",
        "specdoc's validator checks types, enum, const, required, properties, additionalProperties, items, compositions, numeric/length/size bounds, `pattern` and the formats date, date-time, duration, email, uuid, uri, ipv4, ipv6, json-pointer, int32 and int64; other formats (`time`, `hostname`, `uri-reference`, `idn-*`, `iri`, ...) are accepted. Patterns run on Rust's `regex` (linear time): a pattern using look-around or back-references is not checked, and `\\d`/`\\w` also match non-ASCII digits and letters. Spectral reports examples of schemas whose `$schema` draft it cannot load and boolean `exclusiveMaximum` in 3.1 (edge/3.1/schema-validation-*: 12 findings) as invalid; specdoc does not. specdoc checks the first item of a 3.1 `examples` array (reported at `…/example`), which Spectral does not (edge/3.1/train-travel.yaml: three uuids with a 7-digit first group), and validates examples of recursive schemas, which Spectral skips (edge/3.0/schema-circular.yaml: a string example on an object schema). Parameter examples are validated like Spectral's; Swagger 2.0 `x-example` values of parameters are also checked (as `oas2-valid-media-example`), which Spectral does not do.",
    ),
    (
        "no-$ref-siblings",
        "specdoc reports `description` siblings of schema references (the model keeps the annotations next to a `$ref` but not which of them were written there); Spectral also reports other keywords (`example`, `nullable`, `readOnly`...) and siblings of non-schema `$ref`s.",
    ),
    (
        "path-params",
        "Counts agree on this corpus. specdoc checks that template variables and path parameters match, that path parameters are required, and that neither a variable nor a path parameter appears twice; Spectral also reports paths that are equivalent after renaming their variables (`/a/{x}` and `/a/{y}`).",
    ),
    (
        "operation-parameters",
        "Neither tool fires on this corpus. Spectral checks only each operation's own `parameters` list; specdoc also reports a parameter repeated in a path item's list (once, however many operations share it), and counts body and formData parameters over what applies to the operation (the path item's entries it does not override, and its own), so a path-level body next to an operation's formData is reported too.",
    ),
];
