//! Logs and traces, through `tracing`.
//!
//! - **Logs** go to stderr, filtered by `RUST_LOG` (default `info`). `LOG_FORMAT=json` writes
//!   one JSON object per line, with the `trace_id` and `span_id` of the span it happened in
//!   while traces are exported; `LOG_FORMAT=text` is the human format. Unset, a terminal gets
//!   text and anything else (a container's log collector) gets JSON. Spec bodies, tokens and
//!   passwords are never logged.
//! - **Traces** are OpenTelemetry spans, built only when they are exported: with
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set. Then every span
//!   has W3C ids, which JSON log lines, job records (`specdoc status`) and the Redis envelope
//!   carry, and the standard `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
//!   `OTEL_TRACES_SAMPLER(_ARG)` and `OTEL_BSP_*` variables are honoured by the SDK. Without an
//!   endpoint there is no exporter, batcher or connection, and no span is built either: building
//!   spans nobody receives took a quarter of the worker's CPU on small jobs. Log lines then carry
//!   no trace ids, and a job records the trace context its caller sent, if any
//!   ([`job_traceparent`]).

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::fmt;
use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};
use tracing::{Level, Subscriber};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, filter::FilterFn};

/// Keeps the tracer provider alive; dropping it flushes spans not yet exported.
#[must_use = "dropping the guard shuts tracing down"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("flushing traces failed: {error}");
        }
    }
}

static INSTALLED: OnceLock<()> = OnceLock::new();

/// Whether spans are built and exported (set by [`init`]).
static EXPORTING: OnceLock<bool> = OnceLock::new();

/// Installs logging and tracing for a process whose default service name is `service`. Must be
/// called inside the Tokio runtime (the exporter runs on it). Later calls do nothing, so
/// in-process tests and `specdoc up` can share it.
pub fn init(service: &str) -> Telemetry {
    let mut installed_now = false;
    INSTALLED.get_or_init(|| installed_now = true);
    if !installed_now {
        return Telemetry { provider: None };
    }
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let (provider, export_error) = match exporting_provider(service) {
        Ok(provider) => (provider, None),
        Err(error) => (None, Some(error)),
    };
    EXPORTING.get_or_init(|| provider.is_some());
    // Spans reach OpenTelemetry at INFO whatever RUST_LOG says, so a quiet log keeps full traces.
    // Events become span events from WARN up: what went wrong shows in the trace, while routine
    // INFO lines (a job started, completed) stay in the log, which carries the same trace and
    // span ids; as span events they were a fifth of a small job's tracing cost. (A filter of
    // metadata alone is decided once per callsite.)
    // Nothing here reads OpenTelemetry's "current context" (trace context travels through
    // `OpenTelemetrySpanExt`), so entering a span does not attach one: that cost an allocation at
    // every poll of every instrumented future. Thread attributes cost a lookup per span.
    let traced = |meta: &tracing::Metadata<'_>| {
        let floor = if meta.is_span() {
            Level::INFO
        } else {
            Level::WARN
        };
        *meta.level() <= floor
    };
    let otel = provider.as_ref().map(|provider| {
        opentelemetry::global::set_tracer_provider(provider.clone());
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("specdoc"))
            .with_context_activation(false)
            .with_threads(false)
            .with_filter(FilterFn::new(traced).with_max_level_hint(Level::INFO))
    });
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match std::env::var("LOG_FORMAT").as_deref() {
        Ok("json") => true,
        Ok("text") => false,
        _ => !std::io::stderr().is_terminal(),
    };
    let logs = if json {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .fmt_fields(JsonFields::new())
            .event_format(JsonWithTraceIds(
                tracing_subscriber::fmt::format()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_span_list(false),
            ))
            .with_filter(filter)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_filter(filter)
            .boxed()
    };
    let _ = tracing_subscriber::registry()
        .with(otel)
        .with(logs)
        .try_init();
    if let Some(error) = export_error {
        tracing::warn!(%error, "trace export is off: the OTLP exporter could not be built");
    }
    Telemetry { provider }
}

