//! Per-team quotas on submissions: a sustained rate with a burst, and a cap on queued jobs,
//! each overridable per team. Enforced in Redis ([`specdoc_queue::Queue::admit`]) before the
//! spec is even parsed, so a team flooding the scheduler costs it little and other teams'
//! submissions go on at their usual speed. While Redis is unreachable quotas are not enforced:
//! accepting a job matters more than limiting one.

use specdoc_core::{Invalid, TeamId};
use specdoc_queue::{Queue, Quota, Refusal};
use specdoc_runtime::ApiError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a team at its queued-jobs cap is asked to wait: about the time a worker slot
/// takes to start its next job, so retries neither hammer nor idle.
const QUEUE_FULL_RETRY: Duration = Duration::from_secs(2);

/// Quota settings, from flags or the environment.
#[derive(Debug, Clone, clap::Args)]
pub struct QuotaArgs {
    /// Submissions per second each team may sustain (0: unlimited).
    #[arg(long, env = "QUOTA_SUBMISSIONS_PER_SECOND", default_value_t = DEFAULT.per_second)]
    pub quota_submissions_per_second: f64,
    /// Submissions a team may make at once above that rate.
    #[arg(long, env = "QUOTA_BURST", default_value_t = DEFAULT.burst)]
    pub quota_burst: u32,
    /// Jobs a team may have queued (0: unlimited).
    #[arg(long, env = "QUOTA_MAX_QUEUED", default_value_t = DEFAULT.max_queued)]
    pub quota_max_queued: u64,
    /// Per-team overrides: comma-separated `team=per_second/burst/max_queued`.
    #[arg(long, env = "QUOTA_OVERRIDES")]
    pub quota_overrides: Option<String>,
}

/// The defaults: generous for CI pipelines, small enough that one team cannot fill Redis.
pub const DEFAULT: Quota = Quota {
    per_second: 20.0,
    burst: 100,
    max_queued: 1000,
};

/// How long a team refused for its queued-jobs cap is refused here without asking Redis again.
const QUEUE_FULL_RECHECK: Duration = Duration::from_millis(250);

/// Until when a team is refused, the refusal's words, and its fixed retry delay (none: the time
/// left).
type Refused = (Instant, String, Option<Duration>);

/// Every team's quota, and when each refused team may be asked about again.
#[derive(Debug, Clone)]
pub struct Quotas {
    default: Quota,
    teams: HashMap<TeamId, Quota>,
    /// Teams refused lately, and until when: their next calls are refused in process, at no
    /// Redis round trip, so a flood costs the scheduler as little as possible. Sound for the
    /// rate (no submission can fit before the time Redis named); for the queued cap it is
    /// at most [`QUEUE_FULL_RECHECK`] stale.
    refused_until: Arc<Mutex<HashMap<TeamId, Refused>>>,
}

impl Default for Quotas {
    fn default() -> Self {
        Self::uniform(DEFAULT)
    }
}

impl QuotaArgs {
    /// The quotas these settings describe, or which override is malformed.
    pub fn quotas(&self) -> Result<Quotas, String> {
        let mut quotas = Quotas::uniform(Quota {
            per_second: self.quota_submissions_per_second,
            burst: self.quota_burst,
            max_queued: self.quota_max_queued,
        });
        for entry in self.quota_overrides.iter().flat_map(|o| o.split(',')) {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let bad = || {
                format!(
                    "QUOTA_OVERRIDES entry {entry:?}: expected team=per_second/burst/max_queued"
                )
            };
            let (team, limits) = entry.split_once('=').ok_or_else(bad)?;
            let team =
                TeamId::parse_field(team.trim()).map_err(|e| format!("QUOTA_OVERRIDES: {e}"))?;
            let parts: Vec<&str> = limits.split('/').map(str::trim).collect();
            let [rate, burst, queued] = parts.as_slice() else {
                return Err(bad());
            };
            let quota = Quota {
                per_second: rate.parse().map_err(|_| bad())?,
                burst: burst.parse().map_err(|_| bad())?,
                max_queued: queued.parse().map_err(|_| bad())?,
            };
            quotas.teams.insert(team, quota);
        }
        Ok(quotas)
    }
}

