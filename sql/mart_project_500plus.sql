-- Output table `project_500plus` (seed 004 «Анализ эффективности управленческого
-- инструмента», September cycle): effectiveness indicators of project 500+ for AY $ay
-- (the year that ended), one row per municipality × indicator, over the ШНОР of AY $ay:
-- the working list (`int_shnor_working_list`, `[shnor] working_list`).
--   1 organisational: PD programme adopted; population satisfaction — no source of the
--     inbox holds them (SPEC §3.1), so they are always 'no_data' with that reason;
--     ШНОР in network interaction (a teacher in a regional network association, staff
--     monitoring; `$project_500plus_network_from_staff`);
--   2 staff: leaders with PD courses, teachers with PD courses;
--   3 methodical help: teachers in webinars, seminars, contests;
--   outcome: schools that left the ШНОР list in AY $ay (on the working list of AY $ay − 1,
--     not on that of AY $ay), as a count (`value`) and a share of last year's ШНОР.
-- This model only builds the facts and the frame; the assembly is the indicator engine
-- (sql/fragments/indicator_engine.sql, docs/indicator-engine.md).
WITH shnor AS (
    -- the working list of AY $ay (`int_shnor_working_list`, `[shnor] working_list`)
    SELECT l.school_code, s.municipality_code
    FROM int_shnor_working_list l JOIN stg_schools s USING (school_code)
    WHERE l.ay = $ay AND l.in_working_list
),
staff AS (
    SELECT sh.municipality_code, sh.school_code, st.*
        EXCLUDE (school_code, ay, _file, _sheet, _row, _sha256, _run_id, _loaded_at)
    FROM shnor sh
    LEFT JOIN raw_staff st ON st.school_code = sh.school_code AND st.ay = $ay
),
left_list AS (
    SELECT s.municipality_code, p.school_code,
           coalesce(c.list_known, false) AS has_data,
           coalesce(c.list_known AND NOT c.in_working_list, false) AS hit
    FROM int_shnor_working_list p
    JOIN stg_schools s USING (school_code)
    LEFT JOIN int_shnor_working_list c ON c.school_code = p.school_code AND c.ay = $ay
    WHERE p.ay = $ay - 1 AND p.in_working_list
),
staff_hint AS (
    SELECT 'мониторинг кадрового обеспечения (staff) за ' || $ay || ' год' AS hint
),
facts AS (
    SELECT $ay AS ay, NULL::INTEGER AS half, municipality_code, 'p500_network' AS indicator_code,
           'schools' AS kind, school_code,
           $project_500plus_network_from_staff AND in_regional_network IS NOT NULL AS has_data,
           coalesce(in_regional_network > 0, false) AS hit, NULL::DOUBLE AS num, NULL::DOUBLE AS den,
           NULL::DOUBLE AS prev_pct, NULL::DOUBLE AS cur_pct, []::VARCHAR[] AS factors,
           CASE WHEN $project_500plus_network_from_staff THEN (SELECT hint FROM staff_hint)
                ELSE 'показатель отключён в настройках (project_500plus.network_from_staff)' END AS source_hint
    FROM staff
    UNION ALL
    SELECT $ay, NULL, municipality_code, 'p500_leaders_pd', 'persons', school_code,
           leaders_pd IS NOT NULL AND leaders_total IS NOT NULL, false, leaders_pd, leaders_total, NULL, NULL, [],
           (SELECT hint FROM staff_hint)
    FROM staff
    UNION ALL
    SELECT $ay, NULL, municipality_code, indicator_code, 'persons', school_code,
           n IS NOT NULL AND teachers_total IS NOT NULL, false, n, teachers_total, NULL, NULL, [],
           (SELECT hint FROM staff_hint)
    FROM (
        SELECT municipality_code, school_code, teachers_total, 'p500_teachers_pd' AS indicator_code, teachers_pd AS n FROM staff
        UNION ALL SELECT municipality_code, school_code, teachers_total, 'p500_teachers_webinars', teachers_webinars FROM staff
        UNION ALL SELECT municipality_code, school_code, teachers_total, 'p500_teachers_seminars', teachers_seminars FROM staff
        UNION ALL SELECT municipality_code, school_code, teachers_total, 'p500_teachers_contests', teachers_contests FROM staff
    )
    UNION ALL
    SELECT $ay, NULL, municipality_code, 'p500_left_list', 'schools', school_code, has_data, hit, NULL, NULL,
           NULL, NULL, [], 'нет результатов оценочных процедур для перечня ШНОР за ' || $ay || ' год'
    FROM left_list
),
-- every municipality of the registry × every indicator of `project_500plus`
frame AS (
    SELECT $ay AS ay, NULL::INTEGER AS half, m.municipality_code, m.municipality_name,
           r.indicator_code, r.indicator_title, r.seed_ref, r.unit, r.sort_order,
           CASE WHEN r.indicator_code IN ('p500_pd_programme', 'p500_satisfaction')
                THEN 'нет источника данных: показатель не входит в выгрузки (SPEC §3.1)' END AS forced_reason,
           CASE WHEN r.indicator_code = 'p500_left_list'
                THEN 'в перечне ШНОР за ' || ($ay - 1) || ' год нет школ муниципалитета'
                ELSE 'в перечне ШНОР за ' || $ay || ' год нет школ муниципалитета' END AS empty_reason
    FROM (SELECT DISTINCT municipality_code, municipality_name FROM stg_schools WHERE in_registry) m
    CROSS JOIN reference_indicators r
    WHERE r.output_table = 'project_500plus'
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
    numerator,
    denominator,
    value_pct,
    CASE WHEN no_data_reason IS NULL AND indicator_code = 'p500_left_list' THEN hits END AS value,
    status,
    no_data_reason,
    coalesce(listed_schools, []) AS schools,
    coalesce(nodata_schools, []) AS schools_no_data,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM engine_rows
