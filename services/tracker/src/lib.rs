//! specdoc-tracker
