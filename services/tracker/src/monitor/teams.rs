//! The teams page: GetStats' figures (from the same rollups, `Store::stats`) and the daily
//! rollup cells (`Store::daily_counts`) drawn as charts: jobs per day by status, duration
//! percentiles, the quality score trend per service, and the top failing rules.

use super::charts::{self, Series};
use super::html::{self, escape};
use super::session::Viewer;
use super::{Monitor, PageError};
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use specdoc_core::now_millis;
use specdoc_runtime::auth::Caller;
use specdoc_store::{DailyCount, Stats, date_of_day, day_of};
use std::collections::BTreeMap;

/// Days shown unless asked otherwise.
const DEFAULT_DAYS: u32 = 14;

/// Services drawn on the score trend (the most scored ones); the rest would be unreadable.
const MAX_SERVICES: usize = 8;

/// The page's query string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TeamsQuery {
    #[serde(default)]
    team: String,
    #[serde(default)]
    days: Option<u32>,
}

/// `GET /teams`.
pub(crate) async fn page(
    State(monitor): State<Monitor>,
    viewer: Viewer,
    Query(query): Query<TeamsQuery>,
) -> Result<Response, PageError> {
    let team = viewer.caller.scope("team", query.team.trim())?;
    let days = query.days.unwrap_or(DEFAULT_DAYS).clamp(1, 90);
    let now = now_millis();
    let (stats, daily) = tokio::try_join!(
        monitor.store.stats(team.as_ref(), days, now),
        monitor.store.daily_counts(team.as_ref(), days, now)
    )?;
    let first_day = day_of(now) - i64::from(days) + 1;
    let dates: Vec<String> = (first_day..=day_of(now)).map(date_of_day).collect();
    let whose = team
        .as_ref()
        .map_or("All teams".to_owned(), |t| format!("Team {t}"));

    let mut main = format!("<h1>{}</h1>", escape(&whose));
    main.push_str(&form(&viewer.caller, &query.team, days));
    main.push_str(&summary(&stats));
    main.push_str("<div class=\"grid\">");
    main.push_str(&jobs_per_day(&dates, &daily));
    main.push_str(&durations(&stats));
    main.push_str(&score_trend(&dates, &daily));
    main.push_str(&failing_rules(&stats));
    main.push_str("</div>");
    Ok(html::document("Teams", Some(&viewer), "Teams", &main))
}

fn form(caller: &Caller, team: &str, days: u32) -> String {
    let team = match caller {
        Caller::Admin => format!(
            "<label>Team<input name=\"team\" value=\"{}\" placeholder=\"all teams\"></label>",
            escape(team)
        ),
        Caller::Team(_) => String::new(),
    };
    let options = [1, 7, 14, 30, 90]
        .iter()
        .map(|d| {
            let selected = if *d == days { " selected" } else { "" };
            format!("<option value=\"{d}\"{selected}>{d} days</option>")
        })
        .collect::<String>();
    format!(
        "<form class=\"filters card\" method=\"get\" action=\"/teams\" aria-label=\"Choose statistics\">{team}\
         <label>Window<select name=\"days\">{options}</select></label><button type=\"submit\">Show</button></form>"
    )
}

fn summary(stats: &Stats) -> String {
    let total: u64 = stats.by_state_and_type.iter().map(|c| c.2).sum();
    let count = |state: &str| -> u64 {
        stats
            .by_state_and_type
            .iter()
            .filter(|c| c.0 == state)
            .map(|c| c.2)
            .sum()
    };
    let (completed, failed) = (count("completed"), count("failed"));
    let success = if completed + failed == 0 {
        "–".to_owned()
    } else {
        format!(
            "{:.0}%",
            100.0 * completed as f64 / (completed + failed) as f64
        )
    };
    let wait = stats
        .queue_wait
        .map_or("–".to_owned(), |w| html::duration(w.p50_millis / 1000.0));
    let figures = [
        ("Jobs", total.to_string()),
        ("Success rate", success),
        ("Degraded", stats.degraded.to_string()),
        ("Queue wait p50", wait),
    ];
    let items = figures
        .iter()
        .map(|(label, value)| {
            format!(
                "<li class=\"card\"><span class=\"label\">{label}</span><span class=\"value\">{}</span></li>",
                escape(value)
            )
        })
        .collect::<String>();
    format!("<ul class=\"figures\">{items}</ul>")
}

fn short(date: &str) -> String {
    date.get(5..).unwrap_or(date).to_owned()
}

/// A chart card: heading, chart, and the figures as a table for those who cannot see it.
fn card(id: &str, heading: &str, chart: &str, table: &str) -> String {
    format!(
        "<section class=\"card chart-card\" aria-labelledby=\"{id}-h\"><h2 id=\"{id}-h\">{heading}</h2>{chart}\
         <details><summary>Figures</summary><div class=\"scroll\">{table}</div></details></section>"
    )
}

