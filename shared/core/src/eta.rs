//! When a job will complete: a pure estimate from what the system knows right now.
//!
//! - A queued job waits for the jobs ahead of it in dispatch order (higher priorities first,
//!   then round-robin between teams, so another team's backlog counts only as far as this
//!   team's own rank) to pass through the live worker slots, then runs for a typical time.
//!   A slot frees when its running job is done (a typical run after it started), so slots free
//!   at staggered times; with equal run times the jobs ahead take the slots in turn, which makes
//!   the wait exact arithmetic rather than a simulation.
//! - A running job needs what is left of a typical run: the typical time minus what it has
//!   already spent, and never less than its unfinished share of progress.
//!
//! "Typical" is the median run time of recent completed jobs of the same type and similar spec
//! size, measured by the caller.

use std::time::Duration;

/// What an estimate is made from.
#[derive(Debug, Clone)]
pub struct EtaInputs {
    /// Median run time (start to completion) of recent similar jobs.
    pub typical_run: Duration,
    /// Job slots of the live workers (at least 1 is assumed).
    pub slots: u32,
    /// What the job is doing.
    pub progress: EtaProgress,
}

/// The job's situation.
#[derive(Debug, Clone)]
pub enum EtaProgress {
    /// Waiting behind `ahead` jobs.
    Queued {
        /// Jobs dispatched before it.
        ahead: u64,
        /// What is left of each running job, by what its own typical run says.
        running_left: Vec<Duration>,
    },
    /// Running for `elapsed`, at `percent` progress.
    Running {
        /// Time since the attempt started.
        elapsed: Duration,
        /// Progress, 0 to 100.
        percent: u32,
    },
}

/// Time left until the job completes.
pub fn remaining(inputs: &EtaInputs) -> Duration {
    let typical = inputs.typical_run;
    match inputs.progress {
        EtaProgress::Queued {
            ahead,
            ref running_left,
        } => {
            let slots = usize::try_from(inputs.slots.max(1)).unwrap_or(usize::MAX);
            // When each slot frees: the busy ones as their jobs finish (the soonest ones, if
            // more run than there are live slots), the idle ones now.
            let mut free_at = running_left.clone();
            free_at.sort_unstable();
            free_at.truncate(slots);
            free_at.resize(slots, Duration::ZERO);
            free_at.sort_unstable();
            // Slots take the jobs ahead in turn, each for a typical run, and keep their order.
            let slots = slots as u64;
            let turn = usize::try_from(ahead % slots).unwrap_or(0);
            let rounds = u32::try_from(ahead / slots).unwrap_or(u32::MAX);
            free_at[turn] + typical.saturating_mul(rounds) + typical
        }
        EtaProgress::Running { elapsed, percent } => {
            let unfinished = typical.mul_f64(f64::from(100 - percent.min(100)) / 100.0);
            typical.saturating_sub(elapsed).max(unfinished / 2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_queued_job_waits_for_the_waves_ahead_then_runs() {
        let eta = |ahead, slots| {
            remaining(&EtaInputs {
                typical_run: 2 * SECOND,
                slots,
                progress: EtaProgress::Queued {
                    ahead,
                    running_left: Vec::new(),
                },
            })
        };
        assert_eq!(eta(0, 4), 2 * SECOND);
        assert_eq!(eta(8, 4), 6 * SECOND);
        assert_eq!(eta(8, 0), 18 * SECOND, "no worker: one slot is assumed");
    }

    #[test]
    fn busy_slots_free_as_their_jobs_finish() {
        let eta = |ahead, running_left: Vec<Duration>| {
            remaining(&EtaInputs {
                typical_run: 2 * SECOND,
                slots: 2,
                progress: EtaProgress::Queued {
                    ahead,
                    running_left,
                },
            })
        };
        let ms = Duration::from_millis;
        // Both slots busy, freeing in 0.5 s and 1.5 s.
        assert_eq!(eta(0, vec![ms(1500), ms(500)]), ms(2500));
        assert_eq!(eta(1, vec![ms(1500), ms(500)]), ms(3500));
        // The first slot is taken again by the second job ahead: 0.5 + 2 + 2.
        assert_eq!(eta(2, vec![ms(1500), ms(500)]), ms(4500));
        // One slot idle: the next job starts now.
        assert_eq!(eta(0, vec![ms(1500)]), 2 * SECOND);
        // More running than live slots (a worker just left): the soonest to finish count.
        assert_eq!(eta(0, vec![ms(1500), ms(900), ms(100)]), ms(2100));
    }

    #[test]
    fn a_running_job_needs_the_rest_of_a_typical_run() {
        let eta = |elapsed, percent| {
            remaining(&EtaInputs {
                typical_run: 10 * SECOND,
                slots: 1,
                progress: EtaProgress::Running { elapsed, percent },
            })
        };
        assert_eq!(eta(4 * SECOND, 40), 6 * SECOND);
        // Slower than typical: what its progress says is left, halved, not zero.
        assert_eq!(eta(20 * SECOND, 50), Duration::from_millis(2500));
    }
}
