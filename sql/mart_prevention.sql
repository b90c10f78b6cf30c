-- Output table `prevention` (seed 003 §4.3–4.5, June cycle): prevention of academic
-- failure for both halves of AY $ay, municipality × half × indicator, with the
-- effectiveness analysis of June 1–10: the second half against the first, and each half
-- against the same half of AY $ay − 1 (change in percentage points and whether it is
-- better or worse, by the indicator's direction). Missing reports give 'no_data' rows.
-- @lookback 1
-- The rows of each half: sql/fragments/prevention_rows.sql (shared with the January mart
-- `prevention_half1`); this mart adds the comparisons.
WITH halves AS (
    SELECT unnest([1, 2]) AS half
),
-- @include prevention_rows
SELECT
    p.*,
    h1.value_pct AS value_pct_half1,
    round(p.value_pct - h1.value_pct, 2) AS change_vs_half1_pp,
    CASE WHEN p.value_pct IS NULL OR h1.value_pct IS NULL THEN NULL
         WHEN p.value_pct = h1.value_pct THEN 'same'
         WHEN (p.value_pct > h1.value_pct) = (p.better = 'higher') THEN 'better'
         ELSE 'worse' END AS trend_vs_half1,
    prev.value_pct AS value_pct_prev_year,
    round(p.value_pct - prev.value_pct, 2) AS change_vs_prev_year_pp,
    CASE WHEN p.value_pct IS NULL OR prev.value_pct IS NULL THEN NULL
         WHEN p.value_pct = prev.value_pct THEN 'same'
         WHEN (p.value_pct > prev.value_pct) = (p.better = 'higher') THEN 'better'
         ELSE 'worse' END AS trend_vs_prev_year,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM prevention_rows p
LEFT JOIN int_prevention_indicators h1
       ON p.half = 2 AND h1.ay = $ay AND h1.half = 1
      AND h1.municipality_code = p.municipality_code AND h1.indicator_code = p.indicator_code
LEFT JOIN int_prevention_indicators prev
       ON prev.ay = $ay - 1 AND prev.half = p.half
      AND prev.municipality_code = p.municipality_code AND prev.indicator_code = p.indicator_code