fn jobs_per_day(dates: &[String], daily: &[DailyCount]) -> String {
    let states = ["completed", "failed", "cancelled"];
    let mut cells = BTreeMap::<(&str, &str), u64>::new();
    for c in daily {
        *cells.entry((c.day.as_str(), c.state.as_str())).or_default() += c.jobs;
    }
    let series: Vec<Series> = states
        .iter()
        .map(|state| Series {
            name: (*state).to_owned(),
            class: format!("st-{state}"),
            values: dates
                .iter()
                .map(|d| cells.get(&(d.as_str(), *state)).map(|n| *n as f64))
                .collect(),
        })
        .collect();
    let labels: Vec<String> = dates.iter().map(|d| short(d)).collect();
    let chart = charts::stacked_bars(
        "jobs-day",
        "Finished jobs per day by status",
        &labels,
        &series,
    );
    let mut table = String::from("<table><thead><tr><th scope=\"col\">Day</th>");
    for state in states {
        table.push_str(&format!("<th scope=\"col\" class=\"num\">{state}</th>"));
    }
    table.push_str("</tr></thead><tbody>");
    for date in dates {
        table.push_str(&format!("<tr><th scope=\"row\">{date}</th>"));
        for state in states {
            let n = cells.get(&(date.as_str(), state)).copied().unwrap_or(0);
            table.push_str(&format!("<td class=\"num\">{n}</td>"));
        }
        table.push_str("</tr>");
    }
    table.push_str("</tbody></table>");
    card("jobs-day", "Jobs per day", &chart, &table)
}

fn durations(stats: &Stats) -> String {
    let mut rows = Vec::new();
    for (job_type, p) in &stats.durations {
        rows.push((
            format!("{job_type} p50"),
            p.p50_millis / 1000.0,
            "c0".to_owned(),
        ));
        rows.push((
            format!("{job_type} p95"),
            p.p95_millis / 1000.0,
            "c1".to_owned(),
        ));
    }
    if let Some(wait) = stats.queue_wait {
        rows.push((
            "queue wait p50".into(),
            wait.p50_millis / 1000.0,
            "c2".into(),
        ));
        rows.push((
            "queue wait p95".into(),
            wait.p95_millis / 1000.0,
            "c3".into(),
        ));
    }
    if rows.is_empty() {
        return empty_card("durations", "Durations", "No job finished in this window.");
    }
    let chart = charts::hbars(
        "durations",
        "Run time and queue wait percentiles, seconds",
        &rows,
        " s",
    );
    let table = rows_table("Percentile", "Seconds", &rows);
    card("durations", "Durations", &chart, &table)
}

fn score_trend(dates: &[String], daily: &[DailyCount]) -> String {
    // (service, day) → (scored, sum); services ranked by jobs scored.
    let mut cells = BTreeMap::<(&str, &str), (u64, u64)>::new();
    let mut by_service = BTreeMap::<&str, u64>::new();
    for c in daily.iter().filter(|c| c.scored > 0) {
        let cell = cells
            .entry((c.service.as_str(), c.day.as_str()))
            .or_default();
        cell.0 += c.scored;
        cell.1 += c.score_sum;
        *by_service.entry(c.service.as_str()).or_default() += c.scored;
    }
    if by_service.is_empty() {
        return empty_card(
            "scores",
            "Quality score per service",
            "No job was scored in this window.",
        );
    }
    let mut services: Vec<(&str, u64)> = by_service.into_iter().collect();
    services.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    services.truncate(MAX_SERVICES);
    services.sort();
    let series: Vec<Series> = services
        .iter()
        .enumerate()
        .map(|(i, (service, _))| Series {
            name: (*service).to_owned(),
            class: format!("c{i}"),
            values: dates
                .iter()
                .map(|d| {
                    cells
                        .get(&(*service, d.as_str()))
                        .map(|(n, sum)| *sum as f64 / *n as f64)
                })
                .collect(),
        })
        .collect();
    let labels: Vec<String> = dates.iter().map(|d| short(d)).collect();
    let chart = charts::lines(
        "scores",
        "Average quality score per service and day",
        &labels,
        &series,
        100.0,
    );
    let mut table = String::from(
        "<table><thead><tr><th scope=\"col\">Day</th><th scope=\"col\">Service</th><th scope=\"col\" class=\"num\">Average</th><th scope=\"col\" class=\"num\">Jobs</th></tr></thead><tbody>",
    );
    for ((service, day), (n, sum)) in &cells {
        table.push_str(&format!(
            "<tr><td>{day}</td><td>{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{n}</td></tr>",
            escape(service),
            *sum as f64 / *n as f64
        ));
    }
    table.push_str("</tbody></table>");
    card("scores", "Quality score per service", &chart, &table)
}

fn failing_rules(stats: &Stats) -> String {
    if stats.top_failing_rules.is_empty() {
        return empty_card(
            "rules",
            "Top failing rules",
            "No rule failed in this window.",
        );
    }
    let rows: Vec<(String, f64, String)> = stats
        .top_failing_rules
        .iter()
        .map(|(rule, n)| (rule.clone(), *n as f64, "c4".to_owned()))
        .collect();
    let chart = charts::hbars(
        "rules",
        "Rules by the number of jobs they failed in",
        &rows,
        "",
    );
    let table = rows_table("Rule", "Jobs", &rows);
    card("rules", "Top failing rules", &chart, &table)
}

fn rows_table(key: &str, value: &str, rows: &[(String, f64, String)]) -> String {
    let body = rows
        .iter()
        .map(|(label, v, _)| {
            format!(
                "<tr><td>{}</td><td class=\"num\">{v:.2}</td></tr>",
                escape(label)
            )
        })
        .collect::<String>();
    format!(
        "<table><thead><tr><th scope=\"col\">{key}</th><th scope=\"col\" class=\"num\">{value}</th></tr></thead><tbody>{body}</tbody></table>"
    )
}

fn empty_card(id: &str, heading: &str, message: &str) -> String {
    format!(
        "<section class=\"card chart-card\" aria-labelledby=\"{id}-h\"><h2 id=\"{id}-h\">{heading}</h2>\
         <p class=\"muted\">{message}</p></section>"
    )
}
