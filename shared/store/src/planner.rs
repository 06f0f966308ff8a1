//! Planner statistics of the busiest tables, kept current by the scheduler's beat.
//!
//! Postgres plans a prepared statement once per connection and keeps the plan until the
//! statistics of a table it reads change. The worker's batch statements are prepared on its
//! first jobs; planned while `jobs` held a few hundred rows, they scan the whole table (or its
//! whole primary key) for every group of writes once it holds a million. Autovacuum analyses a
//! table after it has changed by a tenth, but looks only once a minute, and not at all where it is
//! off. The beat asks every few seconds instead, and analyses a table once it has changed by as
//! many rows as it held at its last analysis: a handful of times as a table grows from empty,
//! never once autovacuum keeps up.

use crate::{Backend, Result, Store};
use sqlx::Row;

/// The tables whose plans matter on the hot path, and how to analyse each.
const TABLES: [(&str, &str); 2] = [
    ("jobs", "ANALYZE jobs"),
    ("job_events", "ANALYZE job_events"),
];

/// Changed rows below which a table is left alone, however small it was.
const MIN_CHANGED_ROWS: i64 = 500;

impl Store {
    /// Analyses each busy table that changed by as many rows as it held at its last analysis;
    /// returns the ones analysed. A no-op on SQLite, which plans every statement afresh.
    pub async fn refresh_statistics(&self) -> Result<Vec<&'static str>> {
        if self.backend() != Backend::Postgres {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT s.relname::text AS name FROM pg_stat_user_tables s \
             JOIN pg_class c ON c.oid = s.relid \
             WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze >= GREATEST($1, c.reltuples)",
        )
        .bind(MIN_CHANGED_ROWS)
        .fetch_all(&self.pool)
        .await?;
        let mut analysed = Vec::new();
        for row in rows {
            let name: String = row.try_get("name")?;
            if let Some((table, analyse)) = TABLES.into_iter().find(|(t, _)| *t == name) {
                sqlx::query(analyse).execute(&self.pool).await?;
                analysed.push(table);
            }
        }
        Ok(analysed)
    }
}
