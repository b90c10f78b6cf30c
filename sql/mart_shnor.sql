-- Output table `shnor` (SPEC §4.1, seed 003 §2.1): the ШНОР list for AY $ay.
-- A school enters the list when (1) at least two procedures were low in AY−1, or
-- (2) at least one procedure was low in each of AY−1 and AY−2 ("any" reading) — or the
-- same procedure in both years ("same" reading). Procedures with fewer participants than
-- the minimum do not count. The list of AY−1 is evaluated by the same rule to tell
-- entries, stays and exits; the official ФИОКО list of AY $ay is compared when loaded.
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
evaluated AS (
    SELECT
        t.ay,
        s.school_code,
        coalesce(p1.low, []) AS low_prev,
        coalesce(p2.low, []) AS low_prev2,
        coalesce(p1.with_data, 0) AS procedures_prev,
        coalesce(p2.with_data, 0) AS procedures_prev2
    FROM stg_schools s
    CROSS JOIN (SELECT unnest([$ay, $ay - 1]) AS ay) t
    LEFT JOIN by_year p1 ON p1.school_code = s.school_code AND p1.ay = t.ay - 1
    LEFT JOIN by_year p2 ON p2.school_code = s.school_code AND p2.ay = t.ay - 2
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
),
listed AS (
    SELECT *, criterion_1 OR criterion_2 AS is_shnor FROM criteria
),
official AS (
    SELECT DISTINCT school_code FROM raw_official_shnor WHERE ay = $ay
),
has_official AS (
    SELECT count(*) > 0 AS loaded FROM official
)
SELECT
    cur.school_code,
    cur.ay,
    s.municipality_code,
    s.municipality_name,
    s.short_name,
    s.school_name,
    cur.is_shnor,
    CASE
        WHEN cur.criterion_1 AND cur.criterion_2 THEN '1+2'
        WHEN cur.criterion_1 THEN '1'
        WHEN cur.criterion_2 THEN '2'
    END AS criterion,
    cur.criterion_1,
    cur.criterion_2,
    $shnor_criterion2_reading AS criterion_2_reading,
    cur.ay - 1 AS prev_ay,
    cur.low_prev AS low_procedures_prev,
    len(cur.low_prev) AS n_low_prev,
    cur.procedures_prev,
    cur.ay - 2 AS prev2_ay,
    cur.low_prev2 AS low_procedures_prev2,
    len(cur.low_prev2) AS n_low_prev2,
    cur.procedures_prev2,
    cur.procedures_prev = 0 AND cur.procedures_prev2 = 0 AS no_data,
    CASE WHEN (SELECT loaded FROM has_official) THEN o.school_code IS NOT NULL END AS in_official_list,
    CASE
        WHEN NOT (SELECT loaded FROM has_official) THEN NULL
        WHEN cur.is_shnor AND o.school_code IS NOT NULL THEN 'both'
        WHEN cur.is_shnor THEN 'only_ours'
        WHEN o.school_code IS NOT NULL THEN 'only_official'
    END AS official_comparison,
    last.is_shnor AS was_shnor_last_year,
    CASE
        WHEN cur.is_shnor AND NOT last.is_shnor THEN 'entered'
        WHEN cur.is_shnor AND last.is_shnor THEN 'stayed'
        WHEN NOT cur.is_shnor AND last.is_shnor THEN 'left'
    END AS list_change,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM listed cur
JOIN listed last ON last.school_code = cur.school_code AND last.ay = cur.ay - 1
JOIN stg_schools s ON s.school_code = cur.school_code
LEFT JOIN official o ON o.school_code = cur.school_code
WHERE cur.ay = $ay
