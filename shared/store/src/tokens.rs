//! API tokens kept in the database (`api_tokens`), for deployments that manage tokens with
//! `specdoc admin token …` rather than a static list. Only hashes are stored; hashing and
//! checking belong to `specdoc_runtime::auth`.

use crate::{Error, Result, Store};
use specdoc_core::{TeamId, UnixMillis, now_millis};
use sqlx::Row;
use sqlx::any::AnyRow;

/// What a token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRole {
    /// Every team's jobs, and token administration.
    Admin,
    /// One team's jobs.
    Team(TeamId),
}

/// A token's record, without the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Public id, used to revoke it.
    pub id: String,
    /// What it grants.
    pub role: TokenRole,
    /// A note for humans ("ci of payments").
    pub label: String,
    /// When it was created.
    pub created_at: UnixMillis,
    /// When it was revoked, if it was.
    pub revoked_at: Option<UnixMillis>,
}

const COLUMNS: &str = "id, team_id, admin, label, created_at, revoked_at";

fn record(row: &AnyRow) -> Result<TokenRecord> {
    let team: Option<String> = row.try_get("team_id")?;
    let admin = row.try_get::<i64, _>("admin")? != 0;
    let role = match (admin, team) {
        (true, None) => TokenRole::Admin,
        (false, Some(team)) => {
            TokenRole::Team(TeamId::parse_field(&team).map_err(|e| Error::Corrupt {
                table: "api_tokens",
                detail: e.to_string(),
            })?)
        }
        (admin, team) => {
            return Err(Error::Corrupt {
                table: "api_tokens",
                detail: format!("admin = {admin} with team_id = {team:?}"),
            });
        }
    };
    Ok(TokenRecord {
        id: row.try_get("id")?,
        role,
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Records a token by its hash.
    pub async fn insert_token(
        &self,
        id: &str,
        token_hash: &str,
        role: &TokenRole,
        label: &str,
    ) -> Result<TokenRecord> {
        let (team, admin) = match role {
            TokenRole::Admin => (None, 1_i64),
            TokenRole::Team(team) => (Some(team.as_str()), 0),
        };
        let created_at = now_millis();
        sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, team_id, admin, label, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(token_hash)
        .bind(team)
        .bind(admin)
        .bind(label)
        .bind(created_at)
        .execute(&self.pool)
        .await?;
        Ok(TokenRecord {
            id: id.to_owned(),
            role: role.clone(),
            label: label.to_owned(),
            created_at,
            revoked_at: None,
        })
    }

    /// The live (unrevoked) token with this hash.
    pub async fn live_token(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
        );
        let row = crate::rows::query(sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    /// Revokes a token; `None` when no token has that id, the record otherwise (revoking twice
    /// keeps the first time).
    pub async fn revoke_token(&self, id: &str) -> Result<Option<TokenRecord>> {
        sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now_millis())
            .execute(&self.pool)
            .await?;
        let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1");
        let row = crate::rows::query(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    /// Every token, newest first.
    pub async fn list_tokens(&self) -> Result<Vec<TokenRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens ORDER BY created_at DESC, id");
        let rows = crate::rows::query(sql).fetch_all(&self.pool).await?;
        rows.iter().map(record).collect()
    }
}