/// The SDK provider with an OTLP batch exporter, when an endpoint is configured; an error when
/// the exporter cannot be built.
fn exporting_provider(service: &str) -> Result<Option<SdkTracerProvider>, String> {
    let configured = [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|name| std::env::var(name).is_ok_and(|v| !v.is_empty()));
    if !configured {
        return Ok(None);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .build()
        .map_err(|error| error.to_string())?;
    let mut resource = opentelemetry_sdk::Resource::builder();
    let named_by_env = std::env::var_os("OTEL_SERVICE_NAME").is_some()
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|a| a.contains("service.name="));
    if !named_by_env {
        resource = resource.with_service_name(service.to_owned());
    }
    // The async-runtime batcher: tonic needs a Tokio reactor, which the SDK's thread-based
    // batcher does not have.
    let batcher =
        opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor::builder(
            exporter,
            opentelemetry_sdk::runtime::Tokio,
        )
        .build();
    Ok(Some(
        SdkTracerProvider::builder()
            .with_resource(resource.build())
            .with_span_processor(batcher)
            .build(),
    ))
}

/// The JSON line of `tracing-subscriber`, plus the OpenTelemetry ids of the current span.
struct JsonWithTraceIds(
    tracing_subscriber::fmt::format::Format<tracing_subscriber::fmt::format::Json>,
);

impl<S, N> FormatEvent<S, N> for JsonWithTraceIds
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> fmt::Result {
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        let ids = ctx.lookup_current().and_then(|span| {
            tracing::dispatcher::get_default(|dispatch| {
                tracing_opentelemetry::get_otel_context(&span.id(), dispatch)
            })
        });
        let span_context = ids.as_ref().map(|cx| cx.span().span_context().clone());
        match (span_context, line.strip_suffix("}\n")) {
            (Some(sc), Some(object)) if sc.is_valid() => writeln!(
                writer,
                "{object},\"trace_id\":\"{}\",\"span_id\":\"{}\"}}",
                sc.trace_id(),
                sc.span_id()
            ),
            _ => writer.write_str(&line),
        }
    }
}

/// The W3C `traceparent` of the current span; `None` while no span is built (spans are not
/// exported) or entered.
fn current_traceparent() -> Option<String> {
    let context = tracing::Span::current().context();
    let mut carrier = TraceParent(None);
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.0
}

/// The W3C `traceparent` a job submitted now carries: the current span's, which continues the
/// caller's trace, when spans are exported; otherwise the caller's own (`caller`, from the
/// request's `traceparent` header), if well-formed.
pub fn job_traceparent(caller: Option<&str>) -> Option<String> {
    current_traceparent().or_else(|| {
        caller
            .filter(|t| context_of(t).span().span_context().is_valid())
            .map(str::to_owned)
    })
}

/// Makes `parent` (a W3C `traceparent`) the parent of `span`; an absent or malformed value
/// leaves `span` a root.
pub fn continue_trace(span: &tracing::Span, parent: Option<&str>) {
    if let Some(context) = parent
        .map(context_of)
        .filter(|cx| cx.span().span_context().is_valid())
    {
        let _ = span.set_parent(context);
    }
}

/// The OpenTelemetry context described by a W3C `traceparent`.
fn context_of(traceparent: &str) -> opentelemetry::Context {
    TraceContextPropagator::new().extract(&TraceParent(Some(traceparent.to_owned())))
}

/// Records a finished span that `tracing` could not time itself, such as the wait between
/// submission and a worker's start (times in Unix milliseconds), under `parent`.
pub fn record_span(name: &'static str, parent: &str, start_ms: i64, end_ms: i64) {
    use opentelemetry::trace::{Span as _, Tracer as _};
    if EXPORTING.get() != Some(&true) {
        return;
    }
    let at = |ms: i64| UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    let tracer = opentelemetry::global::tracer("specdoc");
    let mut span = tracer
        .span_builder(name)
        .with_start_time(at(start_ms))
        .start_with_context(&tracer, &context_of(parent));
    span.end_with_timestamp(at(end_ms));
}

/// A carrier holding just the `traceparent` header.
struct TraceParent(Option<String>);

impl Injector for TraceParent {
    fn set(&mut self, key: &str, value: String) {
        if key == "traceparent" {
            self.0 = Some(value);
        }
    }
}

impl Extractor for TraceParent {
    fn get(&self, key: &str) -> Option<&str> {
        (key == "traceparent")
            .then_some(self.0.as_deref())
            .flatten()
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent"]
    }
}
