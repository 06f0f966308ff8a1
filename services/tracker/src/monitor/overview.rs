//! The overview page and its live feed.
//!
//! The feed subscribes to the tracker's fan-out of every event (the one WatchJobs uses) and
//! re-renders the overview's live region when an event of a team the viewer sees arrives, at
//! most once per [`MIN_GAP`] (a burst of events makes one update), and every [`REFRESH`]
//! whatever happens (worker heartbeats, throughput and the oldest job's age change without
//! events). A viewer that falls behind the fan-out simply renders again: the region is
//! always rendered whole from the current state, so nothing can be missed.

use super::html::{self, escape, job_link};
use super::session::Viewer;
use super::{Monitor, PageError};
use axum::extract::State;
use axum::response::Response;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use specdoc_core::{JobState, Priority, TeamId, now_millis};
use specdoc_proto::queue::v1::EventRecord;
use specdoc_runtime::ApiError;
use specdoc_runtime::auth::Caller;
use specdoc_runtime::metrics::{OpenStream, metrics};
use specdoc_store::JobFilter;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::time::Instant;

/// The shortest time between two updates of one viewer's overview.
const MIN_GAP: Duration = Duration::from_millis(500);

/// Updates come at least this often.
const REFRESH: Duration = Duration::from_secs(5);

/// `GET /`.
pub(crate) async fn page(
    State(monitor): State<Monitor>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let live = render_live(&monitor, &viewer.caller).await?;
    let main = format!(
        "<h1>Overview</h1><div id=\"live\" data-overview-events=\"/events/overview\">{live}</div>"
    );
    Ok(html::document("Overview", Some(&viewer), "Overview", &main))
}

/// `GET /events/overview`: the live region, re-rendered as `overview` events.
pub(crate) async fn events(
    State(monitor): State<Monitor>,
    viewer: Viewer,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stop = monitor.stop.clone();
    let feed = Feed {
        events: monitor.fanout.subscribe(),
        monitor,
        caller: viewer.caller,
        refresh_at: Instant::now() + REFRESH,
        sent_at: Instant::now(),
        _open: metrics().stream_opened("MonitorOverview"),
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        let live = feed.next().await?;
        Some((Ok(Event::default().event("overview").data(live)), feed))
    });
    Sse::new(stream.take_until(stop.cancelled_owned())).keep_alive(KeepAlive::default())
}

struct Feed {
    monitor: Monitor,
    caller: Caller,
    events: broadcast::Receiver<Arc<EventRecord>>,
    refresh_at: Instant,
    sent_at: Instant,
    _open: OpenStream,
}

impl Feed {
    /// The next rendering of the live region; `None` when the fan-out is gone.
    async fn next(&mut self) -> Option<String> {
        loop {
            let wake = tokio::select! {
                received = self.events.recv() => match received {
                    Ok(record) => sees(&self.caller, &record.team_id),
                    Err(broadcast::error::RecvError::Lagged(_)) => true,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                () = tokio::time::sleep_until(self.refresh_at) => true,
            };
            if !wake {
                continue;
            }
            tokio::time::sleep_until(self.sent_at + MIN_GAP).await;
            // Whatever arrived meanwhile is in the rendering about to be made.
            while !matches!(
                self.events.try_recv(),
                Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed)
            ) {}
            self.sent_at = Instant::now();
            self.refresh_at = self.sent_at + REFRESH;
            match render_live(&self.monitor, &self.caller).await {
                Ok(live) => return Some(live),
                Err(error) => tracing::debug!(%error, "cannot render the overview; retrying"),
            }
        }
    }
}

/// Whether `caller` sees the jobs of the team an event names.
fn sees(caller: &Caller, team: &str) -> bool {
    TeamId::parse_field(team).is_ok_and(|team| caller.sees(&team))
}

