//! TLS to Postgres, against the real server: plain text unless the URL asks (sqlx's implicit
//! `prefer` is turned off), TLS with `sslmode=require`, and `sslmode=verify-full` refusing a
//! server whose certificate the platform does not trust (the local server's self-signed one).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sqlx::Connection;

/// Whether the connections to database `name` use TLS, as the server sees them.
async fn tls_in_use(name: &str) -> Vec<bool> {
    let mut admin = sqlx::PgConnection::connect(&specdoc_testkit::postgres_admin_url())
        .await
        .unwrap();
    sqlx::query_scalar(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = $1",
    )
    .bind(name)
    .fetch_all(&mut admin)
    .await
    .unwrap()
}

async fn server_offers_tls() -> bool {
    let mut admin = sqlx::PgConnection::connect(&specdoc_testkit::postgres_admin_url())
        .await
        .unwrap();
    let ssl: String = sqlx::query_scalar("SHOW ssl")
        .fetch_one(&mut admin)
        .await
        .unwrap();
    ssl == "on"
}

#[tokio::test]
async fn postgres_tls_is_used_when_the_url_asks_and_only_then() {
    let url = specdoc_testkit::fresh_postgres_url().await;
    let name = url.rsplit('/').next().unwrap().to_owned();

    let plain = specdoc_store::Store::open(&url).await.unwrap();
    plain.ping().await.unwrap();
    let used = tls_in_use(&name).await;
    assert!(!used.is_empty() && used.iter().all(|tls| !tls), "{used:?}");
    plain.close().await;

    if !server_offers_tls().await {
        eprintln!("the Postgres server has ssl=off: TLS connections not tested");
        return;
    }
    let encrypted = specdoc_store::Store::open(&format!("{url}?sslmode=require"))
        .await
        .unwrap();
    encrypted.ping().await.unwrap();
    let used = tls_in_use(&name).await;
    assert!(!used.is_empty() && used.iter().all(|tls| *tls), "{used:?}");
    encrypted.close().await;

    // The test server's certificate is self-signed, so checking it must fail, and say why.
    let error = specdoc_store::Store::open(&format!("{url}?sslmode=verify-full"))
        .await
        .expect_err("an untrusted certificate is refused")
        .to_string();
    assert!(error.to_lowercase().contains("certificate"), "{error}");
}
