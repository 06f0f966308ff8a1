//! specdoc-queue