/// The overview's live region, as `caller` may see it.
async fn render_live(monitor: &Monitor, caller: &Caller) -> Result<String, ApiError> {
    let team = caller.scope("team", "")?;
    let status = specdoc_scheduler::queue_status(&monitor.store, &monitor.queue, caller, "");
    let failed = JobFilter {
        team: team.clone(),
        states: vec![JobState::Failed],
        ..Default::default()
    };
    let any = JobFilter {
        team,
        ..Default::default()
    };
    let failures = monitor.store.list_jobs(&failed, 8, None);
    let recent = monitor.store.list_jobs(&any, 10, None);
    let (status, failures, recent) = tokio::join!(status, failures, recent);
    let (status, failures, recent) = (status?, failures?, recent?);
    let now = now_millis();

    let mut out = String::new();
    let figures = [
        ("Queued", status.queued.to_string()),
        ("Processing", status.processing.to_string()),
        (
            "Oldest queued",
            if status.queued == 0 {
                "–".into()
            } else {
                html::duration(status.oldest_queued_age_seconds)
            },
        ),
        (
            "Throughput",
            format!("{:.1} jobs/min", status.throughput_per_second * 60.0),
        ),
    ];
    out.push_str("<section aria-labelledby=\"h-figures\"><h2 id=\"h-figures\" class=\"sr-only\">Key figures</h2><ul class=\"figures\">");
    for (label, value) in figures {
        out.push_str(&format!(
            "<li class=\"card\"><span class=\"label\">{label}</span><span class=\"value\">{}</span></li>",
            escape(&value)
        ));
    }
    out.push_str("</ul></section><div class=\"grid\">");

    // Queue depth per priority and team.
    out.push_str(
        "<section class=\"card\" aria-labelledby=\"h-queue\"><h2 id=\"h-queue\">Queue</h2>",
    );
    let mut depths = status.depths.clone();
    depths.sort_by(|a, b| (a.priority, &a.team_id).cmp(&(b.priority, &b.team_id)));
    if depths.iter().all(|d| d.queued == 0) {
        out.push_str("<p class=\"muted\">Nothing is waiting.</p>");
    } else {
        out.push_str("<table><thead><tr><th scope=\"col\">Priority</th><th scope=\"col\">Team</th><th scope=\"col\" class=\"num\">Queued</th></tr></thead><tbody>");
        for depth in depths.iter().filter(|d| d.queued > 0) {
            let priority = Priority::from_proto(depth.priority).map_or("?", Priority::as_str);
            out.push_str(&format!(
                "<tr><td>{priority}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                escape(&depth.team_id),
                depth.queued
            ));
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");

    // Workers, their slots and running jobs.
    out.push_str(
        "<section class=\"card\" aria-labelledby=\"h-workers\"><h2 id=\"h-workers\">Workers</h2>",
    );
    if status.workers.is_empty() {
        out.push_str("<p class=\"muted\">No worker is alive.</p>");
    } else {
        out.push_str("<table><thead><tr><th scope=\"col\">Worker</th><th scope=\"col\">Slots in use</th><th scope=\"col\">Running</th></tr></thead><tbody>");
        for worker in &status.workers {
            let running = worker.running_job_ids.len();
            let jobs = worker
                .running_job_ids
                .iter()
                .map(|id| job_link(id))
                .collect::<Vec<_>>()
                .join(" ");
            let draining = if worker.draining {
                " <span class=\"badge\">draining</span>"
            } else {
                ""
            };
            out.push_str(&format!(
                "<tr><td class=\"mono\">{}{draining}</td><td><meter min=\"0\" max=\"{slots}\" value=\"{running}\" \
                 aria-label=\"slots in use\"></meter> {running}/{slots}</td><td>{jobs}</td></tr>",
                escape(&worker.worker_id),
                slots = worker.slots,
            ));
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section></div>");

    out.push_str("<section class=\"card\" aria-labelledby=\"h-failures\"><h2 id=\"h-failures\">Recent failures</h2>");
    if failures.jobs.is_empty() {
        out.push_str("<p class=\"muted\">No failed job.</p>");
    } else {
        out.push_str("<table><thead><tr><th scope=\"col\">Job</th><th scope=\"col\">Team</th><th scope=\"col\">Service</th><th scope=\"col\">Error</th><th scope=\"col\">Finished</th></tr></thead><tbody>");
        for job in &failures.jobs {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"wrap\">{}</td><td>{}</td></tr>",
                job_link(&job.id.to_string()),
                escape(job.team.as_str()),
                escape(job.service.as_str()),
                escape(job.error.as_deref().unwrap_or("")),
                job.finished_at.map(html::time).unwrap_or_default()
            ));
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");

    out.push_str(
        "<section class=\"card\" aria-labelledby=\"h-recent\"><h2 id=\"h-recent\">Latest jobs</h2>",
    );
    if recent.jobs.is_empty() {
        out.push_str("<p class=\"muted\">No job yet.</p>");
    } else {
        out.push_str(&super::jobs::table(&recent.jobs, now));
        out.push_str("<p><a href=\"/jobs\">All jobs</a></p>");
    }
    out.push_str("</section>");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_hears_only_its_own_events() {
        let payments = Caller::Team(TeamId::parse_field("payments").unwrap());
        assert!(sees(&payments, "payments"));
        assert!(!sees(&payments, "search"));
        assert!(!sees(&payments, ""));
        assert!(sees(&Caller::Admin, "search"));
    }
}
