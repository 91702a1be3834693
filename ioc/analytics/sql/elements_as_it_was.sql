-- Element values per (item, option combo, period, unit) with the units of the time (ioc/analytics/engine.py).
-- Parameters: $split_coc (bool), $de_lo, $de_hi, $mid_lo, $mid_hi (zone-map bounds on the sorted facts).
-- Inputs: q_de(dxi, de, coc, agg) the items (coc -1: every combo); q_pe(pi, s, e, rank); q_ou(oi, anc).
-- Aggregation (SUM, AVERAGE, MIN, MAX over the (unit, stored period) values; LAST: each unit's latest
-- stored period in the asked one, added over units) is shared with elements_today.sql.
WITH hits AS (
    SELECT q.dxi, CASE WHEN $split_coc THEN f.coc ELSE -1 END AS coc, p.pi, o.oi, q.agg,
           f.ou AS src, f.ou AS t, 1.0 AS w, f.mid, f.v
    FROM facts f
    JOIN q_de q ON q.de = f.de AND (q.coc = -1 OR q.coc = f.coc)
    JOIN q_pe p ON f.mid BETWEEN p.s AND p.e AND f.rank <= p.rank
    JOIN anc_was a ON a.ou = f.ou
    JOIN q_ou o ON o.anc = a.anc
    WHERE f.de BETWEEN $de_lo AND $de_hi AND f.mid BETWEEN $mid_lo AND $mid_hi
),
unit_period AS (  -- one stored unit's value in one stored period: its option combos added up (unless split)
    SELECT dxi, coc, pi, oi, agg, src, t, mid, any_value(w) AS w, sum(v) AS s FROM hits GROUP BY ALL
),
unit_mid AS (  -- per counted unit t and stored period: shares applied (a split unit's value counts once in all)
    SELECT dxi, coc, pi, oi, agg, t, mid, sum(s * w) AS sw, sum(w) AS w, min(s) AS s_min, max(s) AS s_max
    FROM unit_period GROUP BY ALL
),
per_unit AS (
    SELECT dxi, coc, pi, oi, agg, t, sum(sw) AS sw, sum(w) AS w, min(s_min) AS s_min, max(s_max) AS s_max,
           arg_max(sw, mid) AS s_last
    FROM unit_mid GROUP BY ALL
)
SELECT dxi, coc, pi, oi,
       CASE agg WHEN 'SUM' THEN sum(sw) WHEN 'AVERAGE' THEN sum(sw) / sum(w) WHEN 'MIN' THEN min(s_min)
                WHEN 'MAX' THEN max(s_max) WHEN 'LAST' THEN sum(s_last) END AS value
FROM per_unit GROUP BY dxi, coc, pi, oi, agg
