//! The tracker: the read side of specdoc.
//!
//! It answers GetJob, ListJobs, GetJobHistory, GetJobResult and GetStats from the database, and
//! streams events with WatchJob and WatchJobs. Live events come from one Redis stream reader per
//! tracker ([`fanout`]) and are routed in process to the watchers of each job, so Redis cost does
//! not grow with watchers and an event wakes only its job's watchers; the database fills any gap,
//! so a watcher never misses an event (`watch.rs`).
//!
//! It also serves the web monitor on its HTTP port ([`monitor`]), fed by the same fan-out.

mod api;
pub mod fanout;
pub mod monitor;
mod watch;

pub use api::TrackerApi;
