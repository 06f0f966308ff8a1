//! specdoc-worker
