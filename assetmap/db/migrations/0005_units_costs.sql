-- Units and costs become vocabularies like categories and capacity kinds: one list each, in data/units.csv and
-- data/costs.csv, that the CHECKs (now foreign keys), the Python and the JavaScript all follow. `db migrate` keeps
-- the labels in step with those files; the codes below are the ones rows could already hold, so the foreign keys
-- can be added to a database with data in it.

CREATE TABLE units (
    code         text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    label        text NOT NULL,
    description  text NOT NULL DEFAULT '',
    singular     text NOT NULL,                 -- read as "<quantity> <word>": "1 hour a week"
    plural       text NOT NULL,                 -- "10 hours a week"
    max_quantity numeric NOT NULL CHECK (max_quantity > 0),
    sort_order   integer NOT NULL DEFAULT 0
);

CREATE TABLE costs (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    label       text NOT NULL,
    description text NOT NULL DEFAULT '',
    sort_order  integer NOT NULL DEFAULT 0
);

INSERT INTO units (code, label, singular, plural, max_quantity) VALUES
    ('hours_per_week', 'Hours a week', 'hour a week', 'hours a week', 168),
    ('places', 'Places', 'place', 'places', 100000),
    ('items', 'Items', 'item', 'items', 100000);
INSERT INTO costs (code, label) VALUES
    ('free', 'Free'), ('donation', 'Donation welcome'), ('subsidised', 'Low cost (subsidised)'), ('paid', 'Paid');

ALTER TABLE capacity_offers
    DROP CONSTRAINT capacity_offers_unit_check,
    DROP CONSTRAINT capacity_offers_cost_check,
    ADD FOREIGN KEY (unit) REFERENCES units (code),
    ADD FOREIGN KEY (cost) REFERENCES costs (code);
ALTER TABLE capacity_needs
    DROP CONSTRAINT capacity_needs_unit_check,
    ADD FOREIGN KEY (unit) REFERENCES units (code);

-- The unit a new offer of each kind starts with on the form, until the resident picks another.
ALTER TABLE capacity_kinds ADD COLUMN default_unit text REFERENCES units (code);
