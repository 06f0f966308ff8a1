//! Schemas in the model: a tree where a `$ref` to a named schema stays a link ([`SchemaRef`]),
//! which keeps recursive schemas finite and lets renderers link instead of repeating.

use super::Text;
use serde_json::Value;

/// A named schema (`components/schemas/NAME` or `definitions/NAME`).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaDoc {
    /// The schema's name.
    pub name: String,
    /// JSON pointer in the source spec.
    pub pointer: String,
    /// The schema itself.
    pub schema: Schema,
}

impl SchemaDoc {
    /// The schema's description, if any.
    pub fn description(&self) -> Option<&Text> {
        self.schema.description.as_ref()
    }
}

/// Where a `$ref` schema points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaRef {
    /// A named schema, by name.
    Named(String),
    /// A reference that cannot be followed: dangling local, or remote (never fetched).
    Unresolved {
        /// The reference as written.
        reference: String,
        /// True when the local target does not exist.
        dangling: bool,
    },
    /// A reference back into a schema being expanded (a cycle through non-named schemas).
    Recursive(String),
    /// A local reference to part of a schema (e.g. `#/components/schemas/A/properties/b`),
    /// left as a link because inlining such parts had already built too many nodes (specs can
    /// nest these references so that inlining them all grows exponentially).
    Part(String),
}

/// `additionalProperties`.
#[derive(Debug, Clone, PartialEq)]
pub enum AdditionalProperties {
    /// `true` / `false`.
    Allowed(bool),
    /// A schema for the extra values.
    Schema(Box<Schema>),
}

/// `discriminator`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discriminator {
    /// The property telling the variants apart.
    pub property_name: String,
    /// Value → schema reference.
    pub mapping: Vec<(String, String)>,
}

/// One object property.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// Property name.
    pub name: String,
    /// Listed in `required`.
    pub required: bool,
    /// The property's schema.
    pub schema: Schema,
}

/// A schema, normalised across JSON Schema dialects.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// Set when this schema is a `$ref`; the other fields then hold only sibling keywords.
    pub reference: Option<SchemaRef>,
    /// `type`, as a list (3.1 allows several); "null" is dropped in favour of `nullable`.
    pub types: Vec<String>,
    /// `format`.
    pub format: Option<String>,
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<Text>,
    /// `nullable` (3.0) or `null` in the type list (3.1).
    pub nullable: bool,
    /// `readOnly`.
    pub read_only: bool,
    /// `writeOnly`.
    pub write_only: bool,
    /// `deprecated`.
    pub deprecated: bool,
    /// `default`.
    pub default: Option<Value>,
    /// `example`, or the first of `examples`.
    pub example: Option<Value>,
    /// `enum`.
    pub enum_values: Vec<Value>,
    /// `const`.
    pub const_value: Option<Value>,
    /// Validation keywords as (keyword, value) in a fixed order, e.g. ("minLength", "1"). 3.0's
    /// `minimum: 5, exclusiveMinimum: true` is held as 3.1's ("exclusiveMinimum", "5").
    pub constraints: Vec<(String, String)>,
    /// `properties`, in spec order.
    pub properties: Vec<Property>,
    /// `additionalProperties`.
    pub additional_properties: Option<AdditionalProperties>,
    /// `items`.
    pub items: Option<Box<Schema>>,
    /// `oneOf`.
    pub one_of: Vec<Schema>,
    /// `anyOf`.
    pub any_of: Vec<Schema>,
    /// `allOf`.
    pub all_of: Vec<Schema>,
    /// `not`.
    pub not: Option<Box<Schema>>,
    /// `discriminator`.
    pub discriminator: Option<Discriminator>,
    /// JSON Schema 2020-12 keywords beyond OpenAPI 3.0's subset; `None` when the schema has
    /// none of them.
    pub keywords: Option<Box<Keywords>>,
    /// Nested deeper than the model keeps; the rest was cut.
    pub truncated: bool,
}

