-- Output table `project_500plus` (seed 004 «Анализ эффективности управленческого
-- инструмента», September cycle): effectiveness indicators of project 500+ for AY $ay
-- (the year that ended), one row per municipality × indicator, over the ШНОР of AY $ay.
--   1 organisational: PD programme adopted; population satisfaction — no source of the
--     inbox holds them (SPEC §3.1), so they are always 'no_data' with that reason;
--     ШНОР in network interaction (a teacher in a regional network association, staff
--     monitoring; `$project_500plus_network_from_staff`);
--   2 staff: leaders with PD courses, teachers with PD courses;
--   3 methodical help: teachers in webinars, seminars, contests;
--   outcome: schools that left the ШНОР list in AY $ay (on the list of AY $ay − 1, not of
--     AY $ay), as a count (`value`) and a share of last year's ШНОР.
WITH shnor AS (
    SELECT l.school_code, s.municipality_code
    FROM int_shnor_list l JOIN stg_schools s USING (school_code)
    WHERE l.ay = $ay AND l.is_shnor
),
staff AS (
    SELECT sh.municipality_code, sh.school_code, st.*
        EXCLUDE (school_code, ay, _file, _sheet, _row, _sha256, _run_id, _loaded_at)
    FROM shnor sh
    LEFT JOIN raw_staff st ON st.school_code = sh.school_code AND st.ay = $ay
),
left_list AS (
    SELECT s.municipality_code, p.school_code,
           c.school_code IS NOT NULL AS has_data,
           coalesce(NOT c.is_shnor, false) AS hit
    FROM int_shnor_list p
    JOIN stg_schools s USING (school_code)
    LEFT JOIN int_shnor_list c ON c.school_code = p.school_code AND c.ay = $ay
    WHERE p.ay = $ay - 1 AND p.is_shnor
),
staff_hint AS (
    SELECT 'мониторинг кадрового обеспечения (staff) за ' || $ay || ' год' AS hint
),
facts AS (
    SELECT municipality_code, 'p500_network' AS indicator_code, 'schools' AS kind, school_code,
           $project_500plus_network_from_staff AND in_regional_network IS NOT NULL AS has_data,
           coalesce(in_regional_network > 0, false) AS hit, NULL::DOUBLE AS num, NULL::DOUBLE AS den,
           CASE WHEN $project_500plus_network_from_staff THEN (SELECT hint FROM staff_hint)
                ELSE 'показатель отключён в настройках (project_500plus.network_from_staff)' END AS source_hint
    FROM staff
    UNION ALL
    SELECT municipality_code, 'p500_leaders_pd', 'persons', school_code,
           leaders_pd IS NOT NULL AND leaders_total IS NOT NULL, false, leaders_pd, leaders_total,
           (SELECT hint FROM staff_hint)
    FROM staff
    UNION ALL
    SELECT municipality_code, indicator_code, 'persons', school_code,
           n IS NOT NULL AND teachers_total IS NOT NULL, false, n, teachers_total, (SELECT hint FROM staff_hint)
    FROM (
        SELECT municipality_code, school_code, teachers_total, 'p500_teachers_pd' AS indicator_code, teachers_pd AS n FROM staff
        UNION ALL SELECT municipality_code, school_code, teachers_total, 'p500_teachers_webinars', teachers_webinars FROM staff
        UNION ALL SELECT municipality_code, school_code, teachers_total, 'p500_teachers_seminars', teachers_seminars FROM staff
        UNION ALL SELECT municipality_code, school_code, teachers_total, 'p500_teachers_contests', teachers_contests FROM staff
    )
    UNION ALL
    SELECT municipality_code, 'p500_left_list', 'schools', school_code, has_data, hit, NULL, NULL,
           'нет результатов оценочных процедур для перечня ШНОР за ' || $ay || ' год'
    FROM left_list
),
agg AS (
    SELECT municipality_code, indicator_code,
           any_value(kind) AS kind,
           any_value(source_hint) AS source_hint,
           count(*) AS population,
           count(*) FILTER (WHERE has_data) AS with_data,
           count(*) FILTER (WHERE hit) AS hits,
           sum(num) FILTER (WHERE has_data) AS num_sum,
           sum(den) FILTER (WHERE has_data) AS den_sum,
           coalesce(list(school_code ORDER BY school_code) FILTER (WHERE hit), []) AS hit_schools,
           coalesce(list(school_code ORDER BY school_code) FILTER (WHERE has_data), []) AS data_schools,
           coalesce(list(school_code ORDER BY school_code) FILTER (WHERE NOT has_data), []) AS nodata_schools
    FROM facts
    GROUP BY ALL
),
municipalities AS (
    SELECT DISTINCT municipality_code, municipality_name FROM stg_schools WHERE in_registry
),
wanted AS (
    SELECT m.*, r.indicator_code, r.indicator_title, r.seed_ref, r.unit, r.sort_order
    FROM municipalities m CROSS JOIN reference_indicators r
    WHERE r.output_table = 'project_500plus'
),
parts AS (
    SELECT w.*, a.kind, a.with_data, a.hits, a.population,
           CASE WHEN a.kind = 'persons' THEN a.num_sum ELSE a.hits END AS num,
           CASE WHEN a.kind = 'persons' THEN a.den_sum
                WHEN $monitoring_denominator = 'with_data' THEN a.with_data
                ELSE a.population END AS den,
           CASE WHEN a.kind = 'persons' THEN a.data_schools ELSE a.hit_schools END AS schools,
           a.nodata_schools,
           CASE
               WHEN w.indicator_code IN ('p500_pd_programme', 'p500_satisfaction')
                   THEN 'нет источника данных: показатель не входит в выгрузки (SPEC §3.1)'
               WHEN coalesce(a.population, 0) = 0 AND w.indicator_code = 'p500_left_list'
                   THEN 'в перечне ШНОР за ' || ($ay - 1) || ' год нет школ муниципалитета'
               WHEN coalesce(a.population, 0) = 0
                   THEN 'в перечне ШНОР за ' || $ay || ' год нет школ муниципалитета'
               WHEN a.with_data = 0 THEN 'нет данных: ' || a.source_hint
               WHEN a.kind = 'persons' AND coalesce(a.den_sum, 0) = 0 THEN 'нет данных: знаменатель равен нулю'
           END AS no_data_reason
    FROM wanted w
    LEFT JOIN agg a USING (municipality_code, indicator_code)
)
SELECT
    $ay AS ay,
    municipality_code,
    municipality_name,
    indicator_code,
    indicator_title,
    seed_ref,
    unit,
    sort_order,
    CASE WHEN no_data_reason IS NULL THEN num END AS numerator,
    CASE WHEN no_data_reason IS NULL THEN den END AS denominator,
    CASE WHEN no_data_reason IS NULL AND den > 0 THEN round(100.0 * num / den, 2) END AS value_pct,
    CASE WHEN no_data_reason IS NULL AND indicator_code = 'p500_left_list' THEN hits END AS value,
    CASE WHEN no_data_reason IS NULL THEN 'ok' ELSE 'no_data' END AS status,
    no_data_reason,
    coalesce(schools, []) AS schools,
    coalesce(nodata_schools, []) AS schools_no_data,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM parts
