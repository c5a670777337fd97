-- Background jobs: work a web request hands to the jobs worker (assetmap/jobs/), such as a planner's upload to
-- import. A worker claims a queued job with FOR UPDATE SKIP LOCKED and holds it by a lease it renews while it works:
-- a job whose worker died (its lease ran out) is claimed again, up to a few attempts.
CREATE TABLE jobs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL,                 -- the registry's name for the work (assetmap/jobs/kinds.py)
    arguments     jsonb NOT NULL DEFAULT '{}',
    label         text NOT NULL DEFAULT '' CHECK (length(label) <= 500),   -- what the job is, in words
    state         text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    requested_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    attempts      integer NOT NULL DEFAULT 0,    -- claims so far; a claim's number is its fencing token
    lease_until   timestamptz,                   -- a running job whose lease has passed is claimed again
    worker        text,                          -- host and process of the claim, for the admin reading logs
    done          bigint NOT NULL DEFAULT 0 CHECK (done >= 0),   -- progress: rows done of total (total may be
    total         bigint CHECK (total >= 0),                     -- unknown), written while the work runs
    result        jsonb,                         -- e.g. the import's report
    error         text,
    CHECK ((state = 'running') = (lease_until IS NOT NULL)),
    CHECK (state NOT IN ('done', 'failed') OR finished_at IS NOT NULL)
);
CREATE INDEX jobs_waiting_idx ON jobs (id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_created_idx ON jobs (created_at);

-- Wake the jobs worker when a job is committed, instead of it polling every few seconds.
CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('assetmap_jobs', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_inserted AFTER INSERT ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify();
