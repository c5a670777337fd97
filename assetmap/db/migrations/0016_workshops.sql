-- Workshops: a live shared map for a Total Place session. A facilitator sets one up; participants join with a
-- short code and a display name (no account), add notes at a point or as an area, comment and dot-vote. Every
-- change appends an event with the workshop's next sequence number and notifies the web workers, which stream it
-- to every open map (Server-Sent Events); a client that dropped off asks for the events after the last it saw.

CREATE TABLE workshops (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Six characters from an alphabet without look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B), read aloud in a room.
    code              text NOT NULL UNIQUE CHECK (code ~ '^[ACDEFGHJKMNPQRTUVWXY34679]{6}$'),
    title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    facilitator_id    bigint NOT NULL REFERENCES users (id),
    -- The area: drawn, or the union of the chosen neighbourhoods (kept too, for the report's figures).
    area              geometry(MultiPolygon, 4326),
    neighbourhood_ids bigint[] NOT NULL DEFAULT '{}',
    layers            text[] NOT NULL DEFAULT '{assets}'
                      CHECK (layers <@ ARRAY['assets', 'capacity', 'services', 'catchments', 'overlaps', 'spend',
                                             'capacity_balance']),
    rounds            jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(rounds) = 'array'),
    current_round     integer NOT NULL DEFAULT 0 CHECK (current_round >= 0),
    round_minutes     integer CHECK (round_minutes BETWEEN 1 AND 240),
    round_started_at  timestamptz,
    votes_per_person  integer NOT NULL DEFAULT 5 CHECK (votes_per_person BETWEEN 0 AND 50),
    state             text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'locked', 'closed', 'archived')),
    view              jsonb,                      -- the facilitator's map view, which the big screen follows
    last_seq          bigint NOT NULL DEFAULT 0,  -- the last event's number (see workshop_event)
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    closed_at         timestamptz
);
CREATE INDEX workshops_facilitator_idx ON workshops (facilitator_id);
CREATE INDEX workshops_area_idx ON workshops USING gist (area);

-- A participant is a display name and an organisation behind a private token (only its SHA-256 is stored).
-- The facilitator takes part through a participant row of their own (user_id set).
CREATE TABLE workshop_participants (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workshop_id  bigint NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    organisation text NOT NULL DEFAULT '' CHECK (length(organisation) <= 120),
    token_hash   bytea NOT NULL UNIQUE,
    user_id      bigint REFERENCES users (id),
    joined_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workshop_id, user_id)
);
CREATE INDEX workshop_participants_workshop_idx ON workshop_participants (workshop_id);

CREATE TABLE workshop_notes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workshop_id    bigint NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    participant_id bigint NOT NULL REFERENCES workshop_participants (id) ON DELETE CASCADE,
    round          integer NOT NULL DEFAULT 0,
    kind           text NOT NULL CHECK (kind IN ('asset', 'opportunity', 'overlap', 'gap', 'question')),
    text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    geom           geometry(Geometry, 4326) NOT NULL
                   CHECK (GeometryType(geom) IN ('POINT', 'POLYGON') AND ST_IsValid(geom)),
    -- visible; hidden by the facilitator; withdrawn by its author; merged into another note.
    status         text NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'hidden', 'withdrawn', 'merged')),
    merged_into    bigint REFERENCES workshop_notes (id),
    promoted       jsonb,   -- {"asset": public id} or {"need": id} once promoted into moderation
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'merged') = (merged_into IS NOT NULL))
);
CREATE INDEX workshop_notes_workshop_idx ON workshop_notes (workshop_id, id);
CREATE INDEX workshop_notes_geom_idx ON workshop_notes USING gist (geom);

CREATE TABLE workshop_comments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    note_id        bigint NOT NULL REFERENCES workshop_notes (id) ON DELETE CASCADE,
    participant_id bigint NOT NULL REFERENCES workshop_participants (id) ON DELETE CASCADE,
    text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    hidden         boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workshop_comments_note_idx ON workshop_comments (note_id, id);

-- One row per dot: a participant may put several of their dots on one note.
CREATE TABLE workshop_votes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    note_id        bigint NOT NULL REFERENCES workshop_notes (id) ON DELETE CASCADE,
    participant_id bigint NOT NULL REFERENCES workshop_participants (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workshop_votes_note_idx ON workshop_votes (note_id);
CREATE INDEX workshop_votes_participant_idx ON workshop_votes (participant_id);

-- The actions agreed, which the report carries away.
CREATE TABLE workshop_actions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workshop_id bigint NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    text        text NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    owner       text NOT NULL DEFAULT '' CHECK (length(owner) <= 200),
    note_id     bigint REFERENCES workshop_notes (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workshop_actions_workshop_idx ON workshop_actions (workshop_id, id);

-- What changed, in order. Events name what changed, not its content: a stream sends the thing as it is when
-- sent, so a note hidden since never goes out again in a replay.
CREATE TABLE workshop_events (
    workshop_id bigint NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('note', 'workshop', 'view')),
    note_id     bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workshop_id, seq)
);

-- Append an event and tell the listeners. The row lock taken by the UPDATE is held to commit, so events of one
-- workshop commit in the order of their numbers: a client that saw event n has seen every event before it,
-- and "after n" on reconnect misses nothing.
CREATE FUNCTION workshop_event(p_workshop bigint, p_kind text, p_note bigint DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    UPDATE workshops SET last_seq = last_seq + 1, updated_at = now() WHERE id = p_workshop RETURNING last_seq INTO n;
    INSERT INTO workshop_events (workshop_id, seq, kind, note_id) VALUES (p_workshop, n, p_kind, p_note);
    PERFORM pg_notify('assetmap_workshop', p_workshop || ':' || n);
    RETURN n;
END $$;

-- A note as every map draws it: a GeoJSON Feature with its author, votes and visible comments.
CREATE FUNCTION workshop_note_json(n workshop_notes) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'type', 'Feature', 'id', n.id, 'geometry', ST_AsGeoJSON(n.geom, 6)::jsonb,
        'properties', jsonb_build_object(
            'id', n.id, 'kind', n.kind, 'text', n.text, 'round', n.round, 'status', n.status,
            'participant_id', n.participant_id, 'author', p.name, 'organisation', p.organisation,
            'votes', (SELECT count(*) FROM workshop_votes v WHERE v.note_id = n.id),
            'comments', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                      'id', c.id, 'text', c.text, 'author', cp.name, 'organisation', cp.organisation,
                                      'created_at', c.created_at) ORDER BY c.id)
                                    FROM workshop_comments c JOIN workshop_participants cp ON cp.id = c.participant_id
                                   WHERE c.note_id = n.id AND NOT c.hidden), '[]'::jsonb),
            'promoted', n.promoted, 'created_at', n.created_at, 'updated_at', n.updated_at))
      FROM workshop_participants p WHERE p.id = n.participant_id
$$;

-- A need a workshop agreed on waits for a planner, like any other contribution: `pending` until approved (open)
-- or rejected (closed). Every reader of needs already takes only the open ones.
ALTER TABLE capacity_needs DROP CONSTRAINT capacity_needs_status_check,
    ADD CONSTRAINT capacity_needs_status_check CHECK (status IN ('pending', 'open', 'met', 'closed'));
