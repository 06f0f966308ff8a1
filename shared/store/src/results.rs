//! Reading a finished job's documents and quality report.

use crate::{Result, Store};
use specdoc_core::{JobId, OutputFormat};
use sqlx::Row;

/// A stored document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Its format.
    pub format: OutputFormat,
    /// Its bytes.
    pub content: Vec<u8>,
}

/// Everything a job stored.
#[derive(Debug, Clone, Default)]
pub struct StoredResults {
    /// Documents, in format order.
    pub documents: Vec<Document>,
    /// The encoded `specdoc.job.v1.QualityScore`, when the job scored.
    pub quality_report: Option<Vec<u8>>,
}

impl Store {
    /// The documents and quality report of a job (empty when it stored none).
    pub async fn get_results(&self, id: JobId) -> Result<StoredResults> {
        let rows = sqlx::query(
            "SELECT format, content FROM job_documents WHERE job_id = $1 ORDER BY format",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut documents = Vec::with_capacity(rows.len());
        for row in rows {
            let name: String = row.try_get("format")?;
            let format = OutputFormat::from_name(&name).ok_or_else(|| crate::Error::Corrupt {
                table: "job_documents",
                detail: format!("format = {name:?}"),
            })?;
            documents.push(Document {
                format,
                content: row.try_get("content")?,
            });
        }
        documents.sort_by_key(|d| d.format);
        let quality_report = sqlx::query("SELECT report FROM job_quality WHERE job_id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .map(|row| row.try_get::<Vec<u8>, _>("report"))
            .transpose()?;
        Ok(StoredResults {
            documents,
            quality_report,
        })
    }
}
