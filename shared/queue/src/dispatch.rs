//! Fair, prioritised dispatch with leases.
//!
//! Dequeue walks priorities high → normal → low; within a priority it rotates the ring of teams
//! with queued jobs and takes the head job of the next team, so one team's backlog never starves
//! another team: a newcomer's job starts within one turnover of a slot per team ahead of it.
//! The job then moves into the lease set until the worker acks it, releases it, or the lease
//! expires. Each operation is one Lua script (see the crate docs for the keys).

use crate::{Error, Queue, Result, decode};
use redis::Script;
use specdoc_core::{JobId, LeaseToken, Priority, TeamId, now_millis};
use specdoc_proto::Message;
use specdoc_proto::queue::v1::{EventRecord, JobEnvelope};
use std::sync::LazyLock;
use std::time::Duration;

static ENQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS: doorbell.  ARGV: prefix, then job id, envelope, team, priority per job
-- Queues each job not queued or leased already, in the order given. Per job: false when it
-- was, else {its list's length, teams at its priority, jobs at its priority, jobs ahead at
-- higher priorities}, as if the jobs were queued one by one. The lists grow by one command
-- per list at the end, not one per job. Rings the doorbell once per job queued (up to 64).
local prefix = ARGV[1]
local priorities = {'high', 'normal', 'low'}
local replies = {}
local lists, pending, lengths = {}, {}, {}
local depths, added, teams = {}, {}, {}
local joined = {}
local function depth(prio)
  if not depths[prio] then depths[prio] = redis.call('LLEN', prefix .. ':backlog:' .. prio) end
  return depths[prio]
end
local queued = 0
for i = 2, #ARGV, 4 do
  local id, envelope, team, prio = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if redis.call('SET', prefix .. ':env:' .. id, envelope, 'NX') then
    local ready = prefix .. ':ready:' .. prio .. ':' .. team
    if not pending[ready] then
      pending[ready] = {}
      lists[#lists + 1] = ready
      lengths[ready] = redis.call('LLEN', ready)
    end
    local active = prefix .. ':active:' .. prio
    if not teams[prio] then teams[prio] = redis.call('SCARD', active) end
    if not joined[ready] then
      joined[ready] = true
      if redis.call('SADD', active, team) == 1 then
        redis.call('RPUSH', prefix .. ':teams:' .. prio, team)
        teams[prio] = teams[prio] + 1
      end
    end
    local list = pending[ready]
    list[#list + 1] = id
    depths[prio] = depth(prio) + 1
    added[prio] = (added[prio] or 0) + 1
    local ahead = 0
    for _, higher in ipairs(priorities) do
      if higher == prio then break end
      ahead = ahead + depth(higher)
    end
    replies[#replies + 1] = {lengths[ready] + #list, teams[prio], depths[prio], ahead}
    queued = queued + 1
  else
    replies[#replies + 1] = false
  end
end
local function push(key, values)
  for first = 1, #values, 500 do
    redis.call('RPUSH', key, unpack(values, first, math.min(first + 499, #values)))
  end
end
for _, ready in ipairs(lists) do push(ready, pending[ready]) end
for _, prio in ipairs(priorities) do
  local ones = {}
  for k = 1, added[prio] or 0 do ones[k] = '1' end
  push(prefix .. ':backlog:' .. prio, ones)
end
if queued > 0 then
  local rings = {}
  for k = 1, math.min(queued, 64) do rings[k] = '1' end
  redis.call('LPUSH', KEYS[1], unpack(rings))
  redis.call('LTRIM', KEYS[1], 0, 63)
end
return replies
",
    )
});

static ENQUEUE_DELAYED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS: env, delayed.  ARGV: member (prio|team|id), envelope, ready-at ms
if not redis.call('SET', KEYS[1], ARGV[2], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
",
    )
});

static DEQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS: leases, lease-tokens, delayed.  ARGV: prefix, lease deadline, now, token per job wanted
-- Returns id, envelope, id, envelope... of up to #ARGV - 3 jobs, each leased under its token.
local prefix = ARGV[1]
-- Retries whose backoff has passed join the back of their team's list.
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[3], 'LIMIT', 0, 100)) do
  redis.call('ZREM', KEYS[3], member)
  local prio, team, id = string.match(member, '^([^|]+)|([^|]+)|(.+)$')
  if id then
    redis.call('RPUSH', prefix .. ':ready:' .. prio .. ':' .. team, id)
    if redis.call('SADD', prefix .. ':active:' .. prio, team) == 1 then
      redis.call('RPUSH', prefix .. ':teams:' .. prio, team)
    end
    redis.call('RPUSH', prefix .. ':backlog:' .. prio, '1')
  end
