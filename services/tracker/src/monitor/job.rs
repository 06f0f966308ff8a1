//! One job's page: facts, ETA, attempts and error, the step timeline (filled in live by
//! [`events`], which runs WatchJob's own watcher over the fan-out), the quality score with its
//! findings, links to the documents, and the cancel button.

use super::html::{self, escape, state_badge};
use super::session::{CsrfForm, Viewer, check_post};
use super::{Monitor, PageError, job_id};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use futures::StreamExt;
use serde::Deserialize;
use specdoc_core::{Job, JobId, JobState, OutputFormat, Step, StepStatus, from_timestamp};
use specdoc_proto::Message;
use specdoc_proto::job::v1 as pb;
use specdoc_runtime::ApiError;
use specdoc_runtime::metrics::metrics;
use std::convert::Infallible;

/// Events shown on the page when it loads; the live stream sends any after them.
const TIMELINE_PAGE: u32 = 500;

/// Findings listed on the page (a big spec can have thousands; the documents list them all).
const FINDINGS_SHOWN: usize = 200;

/// The job `raw` names, if `viewer` may see it; another team's job is NOT_FOUND.
async fn visible_job(monitor: &Monitor, viewer: &Viewer, id: JobId) -> Result<Job, PageError> {
    let not_found = || format!("job {id}");
    let job = monitor
        .store
        .get_job(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(not_found()))?;
    viewer.caller.check_sees(&job.team, not_found)?;
    Ok(job)
}

/// `GET /jobs/{id}`.
pub(crate) async fn page(
    State(monitor): State<Monitor>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = job_id(&raw)?;
    let job = visible_job(&monitor, &viewer, id).await?;
    let events = monitor.store.events_after(id, 0, TIMELINE_PAGE).await?;
    let last = events.last().map_or(0, |e| e.seq);
    let panel = render_panel(&monitor, &viewer, &job).await?;
    let results = render_results(&monitor, &job).await?;
    let rows = events
        .iter()
        .map(|e| {
            timeline_row(
                e.event.step.as_str(),
                e.event.status.as_str(),
                &e.event.message,
                e.time,
                e.attempt,
            )
        })
        .collect::<String>();
    // Only an unfinished job has anything to stream.
    let live = if job.state.is_terminal() {
        String::new()
    } else {
        format!(" data-job-events=\"/events/jobs/{id}?after={last}\"")
    };
    let main = format!(
        "<h1>{service} <span class=\"muted mono\">{id}</span></h1>\
         <div class=\"grid\"><div id=\"panel\" data-panel=\"/jobs/{id}/panel\">{panel}</div>\
         <section class=\"card\" aria-labelledby=\"h-timeline\"><h2 id=\"h-timeline\">Timeline</h2>\
         <ol id=\"timeline\" class=\"timeline\" aria-live=\"polite\"{live}>{rows}</ol></section></div>\
         <div id=\"results\" data-results=\"/jobs/{id}/panel?part=results\">{results}</div>",
        service = escape(job.service.as_str()),
    );
    Ok(html::document(
        &format!("Job {}", job.service),
        Some(&viewer),
        "Jobs",
        &main,
    ))
}

/// Which part of a job's page to render again.
#[derive(Debug, Deserialize)]
pub(crate) struct PartQuery {
    #[serde(default)]
    part: String,
}

/// `GET /jobs/{id}/panel[?part=results]`: the facts (or the results), which the page fetches
/// again when the job ends.
pub(crate) async fn panel(
    State(monitor): State<Monitor>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(query): Query<PartQuery>,
) -> Result<Response, PageError> {
    let job = visible_job(&monitor, &viewer, job_id(&raw)?).await?;
    let part = match query.part.as_str() {
        "results" => render_results(&monitor, &job).await?,
        _ => render_panel(&monitor, &viewer, &job).await?,
    };
    Ok(html::html_response(part))
}

fn timeline_row(step: &str, status: &str, message: &str, time: i64, attempt: u32) -> String {
    format!(
        "<li class=\"ev ev-{status}\"><time>{clock}</time> <span class=\"step\">{step}</span> \
         <span class=\"status\">{status}</span> <span class=\"msg\">{message}</span>{attempt}</li>",
        status = escape(status),
        step = escape(step),
        clock = html::clock(time),
        message = escape(message),
        attempt = if attempt > 0 {
            format!(" <span class=\"muted\">attempt {attempt}</span>")
        } else {
            String::new()
        },
    )
}

