-- Sessions that end when they should, tokens that expire, and a sign-in limit that cannot lock a planner out.

-- Flask's session is a signed cookie: a copy taken before sign-out stays valid until it lapses. Each session
-- carries the generation it was made in; sign-out, a password change and disabling the account move the
-- generation on, and every older session stops working at its next request.
ALTER TABLE users ADD COLUMN session_generation integer NOT NULL DEFAULT 1;

-- Every token expires (the CLI and the admin page choose when; a year unless told).
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
UPDATE api_tokens SET expires_at = created_at + interval '1 year';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL,
                       ALTER COLUMN expires_at SET DEFAULT now() + interval '1 year';

-- Failed sign-ins per account and address (model/sign_in.py): the delays grow per pair, so nobody elsewhere can
-- lock a planner out of their own address, and one address spraying many accounts is stopped only for accounts
-- that have never signed in from there (sign_in_known). Logged tables: a crash must not reset a lockout.
CREATE TABLE sign_in_failures (
    email          text NOT NULL,
    client         text NOT NULL,
    failures       integer NOT NULL,
    last_failed_at timestamptz NOT NULL,
    PRIMARY KEY (email, client)
);
CREATE INDEX sign_in_failures_client_idx ON sign_in_failures (client, last_failed_at);

CREATE TABLE sign_in_known (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client  text NOT NULL,
    last_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, client)
);
