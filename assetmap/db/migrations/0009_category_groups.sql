-- Nineteen categories are too many colours to tell apart, the more so for a colour-blind reader. Categories now
-- belong to a few groups (data/category_groups.csv), each with one colour of a colour-blind-safe palette and one
-- marker shape, so a group reads by its shape as well as its colour. `db migrate` fills both tables from data/ and
-- sets each category's colour to its group's: pages, the API and exports that read a category's colour agree with
-- the map without a join.

CREATE TABLE category_groups (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    label       text NOT NULL,
    description text NOT NULL DEFAULT '',
    colour      text NOT NULL CHECK (colour ~ '^#[0-9a-fA-F]{6}$'),
    shape       text NOT NULL CHECK (shape ~ '^[a-z][a-z_]*$'),   -- a symbol on the map page: shape-<shape>
    sort_order  integer NOT NULL DEFAULT 0
);

-- Empty until the vocabularies are synced after this migration; a category without a group keeps its colour.
ALTER TABLE categories ADD COLUMN group_code text REFERENCES category_groups (code);