end
-- Takes up to `wanted` job ids in fair order: the highest priority with jobs first; within
-- it, turns over the ring of teams, one job from each team per turn. A ring of one team hands
-- out its jobs in one pop. Each job taken leaves its priority's backlog count.
local function take(wanted)
  local ids = {}
  for _, prio in ipairs({'high', 'normal', 'low'}) do
    local ring = prefix .. ':teams:' .. prio
    local active = prefix .. ':active:' .. prio
    local taken = 0
    while #ids < wanted do
      local teams = redis.call('LLEN', ring)
      if teams == 0 then break end
      for _ = 1, teams do
        if #ids >= wanted then break end
        local team = redis.call('LMOVE', ring, ring, 'LEFT', 'RIGHT')
        if not team then break end
        local ready = prefix .. ':ready:' .. prio .. ':' .. team
        local popped = redis.call('LPOP', ready, teams == 1 and wanted - #ids or 1)
        if popped then
          for _, id in ipairs(popped) do ids[#ids + 1] = id end
          taken = taken + #popped
        end
        if redis.call('LLEN', ready) == 0 then
          redis.call('LREM', ring, 0, team)
          redis.call('SREM', active, team)
        end
      end
    end
    if taken > 0 then redis.call('LPOP', prefix .. ':backlog:' .. prio, taken) end
    if #ids >= wanted then break end
  end
  return ids
end
-- Lease the jobs taken, each under its token; a job whose envelope is gone (cancelled while
-- queued) is skipped. Commands take their arguments in chunks, well inside Lua's stack.
local out = {}
local ids = take(#ARGV - 3)
for first = 1, #ids, 500 do
  local chunk = {}
  for i = first, math.min(first + 499, #ids) do chunk[#chunk + 1] = prefix .. ':env:' .. ids[i] end
  local envelopes = redis.call('MGET', unpack(chunk))
  local deadlines, tokens = {}, {}
  for k, envelope in ipairs(envelopes) do
    if envelope then
      local id = ids[first + k - 1]
      deadlines[#deadlines + 1] = ARGV[2]
      deadlines[#deadlines + 1] = id
      tokens[#tokens + 1] = id
      tokens[#tokens + 1] = ARGV[4 + #out / 2]
      out[#out + 1] = id
      out[#out + 1] = envelope
    end
  end
  if #deadlines > 0 then
    redis.call('ZADD', KEYS[1], unpack(deadlines))
    redis.call('HSET', KEYS[2], unpack(tokens))
  end
end
return out
",
    )
});

static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS: leases, lease-tokens.  ARGV: new deadline, then job id, token pairs
-- Per pair: 1 if the lease was extended, 0 if it is no longer that token's.
local renewed = {}
for i = 2, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i + 1] then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[i])
    renewed[#renewed + 1] = 1
  else
    renewed[#renewed + 1] = 0
  end
end
return renewed
",
    )
});

/// Kept as source too: a pipeline sends it with EVAL, which needs no script loaded beforehand
/// (a restarted Redis has none).
const ACK_SOURCE: &str = r"
-- KEYS: leases, lease-tokens.  ARGV: prefix, then job id, token pairs
-- Drops each job held under its token; returns how many were. Jobs go in chunks, a command
-- per chunk rather than per job, well inside Lua's stack.
local acked = 0
local jobs = (#ARGV - 1) / 2
for first = 1, jobs, 500 do
  local ids = {}
  for j = first, math.min(first + 499, jobs) do ids[#ids + 1] = ARGV[2 * j] end
  local tokens = redis.call('HMGET', KEYS[2], unpack(ids))
  local held, envelopes = {}, {}
  for k = 1, #ids do
    if tokens[k] == ARGV[2 * (first + k - 1) + 1] then
      held[#held + 1] = ids[k]
      envelopes[#envelopes + 1] = ARGV[1] .. ':env:' .. ids[k]
    end
  end
  if #held > 0 then
    redis.call('ZREM', KEYS[1], unpack(held))
    redis.call('HDEL', KEYS[2], unpack(held))
    redis.call('DEL', unpack(envelopes))
    acked = acked + #held
  end
end
return acked
";

static ACK: LazyLock<Script> = LazyLock::new(|| Script::new(ACK_SOURCE));

static RECLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS: leases, lease-tokens.  ARGV: prefix, now, limit
-- Takes expired leases away from their (dead or stalled) holders; returns id, token pairs.
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])) do
  table.insert(out, id)
  table.insert(out, redis.call('HGET', KEYS[2], id) or '')
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('DEL', ARGV[1] .. ':env:' .. id)
end
return out
",
    )
});

static REMOVE_QUEUED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS: ready, ring, active, depth, env.  ARGV: job id, team
local removed = redis.call('LREM', KEYS[1], 0, ARGV[1])
if removed > 0 then redis.call('LPOP', KEYS[4], removed) end
if redis.call('LLEN', KEYS[1]) == 0 then
  redis.call('LREM', KEYS[2], 0, ARGV[2])
  redis.call('SREM', KEYS[3], ARGV[2])
end
redis.call('DEL', KEYS[5])
return removed
",
    )
});

