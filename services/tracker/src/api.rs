//! The `TrackerService` gRPC API.

use crate::fanout::Fanout;
use crate::watch::watch_job;
use specdoc_core::{JobId, JobState, JobType, OutputFormat, from_timestamp, now_millis};
use specdoc_proto::Message;
use specdoc_proto::job::v1 as job_pb;
use specdoc_proto::tracker::v1::tracker_service_server::{TrackerService, TrackerServiceServer};
use specdoc_proto::tracker::v1::*;
use specdoc_runtime::ApiError;
use specdoc_runtime::auth::Caller;
use specdoc_runtime::eta::EtaEstimator;
use specdoc_runtime::metrics::metrics;
use specdoc_store::{JobFilter as StoreFilter, Store};
use std::collections::BTreeMap;
use std::pin::Pin;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

/// Events buffered per WatchJobs stream on their way to the client.
const WATCH_BUFFER: usize = 64;

/// The tracker's handlers.
#[derive(Clone, Debug)]
pub struct TrackerApi {
    store: Store,
    fanout: Fanout,
    eta: EtaEstimator,
}

impl TrackerApi {
    /// A tracker over a store, fed by `fanout`, estimating ETAs with `eta`.
    pub fn new(store: Store, fanout: Fanout, eta: EtaEstimator) -> Self {
        Self { store, fanout, eta }
    }

    /// The gRPC service. Results can be large (the HTML of a big spec), so encoding is unbounded.
    pub fn into_service(self) -> TrackerServiceServer<Self> {
        TrackerServiceServer::new(self).max_encoding_message_size(usize::MAX)
    }

    /// The job `job_id`, if `caller` may see it: another team's job is NOT_FOUND, exactly
    /// like a job that does not exist.
    async fn job(&self, caller: &Caller, job_id: &str) -> Result<specdoc_core::Job, ApiError> {
        let id = JobId::parse_field(job_id)?;
        let not_found = || format!("job {id}");
        let job = self
            .store
            .get_job(id)
            .await?
            .ok_or_else(|| ApiError::NotFound(not_found()))?;
        caller.check_sees(&job.team, not_found)?;
        Ok(job)
    }

    /// A WatchJob cursor must point into the job's retained history: OUT_OF_RANGE when events
    /// after it were pruned by retention (or it is beyond the last event), so the client re-reads
    /// the job with GetJob instead of silently missing steps.
    async fn check_cursor(&self, job: &specdoc_core::Job, after_seq: u64) -> Result<(), ApiError> {
        if after_seq > job.last_seq {
            return Err(ApiError::OutOfRange(format!(
                "after_seq {after_seq} is beyond the last event of job {} (seq {})",
                job.id, job.last_seq
            )));
        }
        if after_seq == job.last_seq {
            return Ok(());
        }
        match self.store.first_event_seq(job.id).await? {
            Some(first) if after_seq + 1 >= first => Ok(()),
            first => Err(ApiError::OutOfRange(format!(
                "after_seq {after_seq} is older than the retained events of job {} (the oldest kept is seq {}); read the job with GetJob",
                job.id,
                first.unwrap_or(job.last_seq)
            ))),
        }
    }

    async fn list(
        &self,
        caller: &Caller,
        request: ListJobsRequest,
    ) -> Result<ListJobsResponse, ApiError> {
        let filter = store_filter(caller, request.filter.unwrap_or_default())?;
        let limit = page_size(request.page_size);
        let before = match request.page_token.as_str() {
            "" => None,
            token => Some(token.parse::<JobId>().map_err(|_| {
                specdoc_core::Invalid::new("page_token", "is not a token from a previous page")
            })?),
        };
        let page = self.store.list_jobs(&filter, limit, before).await?;
        Ok(ListJobsResponse {
            jobs: page.jobs.iter().map(|j| j.to_proto(None)).collect(),
            next_page_token: page.next.map(|id| id.to_string()).unwrap_or_default(),
        })
    }

    async fn result(
        &self,
        caller: &Caller,
        request: GetJobResultRequest,
    ) -> Result<GetJobResultResponse, ApiError> {
        let job = self.job(caller, &request.job_id).await?;
        if job.state != JobState::Completed {
            return Err(ApiError::FailedPrecondition(format!(
                "job {} has no results: it is {}",
                job.id, job.state
            )));
        }
        let wanted = request
            .formats
            .iter()
            .filter_map(|f| OutputFormat::from_proto(*f))
            .collect::<Vec<_>>();
        let stored = self.store.get_results(job.id).await?;
        let documents = stored
            .documents
            .into_iter()
            .filter(|d| wanted.is_empty() || wanted.contains(&d.format))
            .map(|d| job_pb::Document {
                format: d.format.to_proto(),
                // Named after the validated service name, never after spec content.
                file_name: format!("{}.{}", job.service, d.format.extension()),
                content_type: d.format.content_type().to_owned(),
                content: d.content,
            })
            .collect();
        let quality = match stored.quality_report {
            Some(bytes) => Some(job_pb::QualityScore::decode(bytes.as_slice()).map_err(|e| {
                ApiError::Internal(format!("undecodable quality report of {}: {e}", job.id))
            })?),
            None => None,
        };
        Ok(GetJobResultResponse {
            job: Some(job.to_proto(None)),
            documents,
            quality,
        })
    }

