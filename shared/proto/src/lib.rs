//! specdoc's v1 wire types, generated from `proto/` at build time.
//!
//! Every message that crosses a process boundary (a gRPC call, or bytes put in Redis) is one of
//! these types, so clients in any language can read them. Prost types stay at the edge: the
//! domain lives in `specdoc-core`, which converts to and from these with validation.
#![allow(missing_docs, clippy::all)] // generated code

/// Job types shared by every service: states, steps, events, results.
pub mod job {
    pub mod v1 {
        tonic::include_proto!("specdoc.job.v1");
    }
}

/// The scheduler's API: submission, cancellation, queue status.
pub mod scheduler {
    pub mod v1 {
        tonic::include_proto!("specdoc.scheduler.v1");
    }
}

/// The tracker's API: status, events, results, statistics.
pub mod tracker {
    pub mod v1 {
        tonic::include_proto!("specdoc.tracker.v1");
    }
}

/// The worker's introspection API.
pub mod worker {
    pub mod v1 {
        tonic::include_proto!("specdoc.worker.v1");
    }
}

/// Token administration (served by the scheduler).
pub mod admin {
    pub mod v1 {
        tonic::include_proto!("specdoc.admin.v1");
    }
}

/// Messages that travel through Redis.
pub mod queue {
    pub mod v1 {
        tonic::include_proto!("specdoc.queue.v1");
    }
}

/// The encoded `FileDescriptorSet` of all specdoc protos, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("specdoc_descriptor");

pub use prost::{self, Message};
pub use prost_types::Timestamp;
