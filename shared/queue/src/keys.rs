//! Every Redis key specdoc uses, built in one place under one prefix. The table in the crate
//! docs lists them with their types and writers.

use specdoc_core::{JobId, Priority, TeamId};

/// Builds keys under a prefix.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys under `prefix` (without a trailing colon).
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.trim_end_matches(':').to_owned(),
        }
    }

    /// The prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `P:env:{job}`.
    pub fn envelope(&self, job: JobId) -> String {
        format!("{}:env:{job}", self.prefix)
    }

    /// `P:ready:{prio}:{team}`.
    pub fn ready(&self, priority: Priority, team: &TeamId) -> String {
        format!("{}:ready:{priority}:{team}", self.prefix)
    }

    /// `P:teams:{prio}`.
    pub fn teams(&self, priority: Priority) -> String {
        format!("{}:teams:{priority}", self.prefix)
    }

    /// `P:backlog:{prio}`.
    pub fn backlog(&self, priority: Priority) -> String {
        format!("{}:backlog:{priority}", self.prefix)
    }

    /// `P:quota:{team}`.
    pub fn quota(&self, team: &TeamId) -> String {
        format!("{}:quota:{team}", self.prefix)
    }

    /// `P:leases`.
    pub fn leases(&self) -> String {
        format!("{}:leases", self.prefix)
    }

    /// `P:lease-tokens`.
    pub fn lease_tokens(&self) -> String {
        format!("{}:lease-tokens", self.prefix)
    }

    /// `P:delayed`.
    pub fn delayed(&self) -> String {
        format!("{}:delayed", self.prefix)
    }

    /// `P:doorbell`.
    pub fn doorbell(&self) -> String {
        format!("{}:doorbell", self.prefix)
    }

    /// `P:events`.
    pub fn events(&self) -> String {
        format!("{}:events", self.prefix)
    }

    /// `P:cancel`.
    pub fn cancel(&self) -> String {
        format!("{}:cancel", self.prefix)
    }

    /// `P:leader`.
    pub fn leader(&self) -> String {
        format!("{}:leader", self.prefix)
    }

    /// `P:workers`.
    pub fn workers(&self) -> String {
        format!("{}:workers", self.prefix)
    }
}
