-- Output table `project_500plus` (seed 004 «Анализ эффективности управленческого
-- инструмента», September cycle): effectiveness indicators of project 500+ for AY $ay
-- (the year that ended), one row per municipality × indicator, over the ШНОР of AY $ay:
-- the working list (`int_shnor_working_list`, `[shnor] working_list`).
--   1 organisational, from the municipality's yearly form `raw_p500` (inbox/<AY>/p500/,
--     issue 14): 1.1 PD programme adopted (with the order's date and number, `value_text`);
--     1.2 population satisfaction, the form's share with its source (`data_source`);
--     1.3 ШНОР in network interaction: the form's number of ШНОР over the ШНОР of the
--     working list; without a form, the proxy of a teacher in a regional network
--     association (staff monitoring; `$project_500plus_network_from_staff`);
--   2 staff: leaders with PD courses, teachers with PD courses;
--   3 methodical help: teachers in webinars, seminars, contests;
--   outcome: schools that left the ШНОР list in AY $ay (on the working list of AY $ay − 1,
--     not on that of AY $ay), as a count (`value`) and a share of last year's ШНОР.
-- This model only builds the facts and the frame; the assembly is the indicator engine
-- (sql/fragments/indicator_engine.sql, docs/indicator-engine.md).
-- @lookback 1
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
    SELECT 'мониторинг кадрового обеспечения за ' || $ay || ' год' AS hint
),
-- the municipality's yearly form (seed 004 items 1.1–1.3): by code or by name
municipalities AS (
    SELECT DISTINCT municipality_code, municipality_name FROM stg_schools WHERE in_registry
),
form AS (
    -- the case-folded texts computed once per row, not once per pair of the join
    SELECT m.municipality_code, f.* EXCLUDE (municipality_code, _given)
    FROM (SELECT *, lower(trim(municipality_code)) AS _given FROM raw_p500 WHERE ay = $ay) f
    JOIN (SELECT municipality_code, lower(municipality_code) AS _code, lower(trim(municipality_name)) AS _name
          FROM municipalities) m
      ON m._code = f._given OR m._name = f._given
),
form_hint AS (
    SELECT 'в форме муниципалитета по проекту «500+» за ' || $ay || '/' || ($ay + 1)
           || ' учебный год показатель не заполнен' AS hint
),
shnor_count AS (
    SELECT municipality_code, count(*) AS n FROM shnor GROUP BY ALL
),
facts AS (
    SELECT $ay AS ay, NULL::INTEGER AS half, municipality_code, 'p500_pd_programme' AS indicator_code,
           'count' AS kind, NULL::VARCHAR AS school_code, pd_programme_adopted IS NOT NULL AS has_data,
           coalesce(pd_programme_adopted, false) AS hit, NULL::DOUBLE AS num, NULL::DOUBLE AS den,
           NULL::DOUBLE AS prev_pct, NULL::DOUBLE AS cur_pct, []::VARCHAR[] AS factors,
           (SELECT hint FROM form_hint) AS source_hint
    FROM form
    UNION ALL
    SELECT $ay, NULL, municipality_code, 'p500_satisfaction', 'persons', NULL,
           satisfaction_pct IS NOT NULL, false, satisfaction_pct, 100.0, NULL, NULL, [],
           (SELECT hint FROM form_hint)
    FROM form
    UNION ALL
    -- 1.3 from the form: its number of ШНОР in network interaction over the working list's
    SELECT $ay, NULL, f.municipality_code, 'p500_network', 'persons', NULL, true, false,
           f.network_schools, c.n, NULL, NULL, [], (SELECT hint FROM form_hint)
    FROM form f JOIN shnor_count c USING (municipality_code)
    WHERE f.network_schools IS NOT NULL
    UNION ALL
    -- 1.3 without the form's number: the staff monitoring's proxy
    SELECT $ay, NULL, municipality_code, 'p500_network', 'schools', school_code,
           $project_500plus_network_from_staff AND in_regional_network IS NOT NULL,
           coalesce(in_regional_network > 0, false), NULL, NULL, NULL, NULL, [],
           CASE WHEN $project_500plus_network_from_staff THEN (SELECT hint FROM staff_hint)
                ELSE 'показатель отключён в настройках (project_500plus.network_from_staff)' END
    FROM staff
    WHERE municipality_code NOT IN (SELECT municipality_code FROM form WHERE network_schools IS NOT NULL)
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
           NULL::VARCHAR AS forced_reason,
           CASE WHEN r.indicator_code IN ('p500_pd_programme', 'p500_satisfaction')
                THEN 'форма муниципалитета по проекту «500+» за ' || $ay || '/' || ($ay + 1)
                     || ' учебный год не загружена'
                WHEN r.indicator_code = 'p500_left_list'
                THEN 'в перечне ШНОР за ' || ($ay - 1) || ' год нет школ муниципалитета'
                ELSE 'в перечне ШНОР за ' || $ay || ' год нет школ муниципалитета' END AS empty_reason,
           -- what the form says beside the figure (the order of 1.1, the survey of 1.2)
           CASE WHEN r.indicator_code = 'p500_pd_programme' AND f.pd_programme_adopted IS NOT NULL THEN
                    CASE WHEN f.pd_programme_adopted THEN 'утверждена'
                              || CASE WHEN f.pd_programme_date IS NOT NULL OR f.pd_programme_number IS NOT NULL
                                      THEN ' (приказ' || coalesce(' от ' || f.pd_programme_date, '')
                                           || coalesce(' № ' || f.pd_programme_number, '') || ')' ELSE '' END
                         ELSE 'не утверждена' END
           END AS value_text,
           CASE WHEN r.indicator_code = 'p500_satisfaction' THEN f.satisfaction_source
                WHEN r.indicator_code = 'p500_network' AND f.network_schools IS NOT NULL
                THEN 'форма муниципалитета по проекту «500+»'
                WHEN r.indicator_code = 'p500_network' AND $project_500plus_network_from_staff
                THEN 'мониторинг кадрового обеспечения: педагог ШНОР в региональном сетевом объединении'
           END AS data_source
    FROM municipalities m
    CROSS JOIN reference_indicators r
    LEFT JOIN form f ON f.municipality_code = m.municipality_code
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
    -- 1.1 is a yes / no and 1.2 a share the form gives: no numerator / denominator of persons
    CASE WHEN indicator_code NOT IN ('p500_pd_programme', 'p500_satisfaction') THEN numerator END AS numerator,
    CASE WHEN indicator_code NOT IN ('p500_pd_programme', 'p500_satisfaction') THEN denominator END AS denominator,
    value_pct,
    CASE WHEN no_data_reason IS NULL AND indicator_code = 'p500_left_list' THEN hits END AS value,
    CASE WHEN no_data_reason IS NULL THEN value_text END AS value_text,
    CASE WHEN no_data_reason IS NULL THEN data_source END AS data_source,
    status,
    no_data_reason,
    -- a municipal form's row has no school
    list_filter(coalesce(listed_schools, []), lambda c: c IS NOT NULL) AS schools,
    list_filter(coalesce(nodata_schools, []), lambda c: c IS NOT NULL) AS schools_no_data,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM engine_rows
