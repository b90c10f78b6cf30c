-- The rows both prevention marts publish (seed 003 §4.3–4.5): every municipality (of the
-- registry or of the reports) × prevention indicator × half of `halves`, with the half's
-- figures of AY $ay from `int_prevention_indicators`; without a report the row is
-- 'no_data' with the reason, never a zero. Included by `mart_prevention_half1` (January,
-- half 1) and `mart_prevention` (June, both halves) after their own CTE
--   halves(half)  the halves the mart publishes
-- and then selected from `prevention_rows` (its last column, `better`, is the indicator's
-- direction, which only the June mart publishes).
prevention_municipalities AS (
    SELECT DISTINCT municipality_code, municipality_name FROM stg_schools WHERE in_registry
    UNION
    SELECT DISTINCT municipality_code, municipality_name FROM int_prevention_indicators WHERE ay = $ay
),
prevention_rows AS (
    SELECT
        $ay AS ay,
        h.half,
        m.municipality_code,
        m.municipality_name,
        r.indicator_code,
        r.indicator_title,
        r.seed_ref,
        r.sort_order,
        i.numerator,
        i.denominator,
        i.value_pct,
        coalesce(i.status, 'no_data') AS status,
        CASE WHEN i.status IS NULL
             THEN 'нет данных: отчёт о профилактике за ' || CASE h.half WHEN 1 THEN 'I' ELSE 'II' END
                  || ' полугодие не загружен'
             ELSE i.no_data_reason END AS no_data_reason,
        coalesce(i.schools, []) AS schools,
        coalesce(i.schools_no_data, []) AS schools_no_data,
        r.better
    FROM prevention_municipalities m
    CROSS JOIN reference_indicators r
    CROSS JOIN halves h
    LEFT JOIN int_prevention_indicators i
           ON i.ay = $ay AND i.half = h.half
          AND i.municipality_code = m.municipality_code AND i.indicator_code = r.indicator_code
    WHERE r.output_table = 'prevention'
)
