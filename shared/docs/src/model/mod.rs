//! The one internal model every spec version is normalised into (Swagger 2.0 is upgraded on the
//! fly), so the renderers, the scorer and the prose writer are written once. It is a plain tree:
//! `$ref`s to named schemas stay as links, so recursive schemas never make cycles here.

mod schema;

pub use schema::{
    AdditionalProperties, Discriminator, Keywords, Property, Schema, SchemaDoc, SchemaRef,
};

use crate::parse::SpecFormat;
use serde_json::Value;

/// A piece of prose, and whether specdoc wrote it (true) or the spec's authors did (false).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The text (CommonMark in OpenAPI).
    pub value: String,
    /// Written by [`crate::prose`], not by the spec's authors.
    pub generated: bool,
}

impl Text {
    /// Text from the spec itself; `None` for missing or blank text.
    pub fn authored(value: &str) -> Option<Text> {
        let v = value.trim();
        (!v.is_empty()).then(|| Text {
            value: v.to_string(),
            generated: false,
        })
    }

    /// Text written by specdoc.
    pub fn generated(value: impl Into<String>) -> Text {
        Text {
            value: value.into(),
            generated: true,
        }
    }
}

/// A whole API description, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// Which kind of spec it was read from.
    pub format: SpecFormat,
    /// The spec version as declared, e.g. "3.0.3" or "2.0".
    pub version: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`, the API's own version.
    pub api_version: String,
    /// `info.summary` (3.1).
    pub summary: Option<String>,
    /// `info.description`.
    pub description: Option<Text>,
    /// `info.termsOfService`.
    pub terms_of_service: Option<String>,
    /// `info.contact`.
    pub contact: Option<Contact>,
    /// `info.license`.
    pub license: Option<License>,
    /// Servers (for Swagger 2.0: from schemes, host and basePath).
    pub servers: Vec<Server>,
    /// Declared security schemes, in spec order.
    pub security_schemes: Vec<SecurityScheme>,
    /// Security requirements applying to every operation unless it overrides them.
    pub security: Vec<SecurityRequirement>,
    /// Declared tags, then tags only used by operations, in first-use order.
    pub tags: Vec<Tag>,
    /// Operations under `paths`, in spec order.
    pub operations: Vec<Operation>,
    /// Webhooks (3.1); `path` holds the webhook name.
    pub webhooks: Vec<Operation>,
    /// Named schemas (`components/schemas` or `definitions`), in spec order.
    pub schemas: Vec<SchemaDoc>,
    /// `$ref`s that could not be followed: dangling local ones and remote ones (never fetched).
    pub unresolved_refs: Vec<UnresolvedRef>,
    /// `externalDocs.url`.
    pub external_docs: Option<String>,
}

impl Spec {
    /// All operations under `paths` (each has `method` and `path`).
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// `(METHOD, path)` for every operation, e.g. `("GET", "/pets/{petId}")`.
    pub fn endpoints(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.operations
            .iter()
            .map(|o| (o.method.as_str(), o.path.as_str()))
    }

    /// The named schema `name`, if declared.
    pub fn schema(&self, name: &str) -> Option<&SchemaDoc> {
        self.schemas.iter().find(|s| s.name == name)
    }

    /// The declared tag `name`, if any.
    pub fn tag(&self, name: &str) -> Option<&Tag> {
        self.tags.iter().find(|t| t.name == name)
    }
}

/// `info.contact`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    /// Name of the contact.
    pub name: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

/// `info.license`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct License {
    /// Licence name.
    pub name: String,
    /// URL of the licence text.
    pub url: Option<String>,
    /// SPDX identifier (3.1).
    pub identifier: Option<String>,
}

/// A server the API is reachable at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// URL, possibly with `{variables}`.
    pub url: String,
    /// Description.
    pub description: Option<String>,
    /// Variables used in the URL.
    pub variables: Vec<ServerVariable>,
}

/// A server URL variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVariable {
    /// Variable name.
    pub name: String,
    /// Default value.
    pub default: String,
    /// Allowed values.
    pub enum_values: Vec<String>,
    /// Description.
    pub description: Option<String>,
}

/// A security scheme (`components/securitySchemes` or `securityDefinitions`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityScheme {
    /// The scheme's key.
    pub name: String,
    /// `type`: apiKey, http, oauth2, openIdConnect, mutualTLS.
    pub kind: String,
    /// Description.
    pub description: Option<String>,
    /// HTTP auth scheme (`basic`, `bearer`, ...).
    pub scheme: Option<String>,
    /// Bearer token format hint.
    pub bearer_format: Option<String>,
    /// Where an API key goes (`header`, `query`, `cookie`).
    pub location: Option<String>,
    /// The API key's header/query/cookie name.
    pub param_name: Option<String>,
    /// OAuth 2 flows.
    pub flows: Vec<OAuthFlow>,
    /// OpenID Connect discovery URL.
    pub open_id_connect_url: Option<String>,
}

/// One OAuth 2 flow.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OAuthFlow {
    /// implicit, password, clientCredentials or authorizationCode.
    pub kind: String,
    /// Authorization URL.
    pub authorization_url: Option<String>,
    /// Token URL.
    pub token_url: Option<String>,
    /// Refresh URL.
    pub refresh_url: Option<String>,
    /// Scopes and their descriptions.
    pub scopes: Vec<(String, String)>,
}

/// One security requirement: all of these schemes together (an empty list means anonymous).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityRequirement {
    /// Scheme names and required scopes.
    pub schemes: Vec<(String, Vec<String>)>,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Tag name.
    pub name: String,
    /// Description.
    pub description: Option<Text>,
    /// Declared in the top-level `tags` list (false: only used by operations).
    pub declared: bool,
}

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
}

impl Method {
    /// Every method, in OpenAPI's path item order.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// Upper-case name, e.g. "GET".
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// Parses a path item key (`get`, `post`, ...; lower case as in the spec).
    pub fn from_key(key: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().to_ascii_lowercase() == key)
    }
}

/// One operation (or webhook).
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// HTTP method.
    pub method: Method,
    /// Path exactly as in the spec (for webhooks: the webhook name).
    pub path: String,
    /// JSON pointer to the operation in the source spec, e.g. `/paths/~1pets/get`.
    pub pointer: String,
    /// `operationId`.
    pub operation_id: Option<String>,
    /// Summary.
    pub summary: Option<Text>,
    /// Description.
    pub description: Option<Text>,
    /// Deprecated.
    pub deprecated: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// Parameters (path-level ones merged in; an operation-level one replaces a path-level one
    /// with the same name and location).
    pub parameters: Vec<Parameter>,
    /// Request body.
    pub request_body: Option<RequestBody>,
    /// Responses, in spec order.
    pub responses: Vec<Response>,
    /// Security requirements; `None` means the spec-wide ones apply.
    pub security: Option<Vec<SecurityRequirement>>,
    /// Servers overriding the spec-wide ones.
    pub servers: Vec<Server>,
    /// Names of callbacks declared on the operation.
    pub callbacks: Vec<String>,
    /// Every entry of the path item's and the operation's `parameters` lists as written, before
    /// merging and with duplicates kept (Swagger 2.0 `body` and `formData` ones too), for the
    /// rules that check the lists themselves. Entries whose `$ref` cannot be followed are left out.
    pub declared_parameters: Vec<DeclaredParameter>,
}

impl Operation {
    /// "GET /pets/{petId}".
    pub fn label(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }
}

/// A parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Name.
    pub name: String,
    /// `in`: path, query, header or cookie.
    pub location: String,
    /// Required.
    pub required: bool,
    /// Deprecated.
    pub deprecated: bool,
    /// Description.
    pub description: Option<Text>,
    /// Schema (type, default, enum...).
    pub schema: Option<Schema>,
    /// Example value.
    pub example: Option<Value>,
    /// JSON pointer to the parameter object where it is defined: its entry in a `parameters`
    /// list, or the component a `$ref` leads to, so a shared parameter has one place.
    pub pointer: String,
    /// JSON pointer to the schema: `…/schema`, `…/content/TYPE/schema`, or (Swagger 2.0) the
    /// parameter object itself. `None` when there is no schema.
    pub schema_pointer: Option<String>,
    /// JSON pointer to the example value: `…/example`, `…/examples/NAME/value` or (Swagger 2.0)
    /// `…/x-example`. `None` when there is no example.
    pub example_pointer: Option<String>,
}

/// One entry of a `parameters` list, as written (see [`Operation::declared_parameters`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredParameter {
    /// Name.
    pub name: String,
    /// `in`, including Swagger 2.0's `body` and `formData`.
    pub location: String,
    /// JSON pointer to the list entry (`…/parameters/2`), even when the entry is a `$ref`.
    pub pointer: String,
    /// In the path item's list (shared by its operations) rather than the operation's.
    pub path_level: bool,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    /// Description.
    pub description: Option<Text>,
    /// Required.
    pub required: bool,
    /// One entry per media type.
    pub content: Vec<MediaType>,
}

/// A media type entry of a request or response body.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaType {
    /// E.g. `application/json`.
    pub media_type: String,
    /// Schema of the body.
    pub schema: Option<Schema>,
    /// Named examples given by the spec (`example` is named "example").
    pub examples: Vec<(String, Value)>,
}

/// A response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Status code or range as written (`200`, `4XX`, `default`).
    pub status: String,
    /// Description.
    pub description: Option<Text>,
    /// One entry per media type.
    pub content: Vec<MediaType>,
    /// Response headers.
    pub headers: Vec<Header>,
}

/// A response header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Header name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Schema.
    pub schema: Option<Schema>,
}

/// A `$ref` that was not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedRef {
    /// JSON pointer to the object holding the `$ref`.
    pub pointer: String,
    /// The reference as written.
    pub reference: String,
    /// True for a local ref whose target does not exist; false for a remote/file ref.
    pub dangling: bool,
}
