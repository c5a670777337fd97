-- What waits for moderation, one row each: pending entries, and the waiting changes to published ones
-- (asset_drafts). A change is filed under its entry as published (category, neighbourhood, source, name for
-- sorting); `created_at` is when it started waiting, and `version` is the change's, which a decision must match.
-- queue.py puts this in parentheses as the queue's `a`; it holds no parameters.
SELECT a.id, a.public_id, a.name, a.category, a.description, a.audience, a.accessibility, a.organisation_name,
       a.address, a.postcode, a.contact_email, a.contact_phone, a.is_private_home, a.geom, a.neighbourhood_id,
       a.source, a.created_at, a.version, false AS is_change
  FROM assets a
 WHERE a.status = 'pending'
UNION ALL
SELECT a.id, a.public_id, a.name, a.category, a.description, a.audience, a.accessibility, a.organisation_name,
       a.address, a.postcode, a.contact_email, a.contact_phone, a.is_private_home, a.geom, a.neighbourhood_id,
       a.source, d.created_at, d.version, true AS is_change
  FROM asset_drafts d
  JOIN assets a ON a.id = d.asset_id AND a.status = 'published'
 WHERE d.status = 'pending'
