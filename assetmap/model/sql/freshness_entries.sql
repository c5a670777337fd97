-- One neighbourhood's published entries that are due or stale, least recently confirmed first, with whether there
-- is an address to remind (never the address) and when this period's reminder was queued and sent.
SELECT a.id, a.public_id, a.name, coalesce(c.label, a.category) AS category, a.last_confirmed_at,
       coalesce(btrim(a.contact_email), '') <> '' AS has_contact_email,
       (SELECT count(*) FROM public_capacity_offers o WHERE o.asset_id = a.id) AS offers,
       m.created_at AS reminder_queued_at, m.sent_at AS reminder_sent_at
  FROM assets a
  JOIN neighbourhoods n ON n.id = a.neighbourhood_id
  LEFT JOIN categories c ON c.code = a.category
  LEFT JOIN outbox m ON m.dedupe_key = 'confirm:' || a.id || ':'
                                       || to_char(a.last_confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
 WHERE a.status = 'published'
   AND n.code = %(code)s
   AND a.last_confirmed_at < %(due_before)s
 ORDER BY a.last_confirmed_at, a.id
