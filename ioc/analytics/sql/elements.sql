-- Element values per (item, option combo, period, unit) — ioc/analytics/engine.py, docs/analytics.md.
-- Parameters: $split_coc (bool); $de_lo, $de_hi, $mid_lo, $mid_hi: bounds that let DuckDB skip the row
-- groups of other elements and years (the facts are sorted by element and date).
-- Inputs, made by the engine for this question:
--   q_de(dxi, de, coc, agg)   the items: element, option combo (-1: every combo), aggregation type
--   q_pe(pi, day, rank)       every day of each asked period, with the period type's rank (a stored
--                             period counts when its middle day is one of them and its rank is not higher)
--   q_ou(oi, src, t, w)       for each asked unit: every stored unit `src` whose values count for it, the
--                             unit `t` they count as (src itself as it was; today's successor otherwise)
--                             and the share w (1, or a split's weight)
-- A stored period is (rank, mid, fin): its type, middle day and last day.
WITH hits AS (
    SELECT q.dxi, CASE WHEN $split_coc OR q.coc <> -1 THEN f.coc ELSE -1 END AS coc, p.pi, o.oi, q.agg,
           o.src, o.t, o.w, f.rank, f.mid, f.fin, f.v
    FROM facts f
    JOIN q_de q ON q.de = f.de AND (q.coc = -1 OR q.coc = f.coc)
    JOIN q_pe p ON p.day = f.mid AND f.rank <= p.rank
    JOIN q_ou o ON o.src = f.ou
    WHERE f.de BETWEEN $de_lo AND $de_hi AND f.mid BETWEEN $mid_lo AND $mid_hi
),
unit_period AS (  -- one stored unit's value in one stored period, as counted for t: option combos added up
    SELECT dxi, coc, pi, oi, agg, src, t, rank, mid, fin, any_value(w) AS w, sum(v) AS s
    FROM hits GROUP BY ALL
),
observation AS (  -- averages, minimum, maximum: each stored unit's value in each stored period once, whole,
                  -- however many of its successors carry it into the asked unit
    SELECT dxi, coc, pi, oi, agg, any_value(s) AS s
    FROM unit_period WHERE agg IN ('AVERAGE', 'MIN', 'MAX')
    GROUP BY dxi, coc, pi, oi, agg, src, rank, mid, fin
),
stock AS (  -- stocks: per counted unit, the value of its latest stored period (by last day, then first day)
    SELECT dxi, coc, pi, oi, arg_max(sw, fin * 8 - rank) AS s_last
    FROM (
        SELECT dxi, coc, pi, oi, t, rank, mid, fin, sum(s * w) AS sw
        FROM unit_period WHERE agg = 'LAST' GROUP BY ALL
    )
    GROUP BY dxi, coc, pi, oi, t
)
SELECT dxi, coc, pi, oi, sum(s * w) AS value FROM unit_period WHERE agg = 'SUM' GROUP BY dxi, coc, pi, oi
UNION ALL
SELECT dxi, coc, pi, oi,
       CASE agg WHEN 'AVERAGE' THEN avg(s) WHEN 'MIN' THEN min(s) ELSE max(s) END AS value
FROM observation GROUP BY dxi, coc, pi, oi, agg
UNION ALL
SELECT dxi, coc, pi, oi, sum(s_last) AS value FROM stock GROUP BY dxi, coc, pi, oi
