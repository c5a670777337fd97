-- Published assets as the public sees them: a private home at its generalised point, without its address.
SELECT a.id AS k, a.public_id AS id, a.geom,
       a.name, a.category, a.category_label, a.description, a.audience, a.accessibility, a.address, a.postcode,
       a.organisation, a.neighbourhood_code AS neighbourhood, a.neighbourhood_name, a.location_precision,
       jsonb_array_length(a.capacity) > 0 AS capacity, a.updated_at, a.last_confirmed_at
  FROM public_assets a
