//! The LLM answer cache: validated responses keyed by (model, prompt version, input hash), so a
//! resubmitted spec costs no LLM calls. Keys and values come from `specdoc-genai`; the store
//! only keeps them. Retention prunes old entries with old jobs.

use crate::{Result, Store};
use specdoc_core::now_millis;
use sqlx::Row;

impl Store {
    /// The cached answer for `key`, if any.
    pub async fn cached_llm_response(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT response FROM genai_cache WHERE cache_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("response")).transpose()?)
    }

    /// Keeps `response` under `key`. The first answer stored wins: concurrent jobs asking the
    /// same question store the same validated shape, so either is right.
    pub async fn cache_llm_response(&self, key: &str, response: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO genai_cache (cache_key, response, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (cache_key) DO NOTHING",
        )
        .bind(key)
        .bind(response)
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
