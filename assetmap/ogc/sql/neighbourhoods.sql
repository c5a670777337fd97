SELECT n.id AS k, n.code AS id, n.geom,
       n.code, n.name, n.population, n.need_score
  FROM neighbourhoods n
