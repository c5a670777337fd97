"""Workshops: a live shared map for a Total Place session, its participants' notes, votes and comments, the events
that keep every open map current, and the report a session leaves behind. No web framework in here."""
