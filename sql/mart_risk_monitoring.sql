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
vpr AS (
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
    SELECT municipality_code, 'risk_found' AS indicator_code, school_code, has_cur AS has_data,
           coalesce(risk_cur, false) AS hit, sections_cur AS factors, NULL::DOUBLE AS prev_pct,
           NULL::DOUBLE AS cur_pct,
           'перечень рисковых школ за ' || $ay || ' год (октябрьский цикл) не рассчитан' AS source_hint
    FROM risk
    UNION ALL
    SELECT municipality_code, 'risk_prevention_organised', school_code, has_cur AND has_system IS NOT NULL,
           coalesce(risk_cur AND has_system, false), [], NULL, NULL,
           'нет перечня рисковых школ за ' || $ay || ' год или отчётов о профилактике (prevention) за этот год'
    FROM risk
    UNION ALL
    SELECT municipality_code, 'risk_eliminated', school_code, has_cur AND has_prev,
           coalesce(risk_prev AND NOT risk_cur, false), list_filter(sections_prev, lambda x: NOT list_contains(sections_cur, x)),
           NULL, NULL,
           'нужны перечни рисковых школ за ' || ($ay - 1) || ' и ' || $ay || ' годы (октябрьские циклы)'
    FROM risk
    UNION ALL
    SELECT municipality_code, 'resource_deficits_found', school_code, has_cur AND deficit_known_cur,
           deficit_cur, deficits_cur, NULL, NULL,
           'перечень рисковых школ за ' || $ay || ' год (октябрьский цикл) не рассчитан'
    FROM risk
    UNION ALL
    SELECT municipality_code, 'resource_deficits_eliminated', school_code,
           has_cur AND has_prev AND deficit_known_cur AND deficit_known_prev,
           deficit_prev AND NOT deficit_cur, [], NULL, NULL,
           'нужны перечни рисковых школ за ' || ($ay - 1) || ' и ' || $ay || ' годы (октябрьские циклы)'
    FROM risk
    UNION ALL
    SELECT municipality_code, indicator_code, school_code, has_data, hit, [], prev_pct, cur_pct,
           'нет пар результатов ВПР: 4 класс за ' || ($ay - 1) || ' год и 5 класс за ' || $ay || ' год'
    FROM cohort
    UNION ALL
    SELECT municipality_code, indicator_code, school_code, has_data, hit, [], NULL, cur_pct,
           'нет результатов ОГЭ (gia) за ' || $ay || ' год'
    FROM oge
),
agg AS (
    SELECT municipality_code, indicator_code,
           any_value(source_hint) AS source_hint,
           count(*) AS population,
           count(*) FILTER (WHERE has_data) AS with_data,
           count(*) FILTER (WHERE hit) AS hits,
           coalesce(list(school_code ORDER BY school_code) FILTER (WHERE hit), []) AS hit_schools,
           coalesce(list(school_code ORDER BY school_code) FILTER (WHERE NOT has_data), []) AS nodata_schools,
           list({'school_code': school_code, 'prev_pct': prev_pct, 'cur_pct': cur_pct} ORDER BY school_code)
               FILTER (WHERE has_data AND (prev_pct IS NOT NULL OR cur_pct IS NOT NULL)) AS details,
           flatten(list(factors) FILTER (WHERE hit)) AS all_factors
    FROM facts
    GROUP BY ALL
),
factor_counts AS (
    SELECT municipality_code, indicator_code,
           list({'factor': factor, 'schools': n} ORDER BY n DESC, factor) AS factors
    FROM (
        SELECT municipality_code, indicator_code, factor, count(*) AS n
        FROM (SELECT municipality_code, indicator_code, unnest(all_factors) AS factor FROM agg)
        GROUP BY ALL
    )
    GROUP BY ALL
),
municipalities AS (
    SELECT DISTINCT municipality_code, municipality_name FROM stg_schools WHERE in_registry
),
wanted AS (
    SELECT m.*, r.indicator_code, r.indicator_title, r.seed_ref, r.unit, r.sort_order
    FROM municipalities m CROSS JOIN reference_indicators r
    WHERE r.output_table = 'risk_monitoring'
),
judged AS (
    SELECT w.*, a.hits, a.hit_schools, a.nodata_schools, a.details, f.factors,
           CASE WHEN $monitoring_denominator = 'with_data' THEN a.with_data ELSE a.population END AS den,
           CASE
               WHEN coalesce(a.population, 0) = 0 THEN 'в реестре нет школ муниципалитета'
               WHEN a.with_data = 0 THEN 'нет данных: ' || a.source_hint
           END AS no_data_reason
    FROM wanted w
    LEFT JOIN agg a USING (municipality_code, indicator_code)
    LEFT JOIN factor_counts f USING (municipality_code, indicator_code)
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
    CASE WHEN no_data_reason IS NULL THEN hits END AS numerator,
    CASE WHEN no_data_reason IS NULL THEN den END AS denominator,
    CASE WHEN no_data_reason IS NULL AND den > 0 THEN round(100.0 * hits / den, 2) END AS value_pct,
    CASE WHEN no_data_reason IS NULL THEN 'ok' ELSE 'no_data' END AS status,
    no_data_reason,
    coalesce(hit_schools, []) AS schools,
    coalesce(nodata_schools, []) AS schools_no_data,
    coalesce(factors, []) AS factors,
    details,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM judged
