//! Token administration (admin tokens only): create, revoke and list the API tokens kept in the
//! database.

use crate::{Client, Error};
use specdoc_proto::admin::v1::{
    CreateTokenRequest, ListTokensRequest, RevokeTokenRequest, TokenInfo,
};

/// What a new token may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFor {
    /// One team's jobs.
    Team(String),
    /// Every team's jobs, and token administration.
    Admin,
}

impl Client {
    /// Creates a token; returns the token (shown this once) and its record.
    pub async fn create_token(
        &self,
        role: TokenFor,
        label: &str,
    ) -> Result<(String, TokenInfo), Error> {
        let (team_id, admin) = match role {
            TokenFor::Team(team) => (team, false),
            TokenFor::Admin => (String::new(), true),
        };
        let request = CreateTokenRequest {
            team_id,
            admin,
            label: label.to_owned(),
        };
        let response = self.admin.clone().create_token(request).await;
        let response = response.map_err(|s| self.scheduler_error(s))?.into_inner();
        Ok((response.token, response.info.unwrap_or_default()))
    }

    /// Revokes a token by id; returns its record.
    pub async fn revoke_token(&self, token_id: &str) -> Result<TokenInfo, Error> {
        let request = RevokeTokenRequest {
            token_id: token_id.to_owned(),
        };
        let response = self.admin.clone().revoke_token(request).await;
        let response = response.map_err(|s| self.scheduler_error(s))?.into_inner();
        Ok(response.info.unwrap_or_default())
    }

    /// Every database token's record (never the tokens), newest first.
    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>, Error> {
        let response = self.admin.clone().list_tokens(ListTokensRequest {}).await;
        Ok(response
            .map_err(|s| self.scheduler_error(s))?
            .into_inner()
            .tokens)
    }
}
