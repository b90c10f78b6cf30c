-- Output table `risk_monitoring` (seed 003 §3.3, September cycle): monitoring of the
-- work with risk schools in AY $ay (the year that ended), one row per municipality ×
-- indicator; the denominator is the schools of the city (the registry; see
-- `$monitoring_denominator`).
--   3.3.1 risks found (with the factors), prevention organised in risk schools (a
--         prevention system in the semi-annual reports of AY $ay), risks eliminated
--         (a risk school in AY $ay − 1, not in AY $ay);
--   3.3.2 resource deficits (material base, staff) found; eliminated;
--   3.3.3 the same cohort: the «2» share on ВПР fell from grade 4 in AY $ay − 1 to grade 5
--         in AY $ay (maths, Russian); no unsatisfactory ОГЭ results (Russian, maths).
-- The risk lists are those of the October cycles (`mart_risk_schools` of AY $ay and
-- $ay − 1): without them the indicators say «нет данных», never zero.
-- This model only builds the facts and the frame; the assembly is the indicator engine
-- (sql/fragments/indicator_engine.sql, docs/indicator-engine.md).
-- @lookback 1
WITH schools AS (
    SELECT school_code, municipality_code FROM stg_schools WHERE in_registry
),
risk_cur AS (SELECT * FROM mart_risk_schools WHERE ay = $ay),
risk_prev AS (SELECT * FROM mart_risk_schools WHERE ay = $ay - 1),
prevention AS (
    SELECT school_code, bool_or(has_prevention_system) AS has_system
    FROM raw_prevention WHERE ay = $ay AND has_prevention_system IS NOT NULL
    GROUP BY ALL
),
risk AS (
    SELECT s.municipality_code, s.school_code,
           c.school_code IS NOT NULL AS has_cur,
           p.school_code IS NOT NULL AS has_prev,
           c.is_risk AS risk_cur, p.is_risk AS risk_prev,
           coalesce(c.risk_sections, []) AS sections_cur,
           coalesce(p.risk_sections, []) AS sections_prev,
           coalesce(c.flag_material, false) OR coalesce(c.flag_staff, false) AS deficit_cur,
           coalesce(p.flag_material, false) OR coalesce(p.flag_staff, false) AS deficit_prev,
           list_filter(coalesce(c.risk_sections, []), lambda x: x IN ('material', 'staff'))
               || coalesce(c.material_no_items, []) AS deficits_cur,
           (c.flag_material IS NOT NULL OR c.flag_staff IS NOT NULL) AS deficit_known_cur,
           (p.flag_material IS NOT NULL OR p.flag_staff IS NOT NULL) AS deficit_known_prev,
           pr.has_system
    FROM schools s
    LEFT JOIN risk_cur c USING (school_code)
    LEFT JOIN risk_prev p USING (school_code)
    LEFT JOIN prevention pr USING (school_code)
),
pairs AS (
    SELECT pair[1] AS from_procedure, pair[2] AS to_procedure,
           'cohort_' || regexp_replace(pair[2], '_[0-9]+$', '') AS indicator_code
    FROM (SELECT unnest($monitoring_cohort_pairs) AS pair)
),
-- read three times, each for one AY and procedure: not materialised, so each reading's
-- filter reaches the scan instead of a copy of every AY's results being written
vpr AS NOT MATERIALIZED (
    SELECT * FROM int_procedure_results WHERE participants >= $shnor_min_participants
),
cohort AS (
    SELECT s.municipality_code, s.school_code, pr.indicator_code,
           f.low_share_pct AS prev_pct, t.low_share_pct AS cur_pct,
           f.school_code IS NOT NULL AND t.school_code IS NOT NULL AS has_data,
           coalesce(100.0 * t.low_count / t.participants < 100.0 * f.low_count / f.participants, false) AS hit
    FROM schools s
    CROSS JOIN pairs pr
    LEFT JOIN vpr f ON f.school_code = s.school_code AND f.ay = $ay - 1 AND f.procedure = pr.from_procedure
    LEFT JOIN vpr t ON t.school_code = s.school_code AND t.ay = $ay AND t.procedure = pr.to_procedure
),
oge AS (
    SELECT s.municipality_code, s.school_code, o.procedure || '_no_fail' AS indicator_code,
           r.school_code IS NOT NULL AS has_data, coalesce(r.low_count = 0, false) AS hit,
           r.low_share_pct AS cur_pct
    FROM schools s
    CROSS JOIN (SELECT unnest($monitoring_oge_procedures) AS procedure) o
    LEFT JOIN vpr r ON r.school_code = s.school_code AND r.ay = $ay AND r.procedure = o.procedure
),
facts AS (
    SELECT $ay AS ay, NULL::INTEGER AS half, municipality_code, 'risk_found' AS indicator_code,
           'schools' AS kind, school_code, has_cur AS has_data, coalesce(risk_cur, false) AS hit,
           NULL::DOUBLE AS num, NULL::DOUBLE AS den, NULL::DOUBLE AS prev_pct, NULL::DOUBLE AS cur_pct,
           sections_cur AS factors,
           'перечень рисковых школ за ' || $ay || ' год (октябрьский цикл) не рассчитан' AS source_hint
    FROM risk
    UNION ALL
    SELECT $ay, NULL, municipality_code, 'risk_prevention_organised', 'schools', school_code,
           has_cur AND has_system IS NOT NULL, coalesce(risk_cur AND has_system, false), NULL, NULL, NULL, NULL, [],
           'нет перечня рисковых школ за ' || $ay || ' год или отчётов о профилактике (prevention) за этот год'
    FROM risk
    UNION ALL
    SELECT $ay, NULL, municipality_code, 'risk_eliminated', 'schools', school_code, has_cur AND has_prev,
           coalesce(risk_prev AND NOT risk_cur, false), NULL, NULL, NULL, NULL,
           list_filter(sections_prev, lambda x: NOT list_contains(sections_cur, x)),
           'нужны перечни рисковых школ за ' || ($ay - 1) || ' и ' || $ay || ' годы (октябрьские циклы)'
    FROM risk
    UNION ALL
    SELECT $ay, NULL, municipality_code, 'resource_deficits_found', 'schools', school_code,
           has_cur AND deficit_known_cur, deficit_cur, NULL, NULL, NULL, NULL, deficits_cur,
           'перечень рисковых школ за ' || $ay || ' год (октябрьский цикл) не рассчитан'
    FROM risk
    UNION ALL
    SELECT $ay, NULL, municipality_code, 'resource_deficits_eliminated', 'schools', school_code,
           has_cur AND has_prev AND deficit_known_cur AND deficit_known_prev,
           deficit_prev AND NOT deficit_cur, NULL, NULL, NULL, NULL, [],
           'нужны перечни рисковых школ за ' || ($ay - 1) || ' и ' || $ay || ' годы (октябрьские циклы)'
    FROM risk
    UNION ALL
    -- the values of a school without comparable data are not shown in `details`
    SELECT $ay, NULL, municipality_code, indicator_code, 'schools', school_code, has_data, hit, NULL, NULL,
           CASE WHEN has_data THEN prev_pct END, CASE WHEN has_data THEN cur_pct END, [],
           'нет пар результатов ВПР: 4 класс за ' || ($ay - 1) || ' год и 5 класс за ' || $ay || ' год'
    FROM cohort
    UNION ALL
    SELECT $ay, NULL, municipality_code, indicator_code, 'schools', school_code, has_data, hit, NULL, NULL,
           NULL, CASE WHEN has_data THEN cur_pct END, [],
           'нет результатов ОГЭ (gia) за ' || $ay || ' год'
    FROM oge
),
-- every municipality of the registry × every indicator of `risk_monitoring`
frame AS (
    SELECT $ay AS ay, NULL::INTEGER AS half, m.municipality_code, m.municipality_name,
           r.indicator_code, r.indicator_title, r.seed_ref, r.unit, r.sort_order,
           NULL::VARCHAR AS forced_reason,
           'в реестре нет школ муниципалитета' AS empty_reason
    FROM (SELECT DISTINCT municipality_code, municipality_name FROM stg_schools WHERE in_registry) m
    CROSS JOIN reference_indicators r
    WHERE r.output_table = 'risk_monitoring'
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
    -- every indicator here is a share of schools: integer counts
    numerator::BIGINT AS numerator,
    denominator::BIGINT AS denominator,
    value_pct,
    status,
    no_data_reason,
    coalesce(listed_schools, []) AS schools,
    coalesce(nodata_schools, []) AS schools_no_data,
    coalesce(factor_counts, []) AS factors,
    details,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM engine_rows
