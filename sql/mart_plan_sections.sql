-- Output table `plan_sections` (SPEC §4.8): shares of the plan's measures by status, per
-- municipality and section of the plan of AY $ay and for the whole plan («Всего по плану»,
-- section_order 0), counted from `mart_plan_status` (the same status as every other table).
-- Every status has a row (a real zero is a count of measures); without a loaded plan every
-- row of every municipality is 'no_data' with the reason.
-- @lookback 0  (the AY + 1 below is a calendar date of the AY, not a read)
WITH municipalities AS (
    SELECT DISTINCT municipality_code FROM stg_schools WHERE municipality_code IS NOT NULL
    UNION
    SELECT DISTINCT municipality_code FROM mart_plan_status WHERE ay = $ay
),
measures AS (
    SELECT municipality_code, section, section_order, status, measure_no, measure_order
    FROM mart_plan_status WHERE ay = $ay
    UNION ALL
    SELECT municipality_code, 'Всего по плану', 0, status, measure_no, measure_order
    FROM mart_plan_status WHERE ay = $ay
),
sections AS (
    SELECT DISTINCT municipality_code, section, section_order FROM measures
    UNION
    SELECT municipality_code, 'Всего по плану', 0 FROM municipalities
),
statuses AS (
    SELECT * FROM (VALUES ('done', 1), ('in_progress', 2), ('planned', 3), ('overdue', 4), ('not_participated', 5))
        t(status, status_order)
),
totals AS (
    SELECT municipality_code, section, count(*) AS n FROM measures GROUP BY ALL
)
SELECT
    $ay AS ay,
    s.municipality_code,
    s.section,
    s.section_order,
    st.status,
    st.status_order,
    CASE WHEN coalesce(t.n, 0) > 0 THEN count(m.measure_no) END AS numerator,
    CASE WHEN coalesce(t.n, 0) > 0 THEN t.n END AS denominator,
    CASE WHEN coalesce(t.n, 0) > 0 THEN round(100.0 * count(m.measure_no) / t.n, 2) END AS value_pct,
    CASE WHEN coalesce(t.n, 0) > 0 THEN 'ok' ELSE 'no_data' END AS data_status,
    CASE WHEN coalesce(t.n, 0) = 0
         THEN 'нет данных: план мероприятий за ' || $ay || '/' || ($ay + 1) || ' учебный год не загружен' END
        AS no_data_reason,
    coalesce(list(m.measure_no ORDER BY m.measure_order) FILTER (WHERE m.measure_no IS NOT NULL), []) AS measures,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM sections s
CROSS JOIN statuses st
LEFT JOIN totals t ON t.municipality_code IS NOT DISTINCT FROM s.municipality_code AND t.section = s.section
LEFT JOIN measures m ON m.municipality_code IS NOT DISTINCT FROM s.municipality_code AND m.section = s.section
                    AND m.status = st.status
GROUP BY s.municipality_code, s.section, s.section_order, st.status, st.status_order, t.n