    async fn stats(
        &self,
        caller: &Caller,
        request: GetStatsRequest,
    ) -> Result<GetStatsResponse, ApiError> {
        let team = caller.scope("team_id", &request.team_id)?;
        let days = match request.days {
            0 => 7,
            days @ 1..=365 => days,
            _ => return Err(specdoc_core::Invalid::new("days", "must be 1 to 365").into()),
        };
        let stats = self.store.stats(team.as_ref(), days, now_millis()).await?;
        let mut by_state = BTreeMap::<String, u64>::new();
        let mut by_type = BTreeMap::<String, u64>::new();
        for (state, job_type, n) in &stats.by_state_and_type {
            *by_state.entry(state.clone()).or_default() += n;
            *by_type.entry(job_type.clone()).or_default() += n;
        }
        let completed = by_state.get("completed").copied().unwrap_or(0);
        let finished = completed + by_state.get("failed").copied().unwrap_or(0);
        let to_counts = |map: BTreeMap<String, u64>| {
            map.into_iter()
                .map(|(key, count)| Count { key, count })
                .collect()
        };
        let seconds = |millis: f64| millis / 1000.0;
        let score_points = |points: Vec<specdoc_store::ScorePoint>| {
            points
                .into_iter()
                .map(|p| ScorePoint {
                    key: p.key,
                    average_score: p.average,
                    jobs: p.jobs,
                })
                .collect()
        };
        let queue_wait = stats.queue_wait.unwrap_or_default();
        Ok(GetStatsResponse {
            total_jobs: by_state.values().sum(),
            success_rate: if finished == 0 {
                0.0
            } else {
                completed as f64 / finished as f64
            },
            by_state: to_counts(by_state),
            by_type: to_counts(by_type),
            durations: stats
                .durations
                .iter()
                .filter_map(|(job_type, p)| {
                    Some(DurationStats {
                        job_type: JobType::from_name(job_type)?.to_proto(),
                        p50_seconds: seconds(p.p50_millis),
                        p95_seconds: seconds(p.p95_millis),
                    })
                })
                .collect(),
            queue_wait_p50_seconds: seconds(queue_wait.p50_millis),
            queue_wait_p95_seconds: seconds(queue_wait.p95_millis),
            score_trend: score_points(stats.score_trend),
            score_by_service: score_points(stats.score_by_service),
            top_failing_rules: stats
                .top_failing_rules
                .into_iter()
                .map(|(key, count)| Count { key, count })
                .collect(),
            degraded_jobs: stats.degraded,
        })
    }
}

fn page_size(requested: u32) -> u32 {
    match requested {
        0 => 50,
        n => n.min(500),
    }
}

