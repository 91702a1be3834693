-- Element values per (item, option combo, period, unit) carried to today's units (ioc/analytics/engine.py).
-- A closed unit's value counts for its successors t with their share w (1 for a merge): sums and stocks
-- take w × the value, averages weigh it by w (so a split unit's value counts once in a total of all its
-- successors), min and max take it as it is. A stock (LAST) takes the latest stored period per today's
-- unit, so a merged commune's June value and its successor's December value are not added together.
-- Parameters and inputs as in elements_as_it_was.sql.
WITH hits AS (
    SELECT q.dxi, CASE WHEN $split_coc THEN f.coc ELSE -1 END AS coc, p.pi, o.oi, q.agg,
           f.ou AS src, m.tou AS t, m.w, f.mid, f.v
    FROM facts f
    JOIN q_de q ON q.de = f.de AND (q.coc = -1 OR q.coc = f.coc)
    JOIN q_pe p ON f.mid BETWEEN p.s AND p.e AND f.rank <= p.rank
    JOIN today_map m ON m.ou = f.ou
    JOIN anc_today a ON a.ou = m.tou
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
