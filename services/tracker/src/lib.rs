//! The tracker: the read side of specdoc.
//!
//! It answers GetJob, ListJobs, GetJobHistory, GetJobResult and GetStats from the database, and
//! streams events with WatchJob and WatchJobs. Live events come from one Redis stream reader per
//! tracker ([`fanout`]) and are fanned out in process, so Redis cost does not grow with watchers;
//! the database fills any gap, so a watcher never misses an event ([`watch`]).

mod api;
pub mod fanout;
mod watch;

pub use api::TrackerApi;
