//! The LLM answer cache over the database, so every worker shares it and a resubmitted spec
//! costs no calls. A cache that fails is a miss, never an error: the job goes on.

use specdoc_store::Store;

/// [`specdoc_genai::Cache`] over the store's `genai_cache` table.
pub(crate) struct StoreCache<'a>(pub(crate) &'a Store);

impl specdoc_genai::Cache for StoreCache<'_> {
    async fn get(&self, key: &str) -> Option<String> {
        match self.0.cached_llm_response(key).await {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(%error, "cannot read the LLM cache; asking the model");
                None
            }
        }
    }

    async fn put(&self, key: &str, value: &str) {
        if let Err(error) = self.0.cache_llm_response(key, value).await {
            tracing::warn!(%error, "cannot write the LLM cache");
        }
    }
}
