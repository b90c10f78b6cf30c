-- Output table `shnor` (SPEC §4.1, seed 003 §2.1): the ШНОР list for AY $ay.
-- The rule is `int_shnor_list` (one place); this mart adds, for AY $ay, the list of AY−1
-- (entries, stays and exits) and the official ФИОКО list of AY $ay when it is loaded, and
-- the working list for addressed work (`int_shnor_working_list`).
-- @lookback 1
WITH listed AS (
    -- the rule itself is `int_shnor_list`; a year without any results behind it gives
    -- every school empty lists and no criterion (`no_data`)
    SELECT
        t.ay,
        s.school_code,
        coalesce(l.low_prev, []) AS low_prev,
        coalesce(l.low_prev2, []) AS low_prev2,
        coalesce(l.procedures_prev, 0) AS procedures_prev,
        coalesce(l.procedures_prev2, 0) AS procedures_prev2,
        coalesce(l.criterion_1, false) AS criterion_1,
        coalesce(l.criterion_2, false) AS criterion_2,
        coalesce(l.is_shnor, false) AS is_shnor
    FROM stg_schools s
    CROSS JOIN (SELECT unnest([$ay, $ay - 1]) AS ay) t
    LEFT JOIN int_shnor_list l ON l.school_code = s.school_code AND l.ay = t.ay
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
    -- the working list for addressed work (`int_shnor_working_list`, `[shnor] working_list`):
    -- whether the school is on it and which lists name it ('both', 'ours', 'official')
    coalesce(w.in_working_list, false) AS in_working_list,
    w.working_list_basis,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM listed cur
JOIN listed last ON last.school_code = cur.school_code AND last.ay = cur.ay - 1
JOIN stg_schools s ON s.school_code = cur.school_code
LEFT JOIN official o ON o.school_code = cur.school_code
LEFT JOIN int_shnor_working_list w ON w.school_code = cur.school_code AND w.ay = cur.ay
WHERE cur.ay = $ay
