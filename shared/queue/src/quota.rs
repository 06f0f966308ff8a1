//! Per-team admission quotas, checked in one Lua script before a submission is accepted:
//! - a cap on the team's queued jobs (the lengths of its `P:ready:{prio}:{team}` lists);
//! - a submission rate, as a GCRA (generic cell rate algorithm: a token bucket kept as one
//!   timestamp) in `P:quota:{team}`, with Redis's clock, so every scheduler replica agrees.
//!
//! A batch of submissions is admitted whole or not at all, counting as that many submissions.
//! A refusal says how long to wait. The depth check runs first, so a submission refused for
//! depth does not use up the team's rate.

use crate::{Queue, Result};
use redis::Script;
use specdoc_core::{Priority, TeamId};
use std::sync::LazyLock;
use std::time::Duration;

static ADMIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS: quota, ready lists of the team (one per priority)
-- ARGV: emission interval (us, 0: no rate limit), burst, max queued (0: no cap), submissions
local interval, burst, max_queued = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local count = tonumber(ARGV[4])
if max_queued > 0 then
  local queued = 0
  for i = 2, #KEYS do queued = queued + redis.call('LLEN', KEYS[i]) end
  if queued + count > max_queued then return {1, queued} end
end
if interval == 0 then return {0, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat + interval * count - interval * burst
if now < allow_at then return {2, allow_at - now} end
local new_tat = tat + interval * count
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {0, 0}
",
    )
});

/// A team's limits. Zero disables a limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quota {
    /// Sustained submissions per second.
    pub per_second: f64,
    /// Submissions allowed at once above the sustained rate.
    pub burst: u32,
    /// Most jobs the team may have queued.
    pub max_queued: u64,
}

/// Why a submission was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The team has this many jobs queued already.
    TooManyQueued(u64),
    /// The team submits faster than its rate; the submissions fit after this long.
    TooFast(Duration),
}

impl Queue {
    /// Admits `count` submissions of `team` under `quota`, all or none, or says why not. A
    /// count above the burst (or the queued cap) never fits: callers refuse it beforehand.
    pub async fn admit(
        &self,
        team: &TeamId,
        quota: &Quota,
        count: u64,
    ) -> Result<Result<(), Refusal>> {
        let interval_us = if quota.per_second > 0.0 {
            (1_000_000.0 / quota.per_second).round().max(1.0) as u64
        } else {
            0
        };
        let mut invocation = ADMIT.key(self.keys.quota(team));
        for priority in Priority::ALL.iter().copied() {
            invocation.key(self.keys.ready(priority, team));
        }
        invocation
            .arg(interval_us)
            .arg(quota.burst.max(1))
            .arg(quota.max_queued)
            .arg(count);
        let mut conn = self.conn.clone();
        let (verdict, value): (i64, i64) = invocation.invoke_async(&mut conn).await?;
        let value = u64::try_from(value).unwrap_or(0);
        Ok(match verdict {
            0 => Ok(()),
            1 => Err(Refusal::TooManyQueued(value)),
            _ => Err(Refusal::TooFast(Duration::from_micros(value))),
        })
    }
}
