//! SubmitJobs: many jobs in one call, each validated as SubmitJob validates one, all or
//! nothing, then committed together.

use super::{answer, commit_and_dispatch, decode, inspect_all};
use crate::api::SchedulerApi;
use futures::StreamExt;
use specdoc_core::{Invalid, NewJob, TeamId};
use specdoc_proto::scheduler::v1::{SubmitJobRequest, SubmitJobResponse};
use specdoc_runtime::ApiError;
use specdoc_runtime::auth::Caller;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Most jobs one SubmitJobs call may carry: as many as BullMQ's customary `addBulk`, and a
/// commit that stays short.
pub const MAX_JOBS_PER_CALL: usize = 1000;

/// Keyed jobs of one call committed at once (each is its own transaction).
const KEYED_CONCURRENCY: usize = 8;

impl SchedulerApi {
    /// Validates every job, then commits and dispatches them all, answering in request order.
    /// Authorization, quotas and idempotency keys work per job as in
    /// [`submit`](Self::submit); an error names the job (`jobs[i].field`).
    pub async fn submit_many(
        &self,
        caller: &Caller,
        requests: Vec<SubmitJobRequest>,
        traceparent: Option<String>,
    ) -> Result<Vec<SubmitJobResponse>, ApiError> {
        let news = self.validate_many(caller, requests, traceparent).await?;
        let mut answers = vec![None; news.len()];
        let (keyed, fresh): (Vec<_>, Vec<_>) = news
            .into_iter()
            .enumerate()
            .partition(|(_, new)| new.idempotency_key.is_some());
        let (fresh_at, fresh): (Vec<usize>, Vec<NewJob>) = fresh.into_iter().unzip();
        let admitted = commit_and_dispatch(&self.store, &self.queue, &fresh).await?;
        for (at, (job, position)) in fresh_at.into_iter().zip(admitted) {
            // Without a position, an estimate would cost a read per job: none.
            let eta = match position {
                Some(position) => self.eta.eta_at_position(&job, position).await,
                None => None,
            };
            answers[at] = Some(answer(&job, position, eta));
        }
        self.submit_keyed_many(keyed, &mut answers).await?;
        answers
            .into_iter()
            .map(|answer| answer.ok_or_else(|| ApiError::Internal("a job got no answer".into())))
            .collect()
    }

    /// Every job of the call, authorized, within its team's quota, and valid; or the error of
    /// the first that is not, naming it.
    async fn validate_many(
        &self,
        caller: &Caller,
        requests: Vec<SubmitJobRequest>,
        traceparent: Option<String>,
    ) -> Result<Vec<NewJob>, ApiError> {
        if requests.len() > MAX_JOBS_PER_CALL {
            return Err(Invalid::new(
                "jobs",
                format!(
                    "holds {} jobs; at most {MAX_JOBS_PER_CALL} per call",
                    requests.len()
                ),
            )
            .into());
        }
        let config = &self.config;
        let teams = requests
            .iter()
            .enumerate()
            .map(|(i, request)| {
                caller
                    .team("team_id", &request.team_id)
                    .map_err(|e| e.in_item("jobs", i))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Before any parsing, as for one job; each team's jobs count as that many submissions.
        for (team, count) in counts(&teams) {
            config.quotas.admit(&self.queue, team, count).await?;
        }
        let mut decoded = Vec::with_capacity(requests.len());
        let mut refused = None;
        for (i, (request, team)) in requests.into_iter().zip(&teams).enumerate() {
            match decode(config, request, team) {
                Ok(job) => decoded.push(job),
                Err(error) => {
                    refused = Some(error.in_item("jobs", i));
                    break;
                }
            }
        }
        // The specs before a refused job are inspected all the same: the error names the
        // first invalid job, whichever check finds it.
        let mut news = inspect_all(&config.limits, decoded)
            .await
            .map_err(|(i, e)| e.in_item("jobs", i))?;
        if let Some(error) = refused {
            return Err(error);
        }
        for new in &mut news {
            new.traceparent.clone_from(&traceparent);
        }
        Ok(news)
    }

    /// Commits keyed jobs as SubmitJob does, a few at a time, into their places in `answers`.
    /// A key repeated within the call answers the job of its first use, deduplicated, as a
    /// second SubmitJob with that key would.
    async fn submit_keyed_many(
        &self,
        keyed: Vec<(usize, NewJob)>,
        answers: &mut [Option<SubmitJobResponse>],
    ) -> Result<(), ApiError> {
        let mut first_use: HashMap<(TeamId, String), usize> = HashMap::new();
        let mut repeats = Vec::new();
        let mut distinct = Vec::new();
        for (at, new) in keyed {
            let key = (
                new.team.clone(),
                new.idempotency_key.clone().unwrap_or_default(),
            );
            match first_use.entry(key) {
                Entry::Occupied(first) => repeats.push((at, *first.get())),
                Entry::Vacant(slot) => {
                    slot.insert(at);
                    distinct.push((at, new));
                }
            }
        }
        let submitted: Vec<_> = futures::stream::iter(distinct)
            .map(|(at, new)| async move { (at, self.submit_keyed(&new).await) })
            .buffer_unordered(KEYED_CONCURRENCY)
            .collect()
            .await;
        for (at, answer) in submitted {
            answers[at] = Some(answer?);
        }
        for (at, first) in repeats {
            answers[at] = answers[first].as_ref().map(|first| SubmitJobResponse {
                job_id: first.job_id.clone(),
                state: first.state,
                deduplicated: true,
                ..Default::default()
            });
        }
        Ok(())
    }
}

/// Each team and how many of the jobs are its own, in order of first appearance.
fn counts(teams: &[TeamId]) -> Vec<(&TeamId, u64)> {
    let mut counts: Vec<(&TeamId, u64)> = Vec::new();
    let mut index: HashMap<&TeamId, usize> = HashMap::new();
    for team in teams {
        match index.entry(team) {
            Entry::Occupied(at) => counts[*at.get()].1 += 1,
            Entry::Vacant(slot) => {
                slot.insert(counts.len());
                counts.push((team, 1));
            }
        }
    }
    counts
}
