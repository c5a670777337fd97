-- The columns every reader of assets shares, built once: the organisation's name, the neighbourhood's code and
-- name, the category's label, and the capacity offers as the API's JSON. Pages, the API and the exports read them
-- from here (and next tiles, OGC API Features and the analyses), so they cannot drift apart.
--
-- Joins are LEFT JOINs on unique keys and the offers a correlated subquery: a query that reads none of these
-- columns pays for none of them (PostgreSQL removes such joins and never evaluates an unread subquery).

-- One capacity offer as the API shows it. Inlined by PostgreSQL (a single expression), so it costs nothing.
CREATE FUNCTION offer_json(o capacity_offers) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('kind', o.kind, 'quantity', o.quantity, 'unit', o.unit, 'schedule', o.schedule,
                              'cost', o.cost, 'audience', o.audience, 'description', o.description)
$$;

-- Every asset with its shared columns, for staff: any status, exact point, and every offer with its status.
CREATE VIEW asset_details AS
SELECT a.*,
       coalesce(o.name, nullif(a.organisation_name, '')) AS organisation,
       o.website AS organisation_website,
       n.code AS neighbourhood_code,
       n.name AS neighbourhood_name,
       cat.label AS category_label,
       coalesce((SELECT jsonb_agg(offer_json(c) || jsonb_build_object('status', c.status) ORDER BY c.id)
                   FROM capacity_offers c WHERE c.asset_id = a.id), '[]'::jsonb) AS capacity
  FROM assets a
  LEFT JOIN organisations o ON o.id = a.organisation_id
  LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id
  LEFT JOIN categories cat ON cat.code = a.category;

-- The public offers gain their JSON (new columns go last: CREATE OR REPLACE VIEW rule).
CREATE OR REPLACE VIEW public_capacity_offers AS
SELECT o.id, o.asset_id, o.kind, o.description, o.quantity, o.unit, o.schedule, o.audience, o.cost,
       o.valid_from, o.valid_to, offer_json(o) AS offer
  FROM capacity_offers o
  JOIN assets a ON a.id = o.asset_id AND a.status = 'published'
 WHERE o.status = 'active'
   AND (o.valid_to IS NULL OR o.valid_to >= current_date);

-- The public view gains the shared columns; its privacy rules are those of 0002/0003, unchanged.
CREATE OR REPLACE VIEW public_assets AS
SELECT a.id,
       a.public_id,
       a.name,
       a.category,
       a.tags,
       a.description,
       a.audience,
       a.accessibility,
       a.organisation_id,
       CASE WHEN a.is_private_home THEN '' ELSE a.address END AS address,
       CASE WHEN a.is_private_home THEN NULL ELSE a.postcode END AS postcode,
       a.public_geom AS geom,
       a.location_precision,
       a.is_private_home,
       a.neighbourhood_id,
       a.created_at,
       a.updated_at,
       a.organisation_name,
       coalesce(o.name, nullif(a.organisation_name, '')) AS organisation,
       o.website AS organisation_website,
       n.code AS neighbourhood_code,
       n.name AS neighbourhood_name,
       cat.label AS category_label,
       coalesce((SELECT jsonb_agg(c.offer ORDER BY c.id) FROM public_capacity_offers c WHERE c.asset_id = a.id),
                '[]'::jsonb) AS capacity
  FROM assets a
  LEFT JOIN organisations o ON o.id = a.organisation_id
  LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id
  LEFT JOIN categories cat ON cat.code = a.category
 WHERE a.status = 'published';
