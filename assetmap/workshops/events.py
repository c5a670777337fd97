"""What changed in a workshop since a given event, as the maps need it.

Events are rendered from the current rows, and only the latest event of each thing (a note, the session, the
view) is sent: a client catching up gets the state now, not a replay of every keystroke, and a note hidden since
it was added goes out only as its removal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from . import sessions

SINCE = """
    WITH latest AS (
        SELECT DISTINCT ON (kind, coalesce(note_id, 0)) seq, kind, note_id
          FROM workshop_events
         WHERE workshop_id = %(w)s AND seq > %(after)s
         ORDER BY kind, coalesce(note_id, 0), seq DESC
    )
    SELECT l.seq,
           CASE WHEN l.kind = 'note' AND n.status IS DISTINCT FROM 'visible' THEN 'note_removed' ELSE l.kind END
               AS kind,
           CASE WHEN l.kind = 'note' AND n.status = 'visible' THEN workshop_note_json(n)
                WHEN l.kind = 'note' THEN jsonb_build_object('id', l.note_id, 'status', n.status,
                                                             'merged_into', n.merged_into)
                WHEN l.kind = 'view' THEN w.view
           END AS data
      FROM latest l
      JOIN workshops w ON w.id = %(w)s
      LEFT JOIN workshop_notes n ON n.id = l.note_id
     ORDER BY l.seq
"""


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str    # note, note_removed, workshop, view
    data: dict | None

    def sse(self) -> str:
        """The event as a Server-Sent Events message (JSON has no raw newlines, so one data line)."""
        return f"id: {self.seq}\nevent: {self.kind}\ndata: {json.dumps(self.data, default=str)}\n\n"


def since(conn: psycopg.Connection, workshop_id: int, after: int) -> list[Event]:
    """Every change after event `after`, the latest per thing, oldest first."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(SINCE, {"w": workshop_id, "after": after}).fetchall()
    out = []
    for r in rows:
        data = r["data"]
        if r["kind"] == "workshop":
            data = sessions.by_id(conn, workshop_id).public_state()
        out.append(Event(r["seq"], r["kind"], data))
    return out