static DEPTHS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- ARGV: prefix.  Returns a flat list of priority, team, queued.
local out = {}
for _, prio in ipairs({'high', 'normal', 'low'}) do
  for _, team in ipairs(redis.call('LRANGE', ARGV[1] .. ':teams:' .. prio, 0, -1)) do
    table.insert(out, prio)
    table.insert(out, team)
    table.insert(out, redis.call('LLEN', ARGV[1] .. ':ready:' .. prio .. ':' .. team))
  end
end
return out
",
    )
});

static BACKLOG: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- ARGV: prefix.  Per priority: queued count and the smallest head id among the teams' lists
-- (ids are UUIDv7, so the smallest is the oldest submission).
local out = {}
for _, prio in ipairs({'high', 'normal', 'low'}) do
  local oldest = ''
  for _, team in ipairs(redis.call('LRANGE', ARGV[1] .. ':teams:' .. prio, 0, -1)) do
    local head = redis.call('LINDEX', ARGV[1] .. ':ready:' .. prio .. ':' .. team, 0)
    if head and (oldest == '' or head < oldest) then oldest = head end
  end
  table.insert(out, redis.call('LLEN', ARGV[1] .. ':backlog:' .. prio))
  table.insert(out, oldest)
end
return out
",
    )
});

/// Queued jobs of one priority, for the queue gauges.
#[derive(Debug, Clone)]
pub struct Backlog {
    /// The priority.
    pub priority: Priority,
    /// Jobs queued at it.
    pub queued: u64,
    /// The longest-waiting of them (by submission time), if any.
    pub oldest: Option<JobId>,
}

/// A job a worker now holds a lease on.
#[derive(Debug, Clone)]
pub struct Leased {
    /// The job.
    pub job_id: JobId,
    /// Its envelope.
    pub envelope: JobEnvelope,
    /// The lease's token; the same token guards the job's row in the database.
    pub lease: LeaseToken,
}

/// Queued jobs per priority and team.
#[derive(Debug, Clone, Default)]
pub struct QueueDepths {
    /// (priority, team, queued) for every team with queued jobs.
    pub slices: Vec<(Priority, String, u64)>,
}

impl QueueDepths {
    /// All queued jobs.
    pub fn total(&self) -> u64 {
        self.slices.iter().map(|(_, _, n)| n).sum()
    }
}

impl Queue {
    /// Dispatches a committed job. Returns its estimated 1-based position in dispatch order, or
    /// `None` when the job is already queued or leased (a repeated dispatch is harmless).
    pub async fn enqueue(
        &self,
        envelope: &JobEnvelope,
        team: &TeamId,
        priority: Priority,
    ) -> Result<Option<u64>> {
        let positions = self.enqueue_many(&[(envelope, team, priority)]).await?;
        Ok(positions.into_iter().next().flatten())
    }

