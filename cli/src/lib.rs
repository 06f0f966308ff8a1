//! specdoc-cli
