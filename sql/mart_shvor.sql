-- Output table `shvor` (seed 000 п. 19, seed 004): schools with stably high results for
-- AY $ay, one row per registry school. The rule is `int_shvor_list`; this mart flattens the
-- two years before $ay into columns (AY−1 and AY−2) with exact counts, so the analyst sees
-- the school's and the municipality's share of «4»+«5» side by side, and adds the list of
-- AY−1 for entries and exits.
-- @lookback 1
WITH cur AS (
    SELECT * FROM int_shvor_list WHERE ay = $ay
),
last AS (
    SELECT school_code, is_shvor FROM int_shvor_list WHERE ay = $ay - 1
),
flat AS (
    SELECT
        c.school_code, c.is_shvor, c.years_with_data,
        list_filter(c.years, lambda x: x.ay = $ay - 1)[1] AS p1,
        list_filter(c.years, lambda x: x.ay = $ay - 2)[1] AS p2
    FROM cur c
)
SELECT
    f.school_code,
    $ay AS ay,
    s.municipality_code,
    s.municipality_name,
    s.short_name,
    s.school_name,
    coalesce(f.is_shvor, false) AS is_shvor,
    coalesce(f.years_with_data, 0) = 0 AS no_data,
    $ay - 1 AS prev_ay,
    f.p1.participants AS participants_prev,
    f.p1.good AS good_count_prev,
    round(100.0 * f.p1.good / f.p1.participants, 2) AS good_share_pct_prev,
    round(100.0 * f.p1.municipality_good / f.p1.municipality_participants, 2) AS municipality_good_share_pct_prev,
    coalesce(f.p1.low, []) AS low_procedures_prev,
    $ay - 2 AS prev2_ay,
    f.p2.participants AS participants_prev2,
    f.p2.good AS good_count_prev2,
    round(100.0 * f.p2.good / f.p2.participants, 2) AS good_share_pct_prev2,
    round(100.0 * f.p2.municipality_good / f.p2.municipality_participants, 2) AS municipality_good_share_pct_prev2,
    coalesce(f.p2.low, []) AS low_procedures_prev2,
    l.is_shvor AS was_shvor_last_year,
    CASE
        WHEN f.is_shvor AND NOT coalesce(l.is_shvor, false) THEN 'entered'
        WHEN f.is_shvor AND l.is_shvor THEN 'stayed'
        WHEN NOT coalesce(f.is_shvor, false) AND l.is_shvor THEN 'left'
    END AS list_change,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM stg_schools s
LEFT JOIN flat f ON f.school_code = s.school_code
LEFT JOIN last l ON l.school_code = s.school_code