/// The facts of a job, and its cancel button while it can be cancelled.
async fn render_panel(monitor: &Monitor, viewer: &Viewer, job: &Job) -> Result<String, PageError> {
    let eta = if job.state.is_terminal() {
        "–".to_owned()
    } else {
        monitor.eta.eta(job).await.map_or("unknown".into(), |eta| {
            format!("in about {}", html::duration(eta.seconds_remaining))
        })
    };
    let mut facts = vec![
        (
            "State",
            format!(
                "<span id=\"state\">{}</span>",
                state_badge(job.state.as_str())
            ),
        ),
        (
            "Progress",
            format!(
                "<progress id=\"progress\" max=\"100\" value=\"{p}\" aria-label=\"progress\">{p}%</progress> <span id=\"progress-text\">{p}%</span>",
                p = job.progress
            ),
        ),
        ("ETA", format!("<span id=\"eta\">{}</span>", escape(&eta))),
        ("Team", escape(job.team.as_str())),
        ("Type", job.job_type.to_string()),
        ("Priority", job.priority.to_string()),
        (
            "Attempts",
            format!("{} of {}", job.attempt, job.max_attempts),
        ),
        ("Created", html::time(job.created_at)),
    ];
    if let Some(started) = job.started_at {
        facts.push(("Started", html::time(started)));
    }
    if let Some(finished) = job.finished_at {
        facts.push(("Finished", html::time(finished)));
    }
    facts.push(("Spec size", format!("{} bytes", job.spec_bytes)));
    if let Some(reason) = &job.degraded_reason {
        facts.push(("Degraded", escape(reason)));
    }
    if let Some(error) = &job.error {
        facts.push((
            "Error",
            format!("<span class=\"error\">{}</span>", escape(error)),
        ));
    }
    let mut out = String::from(
        "<section class=\"card\" aria-labelledby=\"h-facts\"><h2 id=\"h-facts\">Status</h2><dl class=\"facts\">",
    );
    for (term, value) in facts {
        out.push_str(&format!("<dt>{term}</dt><dd>{value}</dd>"));
    }
    out.push_str("</dl>");
    if !job.state.is_terminal() {
        out.push_str(&format!(
            "<form method=\"post\" action=\"/jobs/{}/cancel\" class=\"cancel\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\" class=\"danger\">Cancel job</button></form>",
            job.id,
            viewer.csrf()
        ));
    }
    out.push_str("</section>");
    Ok(out)
}

/// The documents and quality score of a completed job; nothing for any other.
async fn render_results(monitor: &Monitor, job: &Job) -> Result<String, PageError> {
    if job.state != JobState::Completed {
        return Ok(String::new());
    }
    let stored = monitor.store.get_results(job.id).await?;
    let mut out = String::from(
        "<section class=\"card\" aria-labelledby=\"h-results\"><h2 id=\"h-results\">Results</h2>",
    );
    if !stored.documents.is_empty() {
        out.push_str("<p class=\"docs\">");
        for document in &stored.documents {
            let (label, slug) = match document.format {
                OutputFormat::Html => ("HTML document", "html"),
                OutputFormat::Markdown => ("Markdown document", "markdown"),
            };
            out.push_str(&format!(
                "<a class=\"button\" href=\"/jobs/{}/documents/{slug}\">{label}</a> ",
                job.id
            ));
        }
        out.push_str("</p>");
    }
    let Some(bytes) = stored.quality_report else {
        out.push_str("</section>");
        return Ok(out);
    };
    let quality = pb::QualityScore::decode(bytes.as_slice()).map_err(|e| {
        ApiError::Internal(format!("undecodable quality report of {}: {e}", job.id))
    })?;
    out.push_str(&format!(
        "<p class=\"score\"><span class=\"value\">{}</span><span class=\"muted\"> / 100 quality score</span></p>",
        quality.overall
    ));
    out.push_str("<div class=\"scroll\"><table><caption>Categories</caption><thead><tr><th scope=\"col\">Category</th>\
                  <th scope=\"col\" class=\"num\">Weight</th><th scope=\"col\" class=\"num\">Score</th><th scope=\"col\">Detail</th></tr></thead><tbody>");
    for category in &quality.categories {
        out.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&category.category),
            category.weight,
            category.score,
            escape(&category.detail)
        ));
    }
    out.push_str("</tbody></table></div>");
    let total = quality.findings.len();
    out.push_str(&format!(
        "<h3>Findings <span class=\"muted\">({total})</span></h3>"
    ));
    if total > 0 {
        out.push_str("<div class=\"scroll\"><table class=\"findings\"><thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Rule</th>\
                      <th scope=\"col\">Where</th><th scope=\"col\">What to fix</th></tr></thead><tbody>");
        for finding in quality.findings.iter().take(FINDINGS_SHOWN) {
            let severity = severity(finding.severity);
            out.push_str(&format!(
                "<tr><td><span class=\"badge sev-{severity}\">{severity}</span></td><td class=\"mono\">{}</td>\
                 <td class=\"mono wrap\">{}</td><td class=\"wrap\">{}</td></tr>",
                escape(&finding.rule_id),
                escape(&finding.pointer),
                escape(&finding.message)
            ));
        }
        out.push_str("</tbody></table></div>");
        if total > FINDINGS_SHOWN {
            out.push_str(&format!(
                "<p class=\"muted\">The first {FINDINGS_SHOWN} of {total}; the documents list them all.</p>"
            ));
        }
    }
    out.push_str("</section>");
    Ok(out)
}

