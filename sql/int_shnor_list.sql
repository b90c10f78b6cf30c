-- The ШНОР rule (seed 003 §2.1), in one place: for every AY that has results behind it,
-- one row per school × AY. A school enters the list when (1) at least two procedures were
-- low in AY−1, or (2) at least one procedure was low in each of AY−1 and AY−2 ("any"
-- reading) — or the same procedure in both years ("same" reading). Procedures with fewer
-- participants than the minimum do not count. `mart_shnor` publishes it (with the official
-- list and entries/exits); the monitoring marts read the list of the year they monitor,
-- so nothing depends on whether that year's September cycle was run.
-- @lookback 2
WITH counted AS (
    SELECT *
    FROM int_procedure_results
    WHERE list_contains($shnor_procedures, procedure)
      AND participants >= $shnor_min_participants
),
by_year AS (
    SELECT school_code, ay,
           list(procedure ORDER BY procedure) FILTER (WHERE is_low) AS low,
           count(*) AS with_data
    FROM counted
    GROUP BY ALL
),
years AS (
    SELECT DISTINCT ay + 1 AS ay FROM counted
    UNION
    SELECT DISTINCT ay + 2 AS ay FROM counted
),
evaluated AS (
    SELECT y.ay, s.school_code,
           coalesce(p1.low, []) AS low_prev,
           coalesce(p2.low, []) AS low_prev2,
           coalesce(p1.with_data, 0) AS procedures_prev,
           coalesce(p2.with_data, 0) AS procedures_prev2
    FROM stg_schools s
    CROSS JOIN years y
    LEFT JOIN by_year p1 ON p1.school_code = s.school_code AND p1.ay = y.ay - 1
    LEFT JOIN by_year p2 ON p2.school_code = s.school_code AND p2.ay = y.ay - 2
),
criteria AS (
    SELECT
        *,
        len(low_prev) >= $shnor_criterion1_min_low_procedures AS criterion_1,
        CASE $shnor_criterion2_reading
            WHEN 'same' THEN len(list_intersect(low_prev, low_prev2)) > 0
            ELSE len(low_prev) > 0 AND len(low_prev2) > 0
        END AS criterion_2
    FROM evaluated
)
SELECT
    ay,
    school_code,
    criterion_1 OR criterion_2 AS is_shnor,
    criterion_1,
    criterion_2,
    low_prev,
    low_prev2,
    procedures_prev,
    procedures_prev2
FROM criteria
