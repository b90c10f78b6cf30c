-- Output table `plan_sections` (SPEC §4.8): shares of the plan's measures by status, per
-- section of the plan of AY $ay and for the whole plan («Всего по плану», section_order 0).
-- Every status has a row (a real zero is a count of measures); without a loaded plan every
-- row is 'no_data' with the reason.
WITH measures AS (
    SELECT section, section_order, status, measure_no, measure_order FROM mart_plan_status WHERE ay = $ay
    UNION ALL
    SELECT 'Всего по плану', 0, status, measure_no, measure_order FROM mart_plan_status WHERE ay = $ay
),
sections AS (
    SELECT DISTINCT section, section_order FROM measures
    UNION
    SELECT 'Всего по плану', 0
),
statuses AS (
    SELECT * FROM (VALUES ('done', 1), ('in_progress', 2), ('planned', 3), ('overdue', 4), ('not_participated', 5))
        t(status, status_order)
),
totals AS (
    SELECT section, count(*) AS n FROM measures GROUP BY ALL
)
SELECT
    $ay AS ay,
    s.section,
    s.section_order,
    st.status,
    st.status_order,
    CASE WHEN coalesce(t.n, 0) > 0 THEN count(m.measure_no) END AS numerator,
    CASE WHEN coalesce(t.n, 0) > 0 THEN t.n END AS denominator,
    CASE WHEN coalesce(t.n, 0) > 0 THEN round(100.0 * count(m.measure_no) / t.n, 2) END AS value_pct,
    CASE WHEN coalesce(t.n, 0) > 0 THEN 'ok' ELSE 'no_data' END AS data_status,
    CASE WHEN coalesce(t.n, 0) = 0 THEN 'нет данных: план мероприятий (plan) за ' || $ay || ' год не загружен' END
        AS no_data_reason,
    coalesce(list(m.measure_no ORDER BY m.measure_order) FILTER (WHERE m.measure_no IS NOT NULL), []) AS measures,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM sections s
CROSS JOIN statuses st
LEFT JOIN totals t ON t.section = s.section
LEFT JOIN measures m ON m.section = s.section AND m.status = st.status
GROUP BY s.section, s.section_order, st.status, st.status_order, t.n
