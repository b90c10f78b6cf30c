-- Output table `shnor_monitoring` (seed 003 §2.3, September cycle): ШНОР monitoring of
-- AY $ay (the year that ended) against AY $ay − 1, one row per municipality × indicator.
-- The ШНОР of AY $ay are the working list of AY $ay (`int_shnor_working_list`: the rule's
-- list, the ФИОКО list or both, `[shnor] working_list`; `mart_shnor.in_working_list`).
--   2.3.1 positive dynamics: the share of unsatisfactory results (ГИА maths, ГИА Russian:
--         below the minimum, procedures pooled; КДР grades 4, 6, 7, 8: below the basic
--         level) fell by more than `$monitoring_positive_dynamics_min_fall_pp`;
--   2.3.2 teachers diagnosed (subject, methodical, psychological-pedagogical);
--   2.3.3 teachers supported, in regional networks, in ГМО, with ИОМ; ШНОР in events,
--         with productive participation; numbers of municipal and regional internship
--         sites (all schools of the municipality, not only ШНОР).
-- Kinds: 'schools' (share of schools: numerator = schools reaching it), 'persons'
-- (teachers summed over the ШНОР that reported), 'count' (number of schools).
-- This model only builds the facts and the frame; the assembly is the indicator engine
-- (sql/fragments/indicator_engine.sql, docs/indicator-engine.md).
-- @lookback 1
WITH shnor AS (
    -- the working list of AY $ay (`int_shnor_working_list`, `[shnor] working_list`)
    SELECT l.school_code, s.municipality_code
    FROM int_shnor_working_list l JOIN stg_schools s USING (school_code)
    WHERE l.ay = $ay AND l.in_working_list
),
gia_pooled AS (
    SELECT school_code, ay, 'math' AS area, sum(low_count) AS low, sum(participants) AS n
    FROM int_procedure_results
    WHERE ay IN ($ay, $ay - 1) AND list_contains($monitoring_gia_math_procedures, procedure)
      AND participants >= $shnor_min_participants
    GROUP BY ALL
    UNION ALL
    SELECT school_code, ay, 'russian', sum(low_count), sum(participants)
    FROM int_procedure_results
    WHERE ay IN ($ay, $ay - 1) AND list_contains($monitoring_gia_russian_procedures, procedure)
      AND participants >= $shnor_min_participants
    GROUP BY ALL
    UNION ALL
    SELECT school_code, ay, 'rdr', sum(below_basic), sum(participants)
    FROM raw_rdr
    WHERE ay IN ($ay, $ay - 1) AND list_contains($monitoring_rdr_grades, grade) AND participants > 0
      AND below_basic IS NOT NULL
    GROUP BY ALL
),
dynamics AS (
    SELECT sh.municipality_code, sh.school_code, a.area,
           round(100.0 * p.low / p.n, 2) AS prev_pct,
           round(100.0 * c.low / c.n, 2) AS cur_pct,
           coalesce(p.n > 0 AND c.n > 0, false) AS has_data,
           coalesce(100.0 * p.low / p.n - 100.0 * c.low / c.n > $monitoring_positive_dynamics_min_fall_pp, false)
               AS hit
    FROM shnor sh
    CROSS JOIN (SELECT unnest(['math', 'russian', 'rdr']) AS area) a
    LEFT JOIN gia_pooled c ON c.school_code = sh.school_code AND c.ay = $ay AND c.area = a.area
    LEFT JOIN gia_pooled p ON p.school_code = sh.school_code AND p.ay = $ay - 1 AND p.area = a.area
),
staff AS (
    SELECT sh.municipality_code, sh.school_code, st.*
        EXCLUDE (school_code, ay, _file, _sheet, _row, _sha256, _run_id, _loaded_at)
    FROM shnor sh
    LEFT JOIN raw_staff st ON st.school_code = sh.school_code AND st.ay = $ay
),
staff_long AS (
    SELECT municipality_code, school_code, teachers_total, item, n
    FROM (
        UNPIVOT (SELECT municipality_code, school_code, teachers_total, diag_subject, diag_method, diag_psych,
                        supported, in_regional_network, in_municipal_mo, with_iom FROM staff)
        ON diag_subject, diag_method, diag_psych, supported, in_regional_network, in_municipal_mo, with_iom
        INTO NAME item VALUE n
    )
),
all_schools AS (
    SELECT s.municipality_code, s.school_code, st.municipal_internship_site, st.regional_internship_site
    FROM stg_schools s
    LEFT JOIN raw_staff st ON st.school_code = s.school_code AND st.ay = $ay
    WHERE s.in_registry OR st.school_code IS NOT NULL
),
facts AS (
    SELECT $ay AS ay, NULL::INTEGER AS half, municipality_code,
           'shnor_' || CASE area WHEN 'math' THEN 'gia_math' WHEN 'russian' THEN 'gia_russian'
               ELSE 'rdr' END || '_dynamics' AS indicator_code,
           'schools' AS kind, school_code, has_data, hit, NULL::DOUBLE AS num, NULL::DOUBLE AS den,
           prev_pct, cur_pct, []::VARCHAR[] AS factors,
           CASE area WHEN 'rdr' THEN 'краевые диагностические работы (rdr)' ELSE 'результаты ГИА (gia)' END
               || ' за ' || $ay || ' и ' || ($ay - 1) || ' годы' AS source_hint
    FROM dynamics
    UNION ALL
    -- UNPIVOT drops NULL values: a school without staff data has no row here, so its
    -- teachers are not counted (it is listed under `schools_no_data` below).
    SELECT $ay, NULL, municipality_code,
           CASE item WHEN 'diag_subject' THEN 'shnor_teachers_diag_subject'
                     WHEN 'diag_method' THEN 'shnor_teachers_diag_method'
                     WHEN 'diag_psych' THEN 'shnor_teachers_diag_psych'
                     WHEN 'supported' THEN 'shnor_teachers_supported'
                     WHEN 'in_regional_network' THEN 'shnor_teachers_regional_network'
                     WHEN 'in_municipal_mo' THEN 'shnor_teachers_municipal_mo'
                     ELSE 'shnor_teachers_iom' END,
           'persons', school_code, teachers_total IS NOT NULL, false, n, teachers_total, NULL, NULL, [],
           'мониторинг кадрового обеспечения (staff) за ' || $ay || ' год'
    FROM staff_long
    UNION ALL
    SELECT $ay, NULL, municipality_code, 'shnor_schools_events', 'schools', school_code,
           events_participated IS NOT NULL, coalesce(events_participated, false), NULL, NULL, NULL, NULL, [],
           'мониторинг кадрового обеспечения (staff) за ' || $ay || ' год'
    FROM staff
    UNION ALL
    SELECT $ay, NULL, municipality_code, 'shnor_schools_productive', 'schools', school_code,
           productive_participation IS NOT NULL, coalesce(productive_participation, false), NULL, NULL, NULL, NULL,
           [], 'мониторинг кадрового обеспечения (staff) за ' || $ay || ' год'
    FROM staff
    UNION ALL
    SELECT $ay, NULL, municipality_code, 'municipal_internship_sites', 'count', school_code,
           municipal_internship_site IS NOT NULL, coalesce(municipal_internship_site, false), NULL, NULL, NULL, NULL,
           [], 'мониторинг кадрового обеспечения (staff) за ' || $ay || ' год'
    FROM all_schools
    UNION ALL
    SELECT $ay, NULL, municipality_code, 'regional_internship_sites', 'count', school_code,
           regional_internship_site IS NOT NULL, coalesce(regional_internship_site, false), NULL, NULL, NULL, NULL,
           [], 'мониторинг кадрового обеспечения (staff) за ' || $ay || ' год'
    FROM all_schools
),
-- ШНОР without any staff row: listed as lacking data for the teacher indicators
staff_missing AS (
    SELECT municipality_code, list(school_code ORDER BY school_code) AS schools
    FROM staff WHERE teachers_total IS NULL GROUP BY ALL
),
shnor_count AS (
    SELECT municipality_code, count(*) AS n FROM shnor GROUP BY ALL
),
-- every municipality of the registry × every indicator of `shnor_monitoring`
frame AS (
    SELECT $ay AS ay, NULL::INTEGER AS half, m.municipality_code, m.municipality_name,
           r.indicator_code, r.indicator_title, r.seed_ref, r.unit, r.sort_order,
           coalesce(sc.n, 0) AS shnor_total,
           sm.schools AS staff_missing,
           CASE WHEN r.unit <> 'count' AND coalesce(sc.n, 0) = 0
                THEN 'в перечне ШНОР за ' || $ay || ' год нет школ муниципалитета' END AS forced_reason,
           NULL::VARCHAR AS empty_reason
    FROM (SELECT DISTINCT municipality_code, municipality_name FROM stg_schools WHERE in_registry) m
    CROSS JOIN reference_indicators r
    LEFT JOIN shnor_count sc USING (municipality_code)
    LEFT JOIN staff_missing sm USING (municipality_code)
    WHERE r.output_table = 'shnor_monitoring'
),
-- @include indicator_engine
SELECT
    ay,
    municipality_code,
    municipality_name,
    indicator_code,
    indicator_title,
    seed_ref,
    unit,
    sort_order,
    CASE WHEN unit <> 'count' THEN numerator END AS numerator,
    CASE WHEN unit <> 'count' THEN denominator END AS denominator,
    CASE WHEN unit <> 'count' THEN value_pct END AS value_pct,
    CASE WHEN no_data_reason IS NULL AND unit = 'count' THEN hits END AS value,
    status,
    no_data_reason,
    coalesce(listed_schools, []) AS schools,
    -- teachers of a ШНОР without staff data are not counted: the ШНОР is listed here
    coalesce(CASE WHEN kind = 'persons' THEN coalesce(staff_missing, []) ELSE nodata_schools END, [])
        AS schools_no_data,
    details,
    shnor_total,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM engine_rows