/// The store's filter for a request's, limited to what `caller` may see.
fn store_filter(
    caller: &Caller,
    filter: specdoc_proto::tracker::v1::JobFilter,
) -> Result<StoreFilter, ApiError> {
    let states = filter
        .states
        .iter()
        .map(|s| {
            JobState::from_proto(*s).ok_or_else(|| {
                specdoc_core::Invalid::new("filter.states", format!("{s} is not a state"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StoreFilter {
        team: caller.scope("filter.team_id", &filter.team_id)?,
        service: (!filter.service_name.is_empty()).then_some(filter.service_name),
        states,
        job_type: match filter.job_type {
            0 => None,
            t => Some(JobType::from_proto(t).ok_or_else(|| {
                specdoc_core::Invalid::new("filter.job_type", format!("{t} is not a job type"))
            })?),
        },
        created_after: filter.created_after.as_ref().map(from_timestamp),
        created_before: filter.created_before.as_ref().map(from_timestamp),
    })
}

/// After a WatchJobs stream fell behind the fan-out, sends the current record (with no event)
/// of every unfinished job the filter matches, so a dashboard holds the right states again.
async fn resend_active_jobs(
    store: &Store,
    filter: &StoreFilter,
    out: &tokio::sync::mpsc::Sender<Result<WatchJobsResponse, Status>>,
) -> Result<(), ()> {
    let active = [JobState::Queued, JobState::Retrying, JobState::Processing];
    let states = active
        .into_iter()
        .filter(|s| filter.states.is_empty() || filter.states.contains(s))
        .collect::<Vec<_>>();
    if states.is_empty() {
        return Ok(());
    }
    let filter = StoreFilter {
        states,
        ..filter.clone()
    };
    let mut before = None;
    loop {
        let Ok(page) = store.list_jobs(&filter, 500, before).await else {
            return Ok(());
        };
        for job in &page.jobs {
            let snapshot = WatchJobsResponse {
                job: Some(job.to_proto(None)),
                event: None,
            };
            out.send(Ok(snapshot)).await.map_err(|_| ())?;
        }
        match page.next {
            Some(next) => before = Some(next),
            None => return Ok(()),
        }
    }
}

type EventStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl TrackerService for TrackerApi {
    async fn get_job(
        &self,
        request: Request<GetJobRequest>,
    ) -> Result<Response<GetJobResponse>, Status> {
        let caller = Caller::of(&request)?;
        let job = self.job(&caller, &request.into_inner().job_id).await?;
        let eta = self.eta.eta(&job).await;
        Ok(Response::new(GetJobResponse {
            job: Some(job.to_proto(eta)),
        }))
    }

    async fn list_jobs(
        &self,
        request: Request<ListJobsRequest>,
    ) -> Result<Response<ListJobsResponse>, Status> {
        let caller = Caller::of(&request)?;
        Ok(Response::new(
            self.list(&caller, request.into_inner()).await?,
        ))
    }

    async fn get_job_history(
        &self,
        request: Request<GetJobHistoryRequest>,
    ) -> Result<Response<GetJobHistoryResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let team = caller.team("team_id", &request.team_id)?;
        let filter = StoreFilter {
            team: Some(team),
            ..Default::default()
        };
        let page = self
            .store
            .list_jobs(&filter, page_size(request.limit), None)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(GetJobHistoryResponse {
            jobs: page.jobs.iter().map(|j| j.to_proto(None)).collect(),
        }))
    }

    type WatchJobStream = EventStream<WatchJobResponse>;

    async fn watch_job(
        &self,
        request: Request<WatchJobRequest>,
    ) -> Result<Response<Self::WatchJobStream>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let id = JobId::parse_field(&request.job_id).map_err(ApiError::from)?;
        // Subscribe before the job is read, so no live event can slip between the two.
        let live = self.fanout.subscribe_job(&id.to_string());
        let job = self.job(&caller, &request.job_id).await?;
        self.check_cursor(&job, request.after_seq).await?;
        if job.state.is_terminal() && request.after_seq == job.last_seq {
            // The client saw the terminal event before it reconnected: nothing more will come.
            return Ok(Response::new(Box::pin(tokio_stream::empty())));
        }
        let open = metrics().stream_opened("WatchJob");
        Ok(Response::new(Box::pin(watch_job(
            self.store.clone(),
            self.eta.clone(),
            live,
            job.id,
            request.after_seq,
            open,
        ))))
    }

    type WatchJobsStream = EventStream<WatchJobsResponse>;

    async fn watch_jobs(
        &self,
        request: Request<WatchJobsRequest>,
    ) -> Result<Response<Self::WatchJobsStream>, Status> {
        let caller = Caller::of(&request)?;
        let filter = store_filter(&caller, request.into_inner().filter.unwrap_or_default())?;
        let mut live = self.fanout.subscribe();
        let store = self.store.clone();
        let (out, stream) = tokio::sync::mpsc::channel(WATCH_BUFFER);
        let open = metrics().stream_opened("WatchJobs");
        tokio::spawn(async move {
            let _open = open;
            loop {
                // A client that left ends the stream even while no event arrives.
                let received = tokio::select! {
                    received = live.recv() => received,
                    () = out.closed() => return,
                };
                let record = match received {
                    Ok(record) => record,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::debug!(skipped, "WatchJobs fell behind; resending active jobs");
                        if resend_active_jobs(&store, &filter, &out).await.is_err() {
                            return;
                        }
                        continue;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                };
                let Some(event) = record.event.clone() else {
                    continue;
                };
                let state_matches = filter.states.is_empty()
                    || JobState::from_proto(event.state)
                        .is_some_and(|s| filter.states.contains(&s));
                let matches = state_matches
                    && filter
                        .team
                        .as_ref()
                        .is_none_or(|t| t.as_str() == record.team_id)
                    && filter
                        .service
                        .as_ref()
                        .is_none_or(|s| *s == record.service_name)
                    && filter
                        .job_type
                        .is_none_or(|t| t.to_proto() == record.job_type);
                if !matches {
                    continue;
                }
                let Ok(id) = event.job_id.parse::<JobId>() else {
                    continue;
                };
                let job = match store.get_job(id).await {
                    Ok(Some(job)) => job.to_proto(None),
                    _ => continue,
                };
                if out
                    .send(Ok(WatchJobsResponse {
                        job: Some(job),
                        event: Some(event),
                    }))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(stream))))
    }

    async fn get_job_result(
        &self,
        request: Request<GetJobResultRequest>,
    ) -> Result<Response<GetJobResultResponse>, Status> {
        let caller = Caller::of(&request)?;
        Ok(Response::new(
            self.result(&caller, request.into_inner()).await?,
        ))
    }

    async fn get_stats(
        &self,
        request: Request<GetStatsRequest>,
    ) -> Result<Response<GetStatsResponse>, Status> {
        let caller = Caller::of(&request)?;
        Ok(Response::new(
            self.stats(&caller, request.into_inner()).await?,
        ))
    }
}
