"""Database access: the connection pool, migrations and the project-local PostGIS cluster."""
