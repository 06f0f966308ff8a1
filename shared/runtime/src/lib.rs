//! specdoc-runtime
