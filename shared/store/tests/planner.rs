//! The beat's refresh of planner statistics: a table that grew is analysed, once.
#![allow(clippy::unwrap_used, missing_docs)]

use specdoc_store::Store;
use std::time::Duration;

#[tokio::test]
async fn a_table_that_grew_is_analysed_once() {
    let store = Store::connect(&specdoc_testkit::fresh_postgres_url().await)
        .await
        .unwrap();
    assert_eq!(
        store.refresh_statistics().await.unwrap(),
        Vec::<&str>::new(),
        "nothing grew yet"
    );
    let jobs: Vec<_> = (0..600).map(|_| specdoc_testkit::new_job("t")).collect();
    store.insert_jobs(&jobs).await.unwrap();
    // The server's table counters lag the commits by up to a second or so.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let analysed = loop {
        let analysed = store.refresh_statistics().await.unwrap();
        if !analysed.is_empty() || tokio::time::Instant::now() > deadline {
            break analysed;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(analysed.contains(&"jobs"), "analysed {analysed:?}");
    assert!(
        !store.refresh_statistics().await.unwrap().contains(&"jobs"),
        "analysed once, not again until it grows as much again"
    );
}

#[tokio::test]
async fn sqlite_has_no_statistics_to_refresh() {
    let dir = specdoc_testkit::TempDir::new();
    let store = Store::connect(&specdoc_testkit::sqlite_url(&dir))
        .await
        .unwrap();
    store
        .insert_jobs(&[specdoc_testkit::new_job("t")])
        .await
        .unwrap();
    assert!(store.refresh_statistics().await.unwrap().is_empty());
}