fn severity(value: i32) -> &'static str {
    match pb::Severity::try_from(value) {
        Ok(pb::Severity::Error) => "error",
        Ok(pb::Severity::Warning) => "warning",
        Ok(pb::Severity::Info) => "info",
        Ok(pb::Severity::Hint) => "hint",
        _ => "unknown",
    }
}

/// `POST /jobs/{id}/cancel`.
pub(crate) async fn cancel(
    State(monitor): State<Monitor>,
    viewer: Viewer,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_post(&viewer, &headers, &form.csrf)?;
    let id = job_id(&raw)?;
    specdoc_scheduler::cancel_job(
        &monitor.store,
        &monitor.queue,
        &viewer.caller,
        &id.to_string(),
        &format!("by {} in the web monitor", viewer.label()),
    )
    .await?;
    Ok(Redirect::to(&format!("/jobs/{id}")).into_response())
}

/// `GET /jobs/{id}/documents/{html|markdown}`. The HTML page is served with the docs engine's
/// own Content-Security-Policy, plus `sandbox allow-scripts`: its inline search script runs,
/// but in an opaque origin, so nothing in a document can act on the monitor's session.
pub(crate) async fn document(
    State(monitor): State<Monitor>,
    viewer: Viewer,
    Path((raw, format)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let not_found = || PageError(ApiError::NotFound("document".into()));
    let format = match format.as_str() {
        "html" => OutputFormat::Html,
        "markdown" => OutputFormat::Markdown,
        _ => return Err(not_found()),
    };
    let job = visible_job(&monitor, &viewer, job_id(&raw)?).await?;
    let document = monitor
        .store
        .get_results(job.id)
        .await?
        .documents
        .into_iter()
        .find(|d| d.format == format)
        .ok_or_else(not_found)?;
    // Named after the validated service name, never after spec content.
    let disposition = format!(
        "inline; filename=\"{}.{}\"",
        job.service,
        format.extension()
    );
    let (content_type, csp) = match format {
        OutputFormat::Html => (
            format.content_type(),
            format!("{}; sandbox allow-scripts", specdoc_docs::html::CSP),
        ),
        // Shown as text in the browser rather than downloaded.
        OutputFormat::Markdown => (
            "text/plain; charset=utf-8",
            "default-src 'none'; sandbox".to_owned(),
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
        ],
        document.content,
    )
        .into_response())
}

/// The cursor of the live stream: `after` in the query, or the last event the browser saw
/// when it reconnects.
#[derive(Debug, Deserialize)]
pub(crate) struct AfterQuery {
    #[serde(default)]
    after: u64,
}

/// `GET /events/jobs/{id}`: the job's events after the cursor as `step` events, ending after
/// the terminal one (204 when there is nothing more to send, which stops the browser's
/// reconnecting).
pub(crate) async fn events(
    State(monitor): State<Monitor>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(query): Query<AfterQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let id = job_id(&raw)?;
    // Subscribed before the job is read, as WatchJob does, so no event slips between the two.
    let live = monitor.fanout.subscribe_job(&id.to_string());
    let job = visible_job(&monitor, &viewer, id).await?;
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .unwrap_or(query.after)
        .min(job.last_seq);
    if job.state.is_terminal() && after == job.last_seq {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let open = metrics().stream_opened("MonitorJob");
    let stream = crate::watch::watch_job(
        monitor.store.clone(),
        monitor.eta.clone(),
        live,
        id,
        after,
        open,
    )
    // A failed read ends the stream; the browser reconnects from the last event it saw.
    .scan((), |_, item| futures::future::ready(item.ok()))
    .filter_map(|response| futures::future::ready(response.event.map(step_event)))
    .map(Ok::<_, Infallible>)
    .take_until(monitor.stop.clone().cancelled_owned());
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// One event for the page's script: what the timeline row and the facts need.
fn step_event(event: pb::JobEvent) -> Event {
    let state = JobState::from_proto(event.state);
    let time = event.time.as_ref().map_or(0, from_timestamp);
    let data = serde_json::json!({
        "seq": event.seq,
        "step": Step::from_proto(event.step).map_or("job", Step::as_str),
        "status": StepStatus::from_proto(event.status).map_or("started", StepStatus::as_str),
        "state": state.map_or("queued", JobState::as_str),
        "terminal": state.is_some_and(JobState::is_terminal),
        "progress": event.progress_percent,
        "message": event.message,
        "time": html::clock(time),
        "attempt": event.attempt,
        "eta": event.eta.map(|eta| format!("in about {}", html::duration(eta.seconds_remaining))),
    });
    Event::default()
        .id(event.seq.to_string())
        .event("step")
        .data(data.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_rows_escape_messages() {
        let row = timeline_row("parse", "failed", "<img src=x onerror=alert(1)>", 0, 2);
        assert!(row.contains("&lt;img src=x onerror=alert(1)&gt;"), "{row}");
        assert!(row.contains("attempt 2"));
        assert_eq!(severity(pb::Severity::Warning as i32), "warning");
    }
}
