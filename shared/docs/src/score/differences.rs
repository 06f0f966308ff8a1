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
`oas2-valid-*-example`, `operation-operationId-unique`, `path-keys-no-trailing-slash`, \
`path-not-include-query`; each is covered by its fixtures). Every other difference is \
explained below. Pointers: specdoc reports parameter findings at the operation (the model \
merges path-level and operation-level parameters and keeps no parameter pointer), and anything \
reached through a `$ref` (a shared response, request body or path item) at the referring site; \
Spectral reports at the resolved component. `oas3-api-servers` and `oas2-api-host` are reported \
at `/servers` and `/host`, Spectral at the document root.";

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
        "oas3-valid-schema-example",
        "specdoc's validator checks types, enum, const, required, properties, additionalProperties, items, compositions and numeric/length/size bounds, but not `format` or `pattern` (Spectral reports e.g. `duration` and `json-pointer` formats), and it checks `example` and `default` but not 3.1 `examples` arrays beyond the first. Parameter schemas are reported at the operation, so two parameters with the same problem fold into one finding. specdoc also validates examples of recursive schemas, which Spectral skips (edge/3.0/schema-circular.yaml: a string example on an object schema).",
    ),
    (
        "no-$ref-siblings",
        "specdoc reports `description` siblings of schema references (the model keeps the annotations next to a `$ref` but not which of them were written there); Spectral also reports other keywords (`example`, `nullable`, `readOnly`...) and siblings of non-schema `$ref`s.",
    ),
    (
        "path-params",
        "Counts agree on this corpus. specdoc checks that template variables and path parameters match, that path parameters are required, and that a variable is not used twice; Spectral also reports paths that are equivalent after renaming their variables (`/a/{x}` and `/a/{y}`).",
    ),
    (
        "operation-parameters",
        "Not implemented: the model merges parameters by name and location, so duplicate parameters are invisible to the scorer. It needs a model field (the raw parameter list or a duplicates list) from the parser.",
    ),
];
