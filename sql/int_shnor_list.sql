-- The ШНОР list of every AY that has results behind it (seed 003 §2.1), one row per
-- school × AY, by the same rule as `mart_shnor` (which adds the official list and the
-- published columns). The monitoring marts read the list of the year they monitor from
-- here, so they never depend on whether that year's September cycle was run.
WITH counted AS (
    SELECT *
    FROM int_procedure_results
    WHERE list_contains($shnor_procedures, procedure)
      AND participants >= $shnor_min_participants
),
by_year AS (
    SELECT school_code, ay,
           list(procedure ORDER BY procedure) FILTER (WHERE is_low) AS low
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
           coalesce(p2.low, []) AS low_prev2
    FROM stg_schools s
    CROSS JOIN years y
    LEFT JOIN by_year p1 ON p1.school_code = s.school_code AND p1.ay = y.ay - 1
    LEFT JOIN by_year p2 ON p2.school_code = s.school_code AND p2.ay = y.ay - 2
)
SELECT
    ay,
    school_code,
    len(low_prev) >= $shnor_criterion1_min_low_procedures
        OR CASE $shnor_criterion2_reading
               WHEN 'same' THEN len(list_intersect(low_prev, low_prev2)) > 0
               ELSE len(low_prev) > 0 AND len(low_prev2) > 0
           END AS is_shnor,
    low_prev,
    low_prev2
FROM evaluated
