-- API tokens. Only a token's SHA-256 is kept: a leaked table grants nothing. A token belongs
-- to one team, or (team_id NULL, admin 1) to the administrators. Revoked tokens stay, with
-- revoked_at set, so `specdoc admin token list` shows what was revoked and when.
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    team_id    TEXT,
    admin      BIGINT NOT NULL DEFAULT 0,
    label      TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
