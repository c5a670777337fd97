-- Schedules in words for people ("Tuesdays and Thursdays, 6pm to 9pm"), stored beside the opening_hours text that
-- machines read, and the cost's label beside its code: the API, pages and exports then show the same words.
--
-- The words are made in Python (assetmap/schedules.py: opening-hours-py normalises the text, the module words it),
-- so they cannot be a generated column. The code that writes offers writes them; `assetmap db migrate` fills or
-- corrects them on every run (schedules.refresh_words), for rows written before this migration or by hand, and
-- after the wording changes. Until then a row shows its opening_hours text.
ALTER TABLE capacity_offers ADD COLUMN schedule_text text;

-- One capacity offer as the API shows it, now with its words and its cost's label. The label comes in as the
-- costs row, joined by the caller: a subquery here would stop PostgreSQL inlining the function.
CREATE FUNCTION offer_json(o capacity_offers, cost costs) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('kind', o.kind, 'quantity', o.quantity, 'unit', o.unit, 'schedule', o.schedule,
                              'schedule_text', coalesce(o.schedule_text, o.schedule), 'cost', o.cost,
                              'cost_label', cost.label, 'audience', o.audience, 'description', o.description)
$$;

-- As in 0006, with the offers built by the new function.
CREATE OR REPLACE VIEW asset_details AS
SELECT a.*,
       coalesce(o.name, nullif(a.organisation_name, '')) AS organisation,
       o.website AS organisation_website,
       n.code AS neighbourhood_code,
       n.name AS neighbourhood_name,
       cat.label AS category_label,
       coalesce((SELECT jsonb_agg(offer_json(c, k) || jsonb_build_object('status', c.status) ORDER BY c.id)
                   FROM capacity_offers c LEFT JOIN costs k ON k.code = c.cost
                  WHERE c.asset_id = a.id), '[]'::jsonb) AS capacity
  FROM assets a
  LEFT JOIN organisations o ON o.id = a.organisation_id
  LEFT JOIN neighbourhoods n ON n.id = a.neighbourhood_id
  LEFT JOIN categories cat ON cat.code = a.category;

-- The public offers gain their words as a column too, for the pages and the capacity export (new columns last).
CREATE OR REPLACE VIEW public_capacity_offers AS
SELECT o.id, o.asset_id, o.kind, o.description, o.quantity, o.unit, o.schedule, o.audience, o.cost,
       o.valid_from, o.valid_to, offer_json(o, k) AS offer, coalesce(o.schedule_text, o.schedule) AS schedule_text
  FROM capacity_offers o
  JOIN assets a ON a.id = o.asset_id AND a.status = 'published'
  LEFT JOIN costs k ON k.code = o.cost
 WHERE o.status = 'active'
   AND (o.valid_to IS NULL OR o.valid_to >= current_date);

-- Nothing reads the one-argument form now; dropping it (without CASCADE) proves that.
DROP FUNCTION offer_json(capacity_offers);
