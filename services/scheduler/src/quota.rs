//! Per-team quotas on submissions: a sustained rate with a burst, and a cap on queued jobs,
//! each overridable per team. Enforced in Redis ([`specdoc_queue::Queue::admit`]) before the
//! spec is even parsed, so a team flooding the scheduler costs it little and other teams'
//! submissions go on at their usual speed. While Redis is unreachable quotas are not enforced:
//! accepting a job matters more than limiting one.

use specdoc_core::TeamId;
use specdoc_queue::{Queue, Quota, Refusal};
use specdoc_runtime::ApiError;
use std::collections::HashMap;
use std::time::Duration;

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

/// Every team's quota.
#[derive(Debug, Clone)]
pub struct Quotas {
    default: Quota,
    teams: HashMap<TeamId, Quota>,
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
        }
    }

    /// No limits at all (benchmarks, tests that flood on purpose).
    pub fn unlimited() -> Self {
        Self::uniform(Quota {
            per_second: 0.0,
            burst: 0,
            max_queued: 0,
        })
    }

    fn of(&self, team: &TeamId) -> Quota {
        self.teams.get(team).copied().unwrap_or(self.default)
    }

    /// Admits one submission of `team`, or RESOURCE_EXHAUSTED saying which quota and when to
    /// retry.
    pub async fn admit(&self, queue: &Queue, team: &TeamId) -> Result<(), ApiError> {
        let quota = self.of(team);
        if quota.per_second <= 0.0 && quota.max_queued == 0 {
            return Ok(());
        }
        let refusal = match queue.admit(team, &quota).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(refusal)) => refusal,
            Err(error) => {
                tracing::warn!(%team, %error, "quota not checked: redis unavailable");
                return Ok(());
            }
        };
        let (message, retry_after) = match refusal {
            Refusal::TooFast(wait) => (
                format!(
                    "team {team} is over its submission rate ({}/s, bursts of {}); retry in {:.1}s",
                    quota.per_second,
                    quota.burst,
                    wait.as_secs_f64()
                ),
                wait,
            ),
            Refusal::TooManyQueued(queued) => (
                format!(
                    "team {team} has {queued} jobs queued, its quota is {}; retry once some have started",
                    quota.max_queued
                ),
                QUEUE_FULL_RETRY,
            ),
        };
        specdoc_runtime::metrics::metrics().quota_refused(team.as_str());
        Err(ApiError::ResourceExhausted {
            message,
            subject: format!("team:{team}"),
            retry_after,
        })
    }
}
