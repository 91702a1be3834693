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
WITH hits AS (
    SELECT q.dxi, CASE WHEN $split_coc THEN f.coc ELSE -1 END AS coc, p.pi, o.oi, q.agg,
           o.src, o.t, o.w, f.mid, f.v
    FROM facts f
    JOIN q_de q ON q.de = f.de AND (q.coc = -1 OR q.coc = f.coc)
    JOIN q_pe p ON p.day = f.mid AND f.rank <= p.rank
    JOIN q_ou o ON o.src = f.ou
    WHERE f.de BETWEEN $de_lo AND $de_hi AND f.mid BETWEEN $mid_lo AND $mid_hi
),
unit_period AS (  -- one stored unit's value in one stored period: its option combos added up (unless split)
    SELECT dxi, coc, pi, oi, agg, src, t, mid, any_value(w) AS w, sum(v) AS s FROM hits GROUP BY ALL
),
unit_mid AS (  -- per counted unit t and stored period; shares applied (a split unit's value counts once in all)
    SELECT dxi, coc, pi, oi, agg, t, mid, sum(s * w) AS sw, sum(w) AS w, min(s) AS s_min, max(s) AS s_max
    FROM unit_period GROUP BY ALL
),
per_unit AS (  -- per counted unit: the stock's latest stored period in the asked one (arg_max by mid)
    SELECT dxi, coc, pi, oi, agg, t, sum(sw) AS sw, sum(w) AS w, min(s_min) AS s_min, max(s_max) AS s_max,
           arg_max(sw, mid) AS s_last
    FROM unit_mid GROUP BY ALL
)
SELECT dxi, coc, pi, oi,
       CASE agg WHEN 'SUM' THEN sum(sw) WHEN 'AVERAGE' THEN sum(sw) / sum(w) WHEN 'MIN' THEN min(s_min)
                WHEN 'MAX' THEN max(s_max) WHEN 'LAST' THEN sum(s_last) END AS value
FROM per_unit GROUP BY dxi, coc, pi, oi, agg
