//! specdoc-scheduler
