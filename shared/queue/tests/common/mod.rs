//! What the queue's test files share.

use specdoc_queue::Queue;

/// A queue of its own on the shared Redis: a key prefix no other test uses.
pub async fn queue() -> Queue {
    Queue::connect(
        &specdoc_testkit::redis_url(),
        &specdoc_testkit::unique_prefix(),
    )
    .await
    .expect("Redis answers at REDIS_URL")
}
