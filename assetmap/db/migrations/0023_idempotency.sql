-- Idempotency-Key on the public API's writes (model/idempotency.py): a client that timed out and sends the same
-- request again gets the first answer instead of a second entry. Neither the key nor the answer is kept in the
-- clear: the row is found by the key's hash, and the answer (which can hold an edit token) is encrypted with a
-- key derived from the client's key, so only someone holding it can read it back.
CREATE TABLE idempotency_keys (
    key_hash     bytea PRIMARY KEY,
    route        text NOT NULL,
    request_hash bytea NOT NULL,
    status       integer NOT NULL,
    response     bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
