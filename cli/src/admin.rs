//! `specdoc admin token create|revoke|list`: the API tokens kept in the database. Needs an admin
//! token (`specdoc up` writes one to .specdoc/admin-token).

use crate::client::Target;
use crate::output::{self, Output};
use anyhow::Result;
use serde_json::json;
use specdoc_client::{TokenFor, TokenInfo};
use std::process::ExitCode;

/// `admin` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// `admin token` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token for a team (or, with --admin, for administrators) and print it once.
    #[command(
        after_help = "Examples:\n  specdoc admin token create --team-id payments --label \"CI of payments\"\n  specdoc admin token create --admin"
    )]
    Create(CreateArgs),
    /// Revoke a token by its id (from `create` or `list`).
    #[command(after_help = "Example:\n  specdoc admin token revoke 3f9c2a1b7d4e")]
    Revoke {
        /// The token's id.
        token_id: String,
        #[command(flatten)]
        target: Target,
    },
    /// List the tokens (ids, teams, labels; never the tokens themselves).
    List {
        #[command(flatten)]
        target: Target,
    },
}

/// `admin token create` arguments.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The team the token acts for.
    #[arg(long, required_unless_present = "admin", conflicts_with = "admin")]
    pub team_id: Option<String>,
    /// An admin token instead.
    #[arg(long)]
    pub admin: bool,
    /// A note for humans.
    #[arg(long, default_value = "")]
    pub label: String,
    #[command(flatten)]
    pub target: Target,
}

fn record(info: &TokenInfo) -> serde_json::Value {
    let millis = |t: &Option<specdoc_proto::Timestamp>| {
        t.as_ref()
            .map(|t| t.seconds * 1000 + i64::from(t.nanos) / 1_000_000)
    };
    json!({
        "token_id": info.token_id,
        "team_id": (!info.admin).then_some(&info.team_id),
        "admin": info.admin,
        "label": info.label,
        "created_at_ms": millis(&info.created_at),
        "revoked_at_ms": millis(&info.revoked_at),
    })
}

fn role(info: &TokenInfo) -> String {
    if info.admin {
        "admin".to_owned()
    } else {
        format!("team {}", info.team_id)
    }
}

pub async fn run(command: AdminCommand, out: Output) -> Result<ExitCode> {
    let AdminCommand::Token(command) = command;
    match command {
        TokenCommand::Create(args) => {
            let role = match args.team_id {
                Some(team) => TokenFor::Team(team),
                None => TokenFor::Admin,
            };
            let (token, info) = args
                .target
                .client()?
                .create_token(role, &args.label)
                .await?;
            match out {
                Output::Text => {
                    eprintln!(
                        "token {} for {} created; it is shown only now:",
                        info.token_id,
                        self::role(&info)
                    );
                    println!("{token}");
                }
                Output::Json => {
                    let mut value = record(&info);
                    value["token"] = json!(token);
                    output::print(&value);
                }
            }
        }
        TokenCommand::Revoke { token_id, target } => {
            let info = target.client()?.revoke_token(&token_id).await?;
            match out {
                Output::Text => println!("token {} ({}) revoked", info.token_id, role(&info)),
                Output::Json => output::print(&record(&info)),
            }
        }
        TokenCommand::List { target } => {
            let tokens = target.client()?.list_tokens().await?;
            match out {
                Output::Text => {
                    println!("{:<14} {:<24} {:<8} label", "id", "for", "state");
                    for info in &tokens {
                        let state = if info.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "live"
                        };
                        println!(
                            "{:<14} {:<24} {:<8} {}",
                            info.token_id,
                            role(info),
                            state,
                            info.label
                        );
                    }
                }
                Output::Json => {
                    output::print(&json!(tokens.iter().map(record).collect::<Vec<_>>()))
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