    /// Dispatches committed jobs, in the order given, with one script call: each job is queued
    /// atomically as [`enqueue`](Self::enqueue) does, but Redis runs one script for the batch
    /// and grows each list once, instead of a script and five commands per job. Returns each
    /// job's position as `enqueue` does.
    pub async fn enqueue_many(
        &self,
        jobs: &[(&JobEnvelope, &TeamId, Priority)],
    ) -> Result<Vec<Option<u64>>> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        let mut invocation = ENQUEUE.key(self.keys.doorbell());
        invocation.arg(self.keys.prefix());
        for (envelope, team, priority) in jobs {
            if envelope.job_id.parse::<JobId>().is_err() {
                return Err(Error::BadJobId(envelope.job_id.clone()));
            }
            invocation
                .arg(&envelope.job_id)
                .arg(envelope.encode_to_vec())
                .arg(team.as_str())
                .arg(priority.as_str());
        }
        let mut conn = self.conn.clone();
        let replies: Vec<Option<EnqueueReply>> = invocation.invoke_async(&mut conn).await?;
        Ok(replies
            .into_iter()
            .map(|reply| reply.map(position))
            .collect())
    }

    /// Whether Redis holds each job (queued, delayed or leased: its envelope exists), in one
    /// round trip.
    pub async fn holds(&self, jobs: &[JobId]) -> Result<Vec<bool>> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for job in jobs {
            pipe.exists(self.keys.envelope(*job));
        }
        let mut conn = self.conn.clone();
        Ok(pipe.query_async(&mut conn).await?)
    }

    /// Dispatches a job to retry after `delay` (its backoff). The job waits in the delayed set
    /// and joins its team's list once the delay has passed. False when the job is already
    /// queued or leased.
    pub async fn enqueue_delayed(
        &self,
        envelope: &JobEnvelope,
        team: &TeamId,
        priority: Priority,
        delay: Duration,
    ) -> Result<bool> {
        let job_id: JobId = envelope
            .job_id
            .parse()
            .map_err(|_| Error::BadJobId(envelope.job_id.clone()))?;
        let ready_at = now_millis() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        let mut conn = self.conn.clone();
        let added: i64 = ENQUEUE_DELAYED
            .key(self.keys.envelope(job_id))
            .key(self.keys.delayed())
            .arg(format!("{priority}|{team}|{job_id}"))
            .arg(envelope.encode_to_vec())
            .arg(ready_at)
            .invoke_async(&mut conn)
            .await?;
        Ok(added == 1)
    }

    /// Takes the next job in fair priority order and leases it for `lease`. `None` when nothing
    /// is queued.
    pub async fn dequeue(&self, lease: Duration) -> Result<Option<Leased>> {
        Ok(self.dequeue_many(lease, 1).await?.pop())
    }

    /// Takes up to `max` jobs in fair priority order (each pick moves on to the next team, as
    /// `max` single calls would) and leases each for `lease` under a token of its own, in one
    /// round trip. Empty when nothing is queued.
    pub async fn dequeue_many(&self, lease: Duration, max: usize) -> Result<Vec<Leased>> {
        let tokens: Vec<LeaseToken> = (0..max).map(|_| LeaseToken::new()).collect();
        let deadline = now_millis() + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let mut conn = self.conn.clone();
        let mut call = DEQUEUE.prepare_invoke();
        call.key(self.keys.leases())
            .key(self.keys.lease_tokens())
            .key(self.keys.delayed())
            .arg(self.keys.prefix())
            .arg(deadline)
            .arg(now_millis());
        for token in &tokens {
            call.arg(&token.0);
        }
        let reply: Vec<(String, Vec<u8>)> = call.invoke_async(&mut conn).await?;
        reply
            .into_iter()
            .zip(tokens)
            .map(|((id, bytes), lease)| {
                let envelope: JobEnvelope = decode("job envelope", &bytes)?;
                let job_id = id.parse().map_err(|_| Error::BadJobId(id.clone()))?;
                Ok(Leased {
                    job_id,
                    envelope,
                    lease,
                })
            })
            .collect()
    }

    /// Extends a lease by `lease` from now. False when the lease is no longer ours.
    pub async fn renew(&self, job: JobId, token: &LeaseToken, lease: Duration) -> Result<bool> {
        let renewed = self.renew_many(&[(job, token.clone())], lease).await?;
        Ok(renewed.first() == Some(&true))
    }

    /// Extends several leases by `lease` from now, in one round trip; per lease, false when it
    /// is no longer ours.
    pub async fn renew_many(
        &self,
        leases: &[(JobId, LeaseToken)],
        lease: Duration,
    ) -> Result<Vec<bool>> {
        if leases.is_empty() {
            return Ok(Vec::new());
        }
        let deadline = now_millis() + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let mut invocation = RENEW.key(self.keys.leases());
        invocation.key(self.keys.lease_tokens()).arg(deadline);
        for (job, token) in leases {
            invocation.arg(job.to_string()).arg(&token.0);
        }
        let mut conn = self.conn.clone();
        let renewed: Vec<i64> = invocation.invoke_async(&mut conn).await?;
        Ok(renewed.into_iter().map(|r| r == 1).collect())
    }

    /// Drops a finished job from Redis. False when the lease was no longer ours.
    pub async fn ack(&self, job: JobId, token: &LeaseToken) -> Result<bool> {
        let mut conn = self.conn.clone();
        let acked: i64 = ACK
            .key(self.keys.leases())
            .key(self.keys.lease_tokens())
            .arg(self.keys.prefix())
            .arg(job.to_string())
            .arg(&token.0)
            .invoke_async(&mut conn)
            .await?;
        Ok(acked == 1)
    }

    /// Publishes events and drops finished jobs (each under its lease) from Redis, in one round
    /// trip: what a worker does after committing a group of writes.
    pub async fn publish_and_ack(
        &self,
        records: &[EventRecord],
        finished: &[(JobId, LeaseToken)],
    ) -> Result<()> {
        if records.is_empty() && finished.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        self.add_events(&mut pipe, records);
        if !finished.is_empty() {
            let ack = pipe
                .cmd("EVAL")
                .arg(ACK_SOURCE)
                .arg(2)
                .arg(self.keys.leases())
                .arg(self.keys.lease_tokens())
                .arg(self.keys.prefix());
            for (job, token) in finished {
                ack.arg(job.to_string()).arg(&token.0);
            }
            ack.ignore();
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await?;
        Ok(())
    }

    /// Takes up to `limit` expired leases from their holders and returns (job, token) pairs.
    /// The caller ends those attempts in the database and dispatches the jobs again; a holder
    /// that wakes up finds its lease gone and its guarded writes refused.
    pub async fn reclaim_expired(&self, limit: u32) -> Result<Vec<(JobId, LeaseToken)>> {
        let mut conn = self.conn.clone();
        let flat: Vec<String> = RECLAIM
            .key(self.keys.leases())
            .key(self.keys.lease_tokens())
            .arg(self.keys.prefix())
            .arg(now_millis())
            .arg(limit)
            .invoke_async(&mut conn)
            .await?;
        let mut reclaimed = Vec::with_capacity(flat.len() / 2);
        for pair in flat.chunks_exact(2) {
            let id = pair[0]
                .parse()
                .map_err(|_| Error::BadJobId(pair[0].clone()))?;
            reclaimed.push((id, LeaseToken(pair[1].clone())));
        }
        Ok(reclaimed)
    }

    /// Puts reclaimed leases back, already expired, so the next reaper pass takes them again:
    /// for leases whose attempts could not be ended in the database (it was unreachable), which
    /// would otherwise be in neither Redis nor any worker's hands.
    pub async fn restore_expired_leases(&self, leases: &[(JobId, LeaseToken)]) -> Result<()> {
        if leases.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (id, token) in leases {
            let id = id.to_string();
            pipe.cmd("ZADD")
                .arg(self.keys.leases())
                .arg(0)
                .arg(&id)
                .ignore();
            pipe.cmd("HSET")
                .arg(self.keys.lease_tokens())
                .arg(&id)
                .arg(&token.0)
                .ignore();
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await?;
        Ok(())
    }

    /// Takes a queued job out of dispatch (it was cancelled). True when it was queued.
    pub async fn remove_queued(
        &self,
        job: JobId,
        team: &TeamId,
        priority: Priority,
    ) -> Result<bool> {
        let keys = &self.keys;
        let mut conn = self.conn.clone();
        let removed: i64 = REMOVE_QUEUED
            .key(keys.ready(priority, team))
            .key(keys.teams(priority))
            .key(active_key(keys.prefix(), priority))
            .key(keys.backlog(priority))
            .key(keys.envelope(job))
            .arg(job.to_string())
            .arg(team.as_str())
            .invoke_async(&mut conn)
            .await?;
        Ok(removed > 0)
    }

    /// Queued jobs per priority and team.
    pub async fn depths(&self) -> Result<QueueDepths> {
        let mut conn = self.conn.clone();
        let flat: Vec<redis::Value> = DEPTHS
            .arg(self.keys.prefix())
            .invoke_async(&mut conn)
            .await?;
        let mut slices = Vec::new();
        for chunk in flat.chunks_exact(3) {
            let priority: String =
                redis::from_redis_value_ref(&chunk[0]).map_err(redis::RedisError::from)?;
            let team: String =
                redis::from_redis_value_ref(&chunk[1]).map_err(redis::RedisError::from)?;
            let queued: u64 =
                redis::from_redis_value_ref(&chunk[2]).map_err(redis::RedisError::from)?;
            if let Some(priority) = Priority::from_name(&priority) {
                slices.push((priority, team, queued));
            }
        }
        Ok(slices_sorted(slices))
    }

    /// Queued count and oldest job of each priority, high first.
    pub async fn backlog(&self) -> Result<Vec<Backlog>> {
        let mut conn = self.conn.clone();
        let flat: Vec<(u64, String)> = BACKLOG
            .arg(self.keys.prefix())
            .invoke_async(&mut conn)
            .await?;
        Ok([Priority::High, Priority::Normal, Priority::Low]
            .into_iter()
            .zip(flat)
            .map(|(priority, (queued, oldest))| Backlog {
                priority,
                queued,
                oldest: oldest.parse().ok(),
            })
            .collect())
    }

    /// Jobs currently leased.
    pub async fn leased_count(&self) -> Result<u64> {
        let mut conn = self.conn.clone();
        Ok(redis::cmd("ZCARD")
            .arg(self.keys.leases())
            .query_async(&mut conn)
            .await?)
    }

    /// A dedicated connection on which an idle worker waits for new work.
    pub async fn doorbell(&self) -> Result<Doorbell> {
        let block = Duration::from_secs(1);
        Ok(Doorbell {
            conn: self.blocking_connection(block).await?,
            key: self.keys.doorbell(),
            block,
        })
    }
}

/// What [`ENQUEUE`] answers for a job it queued: its list's length, the teams at its priority,
/// the jobs at its priority, and the jobs at higher priorities.
type EnqueueReply = (u64, u64, u64, i64);

/// A queued job's estimated 1-based position in dispatch order.
fn position((mine, teams, depth, ahead): EnqueueReply) -> u64 {
    // Round-robin: every other team with jobs gets a turn before each of ours.
    let fair = (mine.saturating_sub(1)) * teams.max(1) + 1;
    u64::try_from(ahead).unwrap_or(0) + fair.min(depth.max(1))
}

fn slices_sorted(mut slices: Vec<(Priority, String, u64)>) -> QueueDepths {
    slices.sort();
    QueueDepths { slices }
}

fn active_key(prefix: &str, priority: Priority) -> String {
    format!("{prefix}:active:{priority}")
}

/// Where idle workers wait: each enqueue rings it once, waking one waiter.
pub struct Doorbell {
    conn: redis::aio::MultiplexedConnection,
    key: String,
    block: Duration,
}

impl Doorbell {
    /// Waits until a job may have been enqueued, or about a second has passed.
    pub async fn wait(&mut self) -> Result<()> {
        let _: Option<(String, String)> = redis::cmd("BLPOP")
            .arg(&self.key)
            .arg(self.block.as_secs_f64())
            .query_async(&mut self.conn)
            .await?;
        Ok(())
    }
}
