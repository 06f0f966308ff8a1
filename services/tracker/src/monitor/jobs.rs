//! The jobs list: filters by team, service, status and type, newest first, paged with the
//! same cursor as ListJobs (the last job id of a page).

use super::html::{self, escape, job_link, query_value, state_badge};
use super::session::Viewer;
use super::{Monitor, PageError};
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use specdoc_core::{Job, JobState, JobType, UnixMillis};
use specdoc_runtime::auth::Caller;
use specdoc_store::JobFilter;

/// Jobs per page.
const PAGE: u32 = 25;

/// The list's query string; empty values mean "any".
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    team: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    status: String,
    #[serde(default, rename = "type")]
    job_type: String,
    #[serde(default)]
    before: String,
}

impl ListQuery {
    /// The store filter these fields ask for, as `caller` may see it.
    fn filter(&self, caller: &Caller) -> Result<JobFilter, PageError> {
        let invalid =
            |field, reason: &str| PageError(specdoc_core::Invalid::new(field, reason).into());
        let states = match self.status.as_str() {
            "" => vec![],
            name => vec![
                JobState::from_name(name)
                    .ok_or_else(|| invalid("status", "is not a job status"))?,
            ],
        };
        let job_type = match self.job_type.as_str() {
            "" => None,
            name => {
                Some(JobType::from_name(name).ok_or_else(|| invalid("type", "is not a job type"))?)
            }
        };
        Ok(JobFilter {
            team: caller.scope("team", self.team.trim())?,
            service: Some(self.service.trim().to_owned()).filter(|s| !s.is_empty()),
            states,
            job_type,
            ..Default::default()
        })
    }

    /// The query string of these filters (without the cursor).
    fn filters_query(&self) -> String {
        [
            ("team", &self.team),
            ("service", &self.service),
            ("status", &self.status),
            ("type", &self.job_type),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}&", query_value(v)))
        .collect()
    }
}

/// `GET /jobs`.
pub(crate) async fn list(
    State(monitor): State<Monitor>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let filter = query.filter(&viewer.caller)?;
    let before = match query.before.as_str() {
        "" => None,
        token => Some(token.parse().map_err(|_| {
            PageError(specdoc_core::Invalid::new("before", "is not a page cursor").into())
        })?),
    };
    let page = monitor.store.list_jobs(&filter, PAGE, before).await?;
    let mut main = String::from("<h1>Jobs</h1>");
    main.push_str(&filters_form(&query, &viewer.caller));
    if page.jobs.is_empty() {
        main.push_str("<p class=\"muted\">No job matches.</p>");
    } else {
        main.push_str(&table(&page.jobs, specdoc_core::now_millis()));
    }
    let filters = query.filters_query();
    main.push_str("<nav class=\"pager\" aria-label=\"Pages\">");
    if before.is_some() {
        main.push_str(&format!(
            "<a href=\"/jobs?{}\">First page</a>",
            escape(filters.trim_end_matches('&'))
        ));
    }
    if let Some(next) = page.next {
        main.push_str(&format!(
            "<a href=\"/jobs?{}before={next}\" rel=\"next\">Next page</a>",
            escape(&filters)
        ));
    }
    main.push_str("</nav>");
    Ok(html::document("Jobs", Some(&viewer), "Jobs", &main))
}

fn filters_form(query: &ListQuery, caller: &Caller) -> String {
    let select = |name: &str, label: &str, current: &str, options: &[&str]| {
        let options = std::iter::once("")
            .chain(options.iter().copied())
            .map(|value| {
                let selected = if value == current { " selected" } else { "" };
                let text = if value.is_empty() { "any" } else { value };
                format!("<option value=\"{value}\"{selected}>{text}</option>")
            })
            .collect::<String>();
        format!("<label>{label}<select name=\"{name}\">{options}</select></label>")
    };
    let states: Vec<&str> = JobState::ALL.iter().map(|s| s.as_str()).collect();
    let types: Vec<&str> = JobType::ALL.iter().map(|t| t.as_str()).collect();
    // A team sees its own jobs only: the field would have one answer.
    let team = match caller {
        Caller::Admin => format!(
            "<label>Team<input name=\"team\" value=\"{}\" placeholder=\"all teams\"></label>",
            escape(&query.team)
        ),
        Caller::Team(_) => String::new(),
    };
    format!(
        "<form class=\"filters card\" method=\"get\" action=\"/jobs\" role=\"search\" aria-label=\"Filter jobs\">{team}\
         <label>Service<input name=\"service\" value=\"{}\" placeholder=\"all services\"></label>{}{}\
         <button type=\"submit\">Filter</button></form>",
        escape(&query.service),
        select("status", "Status", &query.status, &states),
        select("type", "Type", &query.job_type, &types),
    )
}

/// A table of jobs, as the list and the overview show them.
pub(crate) fn table(jobs: &[Job], now: UnixMillis) -> String {
    let mut out = String::from(
        "<div class=\"scroll\"><table class=\"jobs\"><thead><tr><th scope=\"col\">Job</th><th scope=\"col\">Team</th>\
         <th scope=\"col\">Service</th><th scope=\"col\">Type</th><th scope=\"col\">State</th>\
         <th scope=\"col\" class=\"num\">Progress</th><th scope=\"col\" class=\"num\">Score</th><th scope=\"col\">Created</th></tr></thead><tbody>",
    );
    for job in jobs {
        let age = html::duration((now - job.created_at).max(0) as f64 / 1000.0);
        out.push_str(&format!(
            "<tr data-job=\"{id}\"><td>{link}</td><td>{team}</td><td>{service}</td><td>{job_type}</td><td>{state}</td>\
             <td class=\"num\">{progress}%</td><td class=\"num\">{score}</td><td>{created} <span class=\"muted\">({age} ago)</span></td></tr>",
            id = job.id,
            link = job_link(&job.id.to_string()),
            team = escape(job.team.as_str()),
            service = escape(job.service.as_str()),
            job_type = job.job_type,
            state = state_badge(job.state.as_str()),
            progress = job.progress,
            score = job.quality_score.map_or("–".into(), |s| s.to_string()),
            created = html::time(job.created_at),
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use specdoc_core::TeamId;

    #[test]
    fn a_team_lists_its_own_jobs_and_no_one_elses() {
        let payments = Caller::Team(TeamId::parse_field("payments").unwrap());
        let query = ListQuery {
            status: "failed".into(),
            job_type: "documentation".into(),
            service: " billing ".into(),
            ..Default::default()
        };
        let filter = query.filter(&payments).unwrap();
        assert_eq!(filter.team.as_ref().map(TeamId::as_str), Some("payments"));
        assert_eq!(filter.states, vec![JobState::Failed]);
        assert_eq!(filter.job_type, Some(JobType::Documentation));
        assert_eq!(filter.service.as_deref(), Some("billing"));
        let other = ListQuery {
            team: "search".into(),
            ..Default::default()
        };
        assert!(matches!(
            other.filter(&payments),
            Err(PageError(specdoc_runtime::ApiError::NotFound(_)))
        ));
        assert_eq!(
            other.filter(&Caller::Admin).unwrap().team.unwrap().as_str(),
            "search"
        );
        let bad = ListQuery {
            status: "sleeping".into(),
            ..Default::default()
        };
        assert!(bad.filter(&Caller::Admin).is_err());
    }

    #[test]
    fn pages_keep_their_filters() {
        let query = ListQuery {
            service: "a b".into(),
            status: "queued".into(),
            ..Default::default()
        };
        assert_eq!(query.filters_query(), "service=a%20b&status=queued&");
    }
}
