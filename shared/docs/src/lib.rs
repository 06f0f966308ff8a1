//! specdoc's documentation engine: reads API specs (OpenAPI 3.0.x, OpenAPI 3.1.x and Swagger
//! 2.0, as JSON or YAML) into one normalised [`Spec`] model, renders it as GitHub-flavoured
//! Markdown ([`markdown::render`]) or a self-contained HTML page ([`html::render`]), scores its
//! quality from 0 to 100 ([`score::score`]) and can fill missing prose ([`prose::fill_missing`]).
//!
//! Everything is deterministic (same bytes in, same bytes out) and safe on hostile input:
//! loading is bounded by [`Limits`], `$ref` cycles never loop (and nested references to schema
//! parts cannot multiply without bound), nothing remote is fetched, and in HTML every
//! spec-derived name, value and URL is escaped while descriptions are rendered as CommonMark and
//! then cleaned by an allowlist sanitiser. The work is CPU-bound and synchronous; async
//! callers should run it on a blocking thread.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod common;
pub mod html;
pub mod markdown;
pub mod model;
pub mod parse;
pub mod prose;
pub mod score;

pub use model::{
    Header, MediaType, Method, Operation, Parameter, RequestBody, Response, Schema, SchemaDoc,
    SchemaRef, SecurityRequirement, SecurityScheme, Server, Spec, Tag, Text, UnresolvedRef,
};
pub use parse::{Limits, ParseError, SpecFormat, SpecInfo, inspect, parse};
pub use score::{CategoryScore, Finding, Score, Severity};
