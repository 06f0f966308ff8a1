//! When a job will complete: a pure estimate from what the system knows right now.
//!
//! - A queued job waits for the jobs ahead of it in dispatch order (higher priorities first,
//!   then round-robin between teams, so another team's backlog counts only as far as this
//!   team's own rank) to pass through the live worker slots, then runs for a typical time.
//! - A running job needs what is left of a typical run: the typical time minus what it has
//!   already spent, and never less than its unfinished share of progress.
//!
//! "Typical" is the median run time of recent completed jobs of the same type and similar spec
//! size, measured by the caller.

use std::time::Duration;

/// What an estimate is made from.
#[derive(Debug, Clone, Copy)]
pub struct EtaInputs {
    /// Median run time (start to completion) of recent similar jobs.
    pub typical_run: Duration,
    /// Job slots of the live workers (at least 1 is assumed).
    pub slots: u32,
    /// What the job is doing.
    pub progress: EtaProgress,
}

/// The job's situation.
#[derive(Debug, Clone, Copy)]
pub enum EtaProgress {
    /// Waiting behind `ahead` jobs.
    Queued {
        /// Jobs dispatched before it.
        ahead: u64,
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
        EtaProgress::Queued { ahead } => {
            let slots = f64::from(inputs.slots.max(1));
            // `ahead` jobs drain through `slots` slots in waves of one typical run each.
            typical.mul_f64(ahead as f64 / slots) + typical
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
                progress: EtaProgress::Queued { ahead },
            })
        };
        assert_eq!(eta(0, 4), 2 * SECOND);
        assert_eq!(eta(8, 4), 6 * SECOND);
        assert_eq!(eta(8, 0), 18 * SECOND, "no worker: one slot is assumed");
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
