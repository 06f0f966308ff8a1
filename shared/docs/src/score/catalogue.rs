//! The rule catalogue: every rule the scorer can report, with its stable id, category, severity,
//! rationale and fix. Findings can only be made from these constants, and
//! `docs/quality-rules.md` is rendered from [`RULES`], so code and documentation cannot drift.
//! Ids are Spectral's (`spectral:oas`) where the rule checks the same thing; the others are ours.

use super::Severity;

/// A scoring category, with its weight in the overall score (the weights sum to 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Operations, parameters, tags, schemas and the API itself are described.
    DocumentationCoverage,
    /// Bodies and parameters have examples, and the examples match their schemas.
    Examples,
    /// Success and error responses are documented, with error bodies.
    ResponsesAndErrors,
    /// Schemas are typed, constrained and well formed.
    SchemaQuality,
    /// operationIds present, unique and consistently cased; tags used and defined.
    Naming,
    /// Security schemes declared and applied; HTTPS; no secrets.
    Security,
    /// Servers, contact, licence and version.
    ServersAndMetadata,
    /// Unused schemas, broken references, path and Markdown hygiene.
    Hygiene,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 8] = [
        Category::DocumentationCoverage,
        Category::Examples,
        Category::ResponsesAndErrors,
        Category::SchemaQuality,
        Category::Naming,
        Category::Security,
        Category::ServersAndMetadata,
        Category::Hygiene,
    ];

    /// Stable id, e.g. "documentation_coverage".
    pub fn id(&self) -> &'static str {
        match self {
            Category::DocumentationCoverage => "documentation_coverage",
            Category::Examples => "examples",
            Category::ResponsesAndErrors => "responses_and_errors",
            Category::SchemaQuality => "schema_quality",
            Category::Naming => "naming",
            Category::Security => "security",
            Category::ServersAndMetadata => "servers_and_metadata",
            Category::Hygiene => "hygiene",
        }
    }

    /// Weight in the overall score.
    pub fn weight(&self) -> u32 {
        match self {
            Category::DocumentationCoverage => 25,
            Category::Examples | Category::ResponsesAndErrors | Category::SchemaQuality => 15,
            Category::Naming | Category::Security => 10,
            Category::ServersAndMetadata | Category::Hygiene => 5,
        }
    }

    /// What the category measures (one line, for the catalogue).
    pub fn measures(&self) -> &'static str {
        match self {
            Category::DocumentationCoverage => {
                "share of operations with a description (40%) and summary (15%), of parameters (15%) and named schemas (15%) described, info description (10%), declared tags described (5%)"
            }
            Category::Examples => {
                "share of request/response bodies with an example (60%), of parameters with an example, default or enum (20%), of examples valid against their schema (20%)"
            }
            Category::ResponsesAndErrors => {
                "share of operations with a success response (40%), with an error response (30%), with an error body schema (15%); share of responses described (15%)"
            }
            Category::SchemaQuality => {
                "share of properties and named schemas that are typed (35%), of typed schema nodes that are well formed: valid type, fitting format, enum values typed and unique (25%), of string properties that are constrained (20%), of object schemas that list their contents (20%)"
            }
            Category::Naming => {
                "share of operations with an operationId (40%), unique (15%), URL-safe (5%), in the dominant casing (10%); tagged (20%) with declared tags (10%)"
            }
            Category::Security => {
                "security schemes declared (20%), share of operations with security applied (45%), of server URLs on HTTPS (15%), of schemes not sending keys in the query (10%), no secrets in URLs/examples (10%); scaled down by the share of operations using undeclared schemes"
            }
            Category::ServersAndMetadata => "share of server and info checks that pass",
            Category::Hygiene => {
                "share of named schemas used (30%), no dangling refs (20%), clean paths (20%), of operations whose parameters are consistent: matching the path template, none declared twice, one body (15%); clean Markdown and $refs (15%)"
            }
        }
    }
}

