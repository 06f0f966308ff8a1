//! The `AdminService` gRPC API: creating, revoking and listing database tokens. Admin tokens
//! only; the tokens themselves appear once, in CreateToken's answer.

use specdoc_core::{Invalid, TeamId, timestamp};
use specdoc_proto::admin::v1::admin_service_server::{AdminService, AdminServiceServer};
use specdoc_proto::admin::v1::*;
use specdoc_runtime::ApiError;
use specdoc_runtime::auth::{Authenticator, Caller};
use specdoc_store::{TokenRecord, TokenRole};
use tonic::{Request, Response, Status};

/// Longest token label.
const MAX_LABEL_CHARS: usize = 200;

/// Token administration over the process's [`Authenticator`] (so a revocation takes effect
/// here at once).
#[derive(Debug, Clone)]
pub struct AdminApi(pub Authenticator);

impl AdminApi {
    /// The gRPC service.
    pub fn into_service(self) -> AdminServiceServer<Self> {
        AdminServiceServer::new(self)
    }
}

fn info(record: TokenRecord) -> TokenInfo {
    let (team_id, admin) = match record.role {
        TokenRole::Admin => (String::new(), true),
        TokenRole::Team(team) => (team.to_string(), false),
    };
    TokenInfo {
        token_id: record.id,
        team_id,
        admin,
        label: record.label,
        created_at: Some(timestamp(record.created_at)),
        revoked_at: record.revoked_at.map(timestamp),
    }
}

fn role(request: &CreateTokenRequest) -> Result<TokenRole, ApiError> {
    match (request.admin, request.team_id.as_str()) {
        (true, "") => Ok(TokenRole::Admin),
        (true, _) => Err(Invalid::new("team_id", "must be empty for an admin token").into()),
        (false, "") => Err(Invalid::new("team_id", "is required unless admin is set").into()),
        (false, team) => Ok(TokenRole::Team(TeamId::parse_field(team)?)),
    }
}

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn create_token(
        &self,
        request: Request<CreateTokenRequest>,
    ) -> Result<Response<CreateTokenResponse>, Status> {
        Caller::of(&request)?.require_admin("creating tokens")?;
        let request = request.into_inner();
        let role = role(&request)?;
        if request.label.chars().count() > MAX_LABEL_CHARS
            || request.label.chars().any(char::is_control)
        {
            return Err(ApiError::from(Invalid::new(
                "label",
                format!("must be at most {MAX_LABEL_CHARS} characters, without control characters"),
            ))
            .into());
        }
        let (token, record) = self.0.create_token(&role, &request.label).await?;
        tracing::info!(token_id = %record.id, ?role, "token created");
        Ok(Response::new(CreateTokenResponse {
            token,
            info: Some(info(record)),
        }))
    }

    async fn revoke_token(
        &self,
        request: Request<RevokeTokenRequest>,
    ) -> Result<Response<RevokeTokenResponse>, Status> {
        Caller::of(&request)?.require_admin("revoking tokens")?;
        let record = self.0.revoke_token(&request.into_inner().token_id).await?;
        tracing::info!(token_id = %record.id, "token revoked");
        Ok(Response::new(RevokeTokenResponse {
            info: Some(info(record)),
        }))
    }

    async fn list_tokens(
        &self,
        request: Request<ListTokensRequest>,
    ) -> Result<Response<ListTokensResponse>, Status> {
        Caller::of(&request)?.require_admin("listing tokens")?;
        let tokens = self.0.list_tokens().await?.into_iter().map(info).collect();
        Ok(Response::new(ListTokensResponse { tokens }))
    }
}
