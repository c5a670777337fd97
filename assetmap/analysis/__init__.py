"""Total Place and capacity analyses, computed in PostGIS: overlaps, spend, capacity sharing."""