/// Where a rule's id comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Same id and intent as a rule of Spectral's `spectral:oas` ruleset.
    Spectral,
    /// Same id and intent as a Redocly rule.
    Redocly,
    /// specdoc's own rule.
    Specdoc,
}

impl Origin {
    /// "Spectral", "Redocly" or "specdoc".
    pub fn label(&self) -> &'static str {
        match self {
            Origin::Spectral => "Spectral",
            Origin::Redocly => "Redocly",
            Origin::Specdoc => "specdoc",
        }
    }
}

/// One rule of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, e.g. "operation-description".
    pub id: &'static str,
    /// Category whose score the rule's metric feeds.
    pub category: Category,
    /// Severity of its findings.
    pub severity: Severity,
    /// Where the id comes from.
    pub origin: Origin,
    /// Whether a finding caps the overall score (the validity gate).
    pub gating: bool,
    /// Why it matters.
    pub rationale: &'static str,
    /// How to fix a finding.
    pub fix: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $cat:ident, $sev:ident, $origin:ident, $gate:literal,
        $why:literal, $fix:literal;)*) => {
        $(
            #[doc = concat!("Rule `", $id, "`.")]
            pub const $name: Rule = Rule {
                id: $id,
                category: Category::$cat,
                severity: Severity::$sev,
                origin: Origin::$origin,
                gating: $gate,
                rationale: $why,
                fix: $fix,
            };
        )*
        /// Every rule, grouped by category.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    OPERATION_DESCRIPTION = "operation-description", DocumentationCoverage, Warning, Spectral, false,
        "Readers need to know what an operation does, its side effects and when to use it.",
        "Add a `description` to the operation.";
    OPERATION_SUMMARY = "operation-summary", DocumentationCoverage, Info, Redocly, false,
        "The summary is the operation's title in navigation and search.",
        "Add a short `summary` (a few words, imperative).";
    PARAMETER_DESCRIPTION = "parameter-description", DocumentationCoverage, Hint, Redocly, false,
        "A parameter's name rarely says its unit, format or effect.",
        "Add a `description` to the parameter.";
    INFO_DESCRIPTION = "info-description", DocumentationCoverage, Warning, Spectral, false,
        "The API's introduction is the first thing a reader sees.",
        "Add `info.description`: what the API is for, how to authenticate, where to start.";
    TAG_DESCRIPTION = "tag-description", DocumentationCoverage, Warning, Spectral, false,
        "Tags become the sections of the documentation; each section needs an introduction.",
        "Add a `description` to the tag in the top-level `tags` list.";
    SCHEMA_DESCRIPTION = "schema-description", DocumentationCoverage, Hint, Specdoc, false,
        "Named schemas are the API's vocabulary and get their own documentation entry.",
        "Add a `description` to the named schema.";
    DEPRECATED_WITHOUT_DESCRIPTION = "deprecated-without-description", DocumentationCoverage, Warning, Specdoc, false,
        "A deprecation without an explanation leaves readers without a replacement or a date.",
        "Describe why it is deprecated and what to use instead.";
    MEDIA_EXAMPLE = "media-example", Examples, Hint, Specdoc, false,
        "Examples are what most readers copy; a body without one must be pieced together from its schema.",
        "Add an `example` or `examples` to the media type or its schema.";
    OAS3_VALID_MEDIA_EXAMPLE = "oas3-valid-media-example", Examples, Warning, Spectral, false,
        "An example that contradicts its schema misleads readers and breaks mock servers and tests.",
        "Fix the example (or the schema) so the example validates.";
    OAS2_VALID_MEDIA_EXAMPLE = "oas2-valid-media-example", Examples, Warning, Spectral, false,
        "An example that contradicts its schema misleads readers and breaks mock servers and tests.",
        "Fix the response `examples` (or the schema) so they validate.";
    OAS3_VALID_SCHEMA_EXAMPLE = "oas3-valid-schema-example", Examples, Warning, Spectral, false,
        "A schema's `example` or `default` that violates the schema itself is a contradiction.",
        "Fix the schema's `example`/`default` so it validates against the schema.";
    OAS2_VALID_SCHEMA_EXAMPLE = "oas2-valid-schema-example", Examples, Warning, Spectral, false,
        "A schema's `example` or `default` that violates the schema itself is a contradiction.",
        "Fix the schema's `example`/`default` so it validates against the schema.";
    OPERATION_SUCCESS_RESPONSE = "operation-success-response", ResponsesAndErrors, Warning, Spectral, false,
        "Every operation has an outcome worth documenting.",
        "Document at least one 2xx or 3xx response.";
    OPERATION_ERROR_RESPONSE = "operation-error-response", ResponsesAndErrors, Info, Specdoc, false,
        "Clients must handle failures; undocumented errors are found in production.",
        "Document the 4xx/5xx responses the operation returns (or a `default` response).";
    ERROR_RESPONSE_SCHEMA = "error-response-schema", ResponsesAndErrors, Info, Specdoc, false,
        "Clients need the error body's shape to show or act on errors.",
        "Give at least one error response of the operation a body schema (ideally a shared Error schema).";
    RESPONSE_DESCRIPTION = "response-description", ResponsesAndErrors, Warning, Specdoc, false,
        "`description` is required on responses and says when the response happens.",
        "Add a `description` to the response.";
    SCHEMA_TYPE = "schema-type", SchemaQuality, Hint, Specdoc, false,
        "An untyped property accepts anything; generated clients degrade to `any`.",
        "Give the property a `type` (or a `$ref`, `enum`, `const` or composition).";
    INVALID_SCHEMA_TYPE = "invalid-schema-type", SchemaQuality, Error, Specdoc, true,
        "A `type` outside JSON Schema's seven types makes the schema invalid; tools reject it.",
        "Use one of string, number, integer, boolean, array, object, null.";
    SCHEMA_FORMAT_MISMATCH = "schema-format-mismatch", SchemaQuality, Warning, Specdoc, false,
        "A standard format on the wrong type (`integer` + `date-time`) is a contradiction tools resolve differently.",
        "Use a format that fits the type, or fix the type.";
    SCHEMA_CONSTRAINTS = "schema-constraints", SchemaQuality, Hint, Specdoc, false,
        "Unbounded strings tell clients nothing about valid input.",
        "Add `maxLength`, `pattern`, `format` or `enum` to string properties.";
    TYPED_ENUM = "typed-enum", SchemaQuality, Warning, Spectral, false,
        "Enum values that do not match the schema's type can never be valid.",
        "Make each enum value match the declared `type`.";
    DUPLICATED_ENTRY_IN_ENUM = "duplicated-entry-in-enum", SchemaQuality, Warning, Spectral, false,
        "A repeated enum value is a mistake and invalid JSON Schema.",
        "Remove the duplicate value.";
    EMPTY_OBJECT_SCHEMA = "empty-object-schema", SchemaQuality, Info, Specdoc, false,
        "An object with no properties says nothing about its contents.",
        "List the `properties`, or say what it maps with `additionalProperties`.";
    OPERATION_OPERATION_ID = "operation-operationId", Naming, Warning, Spectral, false,
        "operationIds name the generated client methods and give operations stable links.",
        "Add an `operationId`.";
    OPERATION_OPERATION_ID_UNIQUE = "operation-operationId-unique", Naming, Error, Spectral, true,
        "Duplicate operationIds make the spec invalid and collide in generated code.",
        "Give every operation a distinct `operationId`.";
    OPERATION_OPERATION_ID_VALID_IN_URL = "operation-operationId-valid-in-url", Naming, Warning, Spectral, false,
        "operationIds end up in links and file names.",
        "Use only URL-safe characters (letters, digits, `-._~` and reserved characters).";
    OPERATION_ID_CASING = "operationId-casing", Naming, Hint, Specdoc, false,
        "Mixed casing styles (camelCase next to snake_case) make a client library inconsistent.",
        "Rename the operationId to the casing most of the API uses.";
    OPERATION_TAGS = "operation-tags", Naming, Warning, Spectral, false,
        "Untagged operations land in a catch-all section of the documentation.",
        "Add at least one tag to the operation.";
    OPERATION_TAG_DEFINED = "operation-tag-defined", Naming, Warning, Spectral, false,
        "An undeclared tag has no description and no fixed order; usually it is a typo.",
        "Declare the tag in the top-level `tags` list (or fix the typo).";
    OPENAPI_TAGS = "openapi-tags", Naming, Warning, Spectral, false,
        "The top-level tags list orders and introduces the documentation's sections.",
        "Add a top-level `tags` list declaring every tag with a description.";
    SECURITY_SCHEMES_DEFINED = "security-schemes-defined", Security, Warning, Specdoc, false,
        "Readers cannot call the API without knowing how to authenticate.",
        "Declare the security schemes (`components/securitySchemes` or `securityDefinitions`).";
    OPERATION_SECURITY_APPLIED = "operation-security-applied", Security, Warning, Specdoc, false,
        "An operation with no security requirement is public; that should be deliberate.",
        "Add `security` at the top level or on the operation; mark public ones with `security: []`.";
    OAS3_OPERATION_SECURITY_DEFINED = "oas3-operation-security-defined", Security, Warning, Spectral, false,
        "A requirement naming an undeclared scheme cannot be satisfied.",
        "Declare the scheme in `components/securitySchemes` or fix the name.";
    OAS2_OPERATION_SECURITY_DEFINED = "oas2-operation-security-defined", Security, Warning, Spectral, false,
        "A requirement naming an undeclared scheme cannot be satisfied.",
        "Declare the scheme in `securityDefinitions` or fix the name.";
    SERVER_HTTPS = "server-https", Security, Warning, Specdoc, false,
        "Plain HTTP exposes credentials and data in transit.",
        "Serve the API over `https://` (plain http is accepted for localhost).";
    NO_API_KEY_IN_QUERY = "no-api-key-in-query", Security, Warning, Specdoc, false,
        "Keys in query strings end up in logs, browser history and referrers.",
        "Send the API key in a header instead (`in: header`).";
    NO_SECRETS_IN_URLS = "no-secrets-in-urls", Security, Error, Specdoc, false,
        "Credentials in a server URL are published with the documentation.",
        "Remove `user:password@` and key/token query parameters from server URLs; rotate the secret.";
    NO_SECRETS_IN_EXAMPLES = "no-secrets-in-examples", Security, Error, Specdoc, false,
        "A live-looking key in an example is either leaked or teaches readers to paste real keys.",
        "Replace the value with an obvious placeholder and rotate the secret if it was real.";
    OAS3_API_SERVERS = "oas3-api-servers", ServersAndMetadata, Warning, Spectral, false,
        "Without servers, readers (and try-it consoles) do not know where the API lives.",
        "Add a `servers` list with at least one URL.";
    OAS2_API_HOST = "oas2-api-host", ServersAndMetadata, Warning, Spectral, false,
        "Without a host, readers do not know where the API lives.",
        "Add `host` (and `schemes`, `basePath`).";
    OAS3_SERVER_NOT_EXAMPLE_COM = "oas3-server-not-example.com", ServersAndMetadata, Warning, Spectral, false,
        "example.com is a placeholder, not the API's address.",
        "Use the real server URL.";
    OAS3_SERVER_TRAILING_SLASH = "oas3-server-trailing-slash", ServersAndMetadata, Warning, Spectral, false,
        "Server URLs are joined with paths that start with `/`; a trailing slash doubles it.",
        "Remove the trailing slash from the server URL.";
    INFO_CONTACT = "info-contact", ServersAndMetadata, Warning, Spectral, false,
        "Readers need someone to ask.",
        "Add `info.contact` with a name, URL or e-mail.";
    CONTACT_PROPERTIES = "contact-properties", ServersAndMetadata, Info, Spectral, false,
        "A contact with only a name cannot be reached.",
        "Give `info.contact` a `name`, `url` and `email`.";
    INFO_LICENSE = "info-license", ServersAndMetadata, Warning, Spectral, false,
        "The licence says whether and how the API description may be reused.",
        "Add `info.license` with a name.";
    LICENSE_URL = "license-url", ServersAndMetadata, Info, Spectral, false,
        "A licence name alone is ambiguous.",
        "Add `info.license.url` (or an SPDX `identifier` in 3.1).";
    INFO_VERSION = "info-version", ServersAndMetadata, Warning, Specdoc, false,
        "`info.version` is required and tells readers which release they are reading.",
        "Set `info.version`.";
    OAS3_UNUSED_COMPONENT = "oas3-unused-component", Hygiene, Warning, Spectral, false,
        "Unused schemas clutter the documentation and are often leftovers.",
        "Use the schema or delete it.";
    OAS2_UNUSED_DEFINITION = "oas2-unused-definition", Hygiene, Warning, Spectral, false,
        "Unused definitions clutter the documentation and are often leftovers.",
        "Use the definition or delete it.";
    DANGLING_REF = "dangling-ref", Hygiene, Error, Specdoc, true,
        "A `$ref` to nothing makes the spec invalid; tools fail or show nothing.",
        "Point the `$ref` at an existing component, or add the component.";
    UNRESOLVED_REF = "unresolved-ref", Hygiene, Info, Specdoc, false,
        "Remote references are never fetched, so that part is documented as a link only.",
        "Bundle the spec (inline remote references) before submitting it.";
    NO_REF_SIBLINGS = "no-$ref-siblings", Hygiene, Warning, Spectral, false,
        "Before OpenAPI 3.1, keywords next to `$ref` are ignored, so what they say is silently lost.",
        "Move the keyword into the referenced schema, or wrap the `$ref` in `allOf`.";
    PATH_KEYS_NO_TRAILING_SLASH = "path-keys-no-trailing-slash", Hygiene, Warning, Spectral, false,
        "`/pets/` and `/pets` are different paths to most servers.",
        "Remove the trailing slash from the path.";
    PATH_NOT_INCLUDE_QUERY = "path-not-include-query", Hygiene, Warning, Spectral, false,
        "Query strings belong in query parameters, where they are documented and typed.",
        "Move the query string into `in: query` parameters.";
    PATH_PARAMS = "path-params", Hygiene, Error, Spectral, false,
        "Every `{variable}` in a path needs a required path parameter, and every path parameter a variable.",
        "Declare the missing path parameter (`in: path`, `required: true`) or fix the template.";
    OPERATION_PARAMETERS = "operation-parameters", Hygiene, Warning, Spectral, false,
        "A parameter listed twice (same `name` and `in`) is ambiguous: tools silently keep one or the other. Swagger 2.0 allows one body parameter, and a body cannot be sent with form data.",
        "Remove the repeated entry; keep a single `in: body` parameter, or send everything as `formData`.";
    NO_SCRIPT_TAGS_IN_MARKDOWN = "no-script-tags-in-markdown", Hygiene, Error, Spectral, false,
        "Descriptions are rendered as HTML; a script tag is an injection attempt or a mistake.",
        "Remove the `<script>` tag from the description.";
    NO_EVAL_IN_MARKDOWN = "no-eval-in-markdown", Hygiene, Error, Spectral, false,
        "`eval(` in rendered prose is a common injection payload.",
        "Remove `eval(` from the description.";
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
