-- Output table `prevention_half1` (seed 003 §4.3–4.4, January cycle): prevention of
-- academic failure in the first half of AY $ay, municipality × indicator. Every indicator
-- has a row; without reports it is 'no_data' with the reason, never a zero.
WITH municipalities AS (
    SELECT DISTINCT municipality_code, municipality_name FROM stg_schools WHERE in_registry
    UNION
    SELECT DISTINCT municipality_code, municipality_name FROM int_prevention_indicators WHERE ay = $ay
),
wanted AS (
    SELECT m.municipality_code, m.municipality_name, r.indicator_code, r.indicator_title, r.seed_ref, r.sort_order
    FROM municipalities m CROSS JOIN reference_indicators r
    WHERE r.output_table = 'prevention'
)
SELECT
    $ay AS ay,
    1 AS half,
    w.municipality_code,
    w.municipality_name,
    w.indicator_code,
    w.indicator_title,
    w.seed_ref,
    w.sort_order,
    i.numerator,
    i.denominator,
    i.value_pct,
    coalesce(i.status, 'no_data') AS status,
    CASE WHEN i.status IS NULL THEN 'нет данных: отчёт о профилактике за I полугодие не загружен'
         ELSE i.no_data_reason END AS no_data_reason,
    coalesce(i.schools, []) AS schools,
    coalesce(i.schools_no_data, []) AS schools_no_data,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM wanted w
LEFT JOIN int_prevention_indicators i
       ON i.ay = $ay AND i.half = 1 AND i.municipality_code = w.municipality_code
      AND i.indicator_code = w.indicator_code