impl Quotas {
    /// The same quota for every team.
    pub fn uniform(quota: Quota) -> Self {
        Self {
            default: quota,
            teams: HashMap::new(),
            refused_until: Arc::default(),
        }
    }

    fn of(&self, team: &TeamId) -> Quota {
        self.teams.get(team).copied().unwrap_or(self.default)
    }

    /// Admits `count` submissions of `team` at once (a SubmitJobs call counts each of its jobs),
    /// or RESOURCE_EXHAUSTED saying which quota and when to retry. A batch larger than the
    /// team's burst or queued-jobs cap could never fit: INVALID_ARGUMENT on `jobs`.
    pub async fn admit(&self, queue: &Queue, team: &TeamId, count: u64) -> Result<(), ApiError> {
        let quota = self.of(team);
        if quota.per_second <= 0.0 && quota.max_queued == 0 {
            return Ok(());
        }
        let burst = u64::from(quota.burst.max(1));
        if quota.per_second > 0.0 && count > burst {
            return Err(Invalid::new(
                "jobs",
                format!("holds {count} jobs of team {team}, more than its burst of {burst}; send at most {burst} per call"),
            )
            .into());
        }
        if quota.max_queued > 0 && count > quota.max_queued {
            return Err(Invalid::new(
                "jobs",
                format!(
                    "holds {count} jobs of team {team}, more than it may have queued ({}); send fewer per call",
                    quota.max_queued
                ),
            )
            .into());
        }
        // A team refused for one submission is refused for more.
        if let Some(refused) = self.still_refused(team) {
            return Err(refused);
        }
        let refusal = match queue.admit(team, &quota, count).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(refusal)) => refusal,
            Err(error) => {
                tracing::warn!(%team, %error, "quota not checked: redis unavailable");
                return Ok(());
            }
        };
        let batch = if count > 1 {
            format!(" (a batch of {count} does not fit)")
        } else {
            String::new()
        };
        let (message, retry_after, recheck) = match refusal {
            Refusal::TooFast(wait) => (
                format!(
                    "team {team} is over its submission rate ({}/s, bursts of {}){batch}; see the retry delay",
                    quota.per_second, quota.burst
                ),
                None,
                wait,
            ),
            Refusal::TooManyQueued(queued) => (
                format!(
                    "team {team} has {queued} jobs queued, its quota is {}{batch}; retry once some have started",
                    quota.max_queued
                ),
                Some(QUEUE_FULL_RETRY),
                QUEUE_FULL_RECHECK,
            ),
        };
        let error = refused(team, message.clone(), retry_after.unwrap_or(recheck));
        // Only a refused single submission says no other can fit meanwhile: a batch refused
        // may leave room for smaller ones.
        if count == 1 {
            let until = Instant::now() + recheck;
            self.lock()
                .insert(team.clone(), (until, message, retry_after));
        }
        Err(error)
    }

    /// The refusal of a team refused lately, while it holds.
    fn still_refused(&self, team: &TeamId) -> Option<ApiError> {
        let mut refused_until = self.lock();
        let (until, message, retry_after) = refused_until.get(team)?;
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            refused_until.remove(team);
            return None;
        }
        Some(refused(team, message.clone(), retry_after.unwrap_or(left)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TeamId, Refused>> {
        // Single inserts and removes cannot leave the map inconsistent.
        self.refused_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn refused(team: &TeamId, message: String, retry_after: Duration) -> ApiError {
    specdoc_runtime::metrics::metrics().quota_refused(team.as_str());
    ApiError::ResourceExhausted {
        message,
        subject: format!("team:{team}"),
        retry_after,
    }
}
