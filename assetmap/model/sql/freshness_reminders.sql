-- Published entries whose confirmation is due, with an address to ask, not yet asked in this period. A period is
-- one value of last_confirmed_at (confirming starts the next), so the outbox's dedupe key names its day: whoever
-- queues first wins, and a second run (or a second worker) finds the key taken.
SELECT a.id, a.public_id, a.name, btrim(a.contact_email) AS contact_email, a.last_confirmed_at,
       a.edit_token_hash IS NOT NULL AS has_edit_link, k.dedupe_key
  FROM assets a
 CROSS JOIN LATERAL (SELECT 'confirm:' || a.id || ':'
                            || to_char(a.last_confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS dedupe_key) k
 WHERE a.status = 'published'
   AND a.last_confirmed_at < %(due_before)s
   AND coalesce(btrim(a.contact_email), '') <> ''
   AND NOT EXISTS (SELECT 1 FROM outbox m WHERE m.dedupe_key = k.dedupe_key)
 ORDER BY a.last_confirmed_at, a.id
