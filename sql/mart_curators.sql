-- Output table `curators` (issue 14; seed 000 п. 3 «Адресная программа поддержки … (МБОУ
-- СОШ №2/куратор МБОУ «Гимназия №1»)», п. 21): curator pairs ШВОР → ШНОР of AY $ay.
-- One row per pair of `curators` (inbox/<AY>/curators/), plus one row, without a curator,
-- per school of the ШНОР working list of AY that no pair names (monitored: «ШНОР без
-- куратора»). For each row:
--   in_working_list    the curated school is on the ШНОР working list of AY
--   curator_is_shvor   the curator's school is on the ШВОР list of AY (`int_shvor_list`)
--   pair_status        'ok' (a ШНОР curated by a ШВОР), 'curator_not_shvor', 'not_shnor'
--                      (the curated school is not on the working list), 'no_curator'
-- The first matching status is kept: a pair that is wrong on both sides is 'curator_not_shvor'.
WITH pairs AS (
    SELECT DISTINCT school_code, curator_code FROM raw_curators
    WHERE ay = $ay AND school_code IS NOT NULL AND curator_code IS NOT NULL
),
working AS (
    SELECT school_code FROM int_shnor_working_list WHERE ay = $ay AND in_working_list
),
rows_ AS (
    SELECT school_code, curator_code FROM pairs
    UNION ALL
    SELECT w.school_code, NULL FROM working w
    WHERE w.school_code NOT IN (SELECT school_code FROM pairs)
),
-- each side of a row judged once: the curated school on the working list, the curator on
-- the ШВОР list (NULL without a curator)
judged AS (
    SELECT r.school_code, r.curator_code,
           r.school_code IN (SELECT school_code FROM working) AS in_working_list,
           CASE WHEN r.curator_code IS NOT NULL THEN coalesce(v.is_shvor, false) END AS curator_is_shvor
    FROM rows_ r
    LEFT JOIN int_shvor_list v ON v.school_code = r.curator_code AND v.ay = $ay
)
SELECT
    $ay AS ay,
    coalesce(s.municipality_code, c.municipality_code) AS municipality_code,
    coalesce(s.municipality_name, c.municipality_name) AS municipality_name,
    r.school_code,
    s.short_name,
    r.curator_code,
    c.short_name AS curator_short_name,
    c.municipality_code AS curator_municipality_code,
    r.in_working_list,
    r.curator_code IS NOT NULL AS has_curator,
    r.curator_is_shvor,
    CASE
        WHEN r.curator_code IS NULL THEN 'no_curator'
        WHEN NOT r.curator_is_shvor THEN 'curator_not_shvor'
        WHEN NOT r.in_working_list THEN 'not_shnor'
        ELSE 'ok'
    END AS pair_status,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM judged r
LEFT JOIN stg_schools s ON s.school_code = r.school_code
LEFT JOIN stg_schools c ON c.school_code = r.curator_code
