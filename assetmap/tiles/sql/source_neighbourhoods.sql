SELECT n.tile_geom, n.code, n.name FROM neighbourhoods n
