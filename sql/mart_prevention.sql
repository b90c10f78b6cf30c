-- Output table `prevention` (seed 003 §4.3–4.5, June cycle): prevention of academic
-- failure for both halves of AY $ay, municipality × half × indicator, with the
-- effectiveness analysis of June 1–10: the second half against the first, and each half
-- against the same half of AY $ay − 1 (change in percentage points and whether it is
-- better or worse, by the indicator's direction). Missing reports give 'no_data' rows.
-- @lookback 1
WITH municipalities AS (
    SELECT DISTINCT municipality_code, municipality_name FROM stg_schools WHERE in_registry
    UNION
    SELECT DISTINCT municipality_code, municipality_name FROM int_prevention_indicators WHERE ay = $ay
),
wanted AS (
    SELECT m.municipality_code, m.municipality_name, h.half,
           r.indicator_code, r.indicator_title, r.seed_ref, r.sort_order, r.better
    FROM municipalities m
    CROSS JOIN reference_indicators r
    CROSS JOIN (SELECT unnest([1, 2]) AS half) h
    WHERE r.output_table = 'prevention'
),
joined AS (
    SELECT w.*,
           cur.numerator, cur.denominator, cur.value_pct, cur.status, cur.no_data_reason,
           cur.schools, cur.schools_no_data,
           h1.value_pct AS value_pct_half1,
           prev.value_pct AS value_pct_prev_year
    FROM wanted w
    LEFT JOIN int_prevention_indicators cur
           ON cur.ay = $ay AND cur.half = w.half
          AND cur.municipality_code = w.municipality_code AND cur.indicator_code = w.indicator_code
    LEFT JOIN int_prevention_indicators h1
           ON w.half = 2 AND h1.ay = $ay AND h1.half = 1
          AND h1.municipality_code = w.municipality_code AND h1.indicator_code = w.indicator_code
    LEFT JOIN int_prevention_indicators prev
           ON prev.ay = $ay - 1 AND prev.half = w.half
          AND prev.municipality_code = w.municipality_code AND prev.indicator_code = w.indicator_code
)
SELECT
    $ay AS ay,
    half,
    municipality_code,
    municipality_name,
    indicator_code,
    indicator_title,
    seed_ref,
    sort_order,
    numerator,
    denominator,
    value_pct,
    coalesce(status, 'no_data') AS status,
    CASE WHEN status IS NULL
         THEN 'нет данных: отчёт о профилактике за ' || CASE half WHEN 1 THEN 'I' ELSE 'II' END
              || ' полугодие не загружен'
         ELSE no_data_reason END AS no_data_reason,
    coalesce(schools, []) AS schools,
    coalesce(schools_no_data, []) AS schools_no_data,
    better,
    value_pct_half1,
    round(value_pct - value_pct_half1, 2) AS change_vs_half1_pp,
    CASE WHEN value_pct IS NULL OR value_pct_half1 IS NULL THEN NULL
         WHEN value_pct = value_pct_half1 THEN 'same'
         WHEN (value_pct > value_pct_half1) = (better = 'higher') THEN 'better'
         ELSE 'worse' END AS trend_vs_half1,
    value_pct_prev_year,
    round(value_pct - value_pct_prev_year, 2) AS change_vs_prev_year_pp,
    CASE WHEN value_pct IS NULL OR value_pct_prev_year IS NULL THEN NULL
         WHEN value_pct = value_pct_prev_year THEN 'same'
         WHEN (value_pct > value_pct_prev_year) = (better = 'higher') THEN 'better'
         ELSE 'worse' END AS trend_vs_prev_year,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM joined