/// The JSON Schema 2020-12 keywords OpenAPI 3.1 allows and 3.0 lacks (plus `required` names
/// without a property of their own). Few schemas use any of them, so they live behind one
/// pointer in [`Schema::keywords`] and the common schema stays small.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Keywords {
    /// The rest of an `examples` array (its first value, or `example`, is [`Schema::example`]).
    pub more_examples: Vec<Value>,
    /// `prefixItems`: the schema of each leading array item, by position.
    pub prefix_items: Vec<Schema>,
    /// `items: false`: nothing may follow the `prefixItems`.
    pub closed_items: bool,
    /// `contains`.
    pub contains: Option<Schema>,
    /// `minContains`, as written.
    pub min_contains: Option<String>,
    /// `maxContains`, as written.
    pub max_contains: Option<String>,
    /// `patternProperties`: (regular expression, schema of matching properties).
    pub pattern_properties: Vec<(String, Schema)>,
    /// `propertyNames`.
    pub property_names: Option<Schema>,
    /// `unevaluatedProperties`.
    pub unevaluated_properties: Option<AdditionalProperties>,
    /// `unevaluatedItems`.
    pub unevaluated_items: Option<AdditionalProperties>,
    /// `dependentRequired`: (property, properties required when it is present).
    pub dependent_required: Vec<(String, Vec<String>)>,
    /// `dependentSchemas`: (property, schema the object must match when it is present).
    pub dependent_schemas: Vec<(String, Schema)>,
    /// `if`.
    pub if_schema: Option<Schema>,
    /// `then`.
    pub then_schema: Option<Schema>,
    /// `else`.
    pub else_schema: Option<Schema>,
    /// `contentMediaType` of a string's decoded content.
    pub content_media_type: Option<String>,
    /// `contentEncoding` (e.g. `base64`).
    pub content_encoding: Option<String>,
    /// `required` names not declared in this schema's own `properties`: e.g. `then: {required:
    /// [a]}`, or an `allOf` member making inherited properties required.
    pub other_required: Vec<String>,
}

impl Schema {
    /// The named schema this is a `$ref` to, if any.
    pub fn ref_name(&self) -> Option<&str> {
        match &self.reference {
            Some(SchemaRef::Named(n)) => Some(n),
            _ => None,
        }
    }

    /// A short type label: `string (date-time)`, `array of Pet`, `Pet`, `object`, `oneOf`...
    pub fn type_label(&self) -> String {
        match &self.reference {
            Some(SchemaRef::Named(n)) => return n.clone(),
            Some(SchemaRef::Unresolved { reference, .. }) => {
                return format!("unresolved {reference}");
            }
            Some(SchemaRef::Recursive(p)) => return format!("recursive {p}"),
            Some(SchemaRef::Part(p)) => return format!("see {p}"),
            None => {}
        }
        let mut label = if self.types.is_empty() {
            if !self.one_of.is_empty() {
                "oneOf".to_string()
            } else if !self.any_of.is_empty() {
                "anyOf".to_string()
            } else if !self.all_of.is_empty() {
                "allOf".to_string()
            } else if !self.properties.is_empty() {
                "object".to_string()
            } else if self.items.is_some() {
                "array".to_string()
            } else {
                "any".to_string()
            }
        } else {
            self.types.join(" or ")
        };
        if self.types.len() == 1
            && self.types[0] == "array"
            && let Some(items) = &self.items
        {
            label = format!("array of {}", items.type_label());
        }
        if let Some(f) = &self.format {
            label.push_str(&format!(" ({f})"));
        }
        if self.nullable {
            label.push_str(", nullable");
        }
        label
    }

    /// The 2020-12 keywords, if any.
    pub fn keywords(&self) -> Option<&Keywords> {
        self.keywords.as_deref()
    }

    /// `{type: "null"}` and nothing else: the "or null" member of a 3.1 `anyOf`/`oneOf`.
    pub fn is_null_only(&self) -> bool {
        self.nullable
            && self.reference.is_none()
            && self.types.is_empty()
            && self.properties.is_empty()
            && self.items.is_none()
            && self.one_of.is_empty()
            && self.any_of.is_empty()
            && self.all_of.is_empty()
            && self.enum_values.is_empty()
            && self.const_value.is_none()
    }

    /// Whether this schema (not through refs) has an example, default or const.
    pub fn has_example(&self) -> bool {
        self.example.is_some()
    }
}
