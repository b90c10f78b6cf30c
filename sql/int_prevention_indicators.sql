-- Prevention of academic failure (seed 003 §4.3), one row per municipality × AY × half ×
-- indicator, over every AY and half the semi-annual reports (`raw_prevention`) hold.
-- Long form: numerator, denominator, share, the schools behind it; an indicator with no
-- reports is 'no_data', never a zero. School shares use `$monitoring_denominator`: "all"
-- (every school of the registry, the seed's «доля ОУ») or "with_data" (schools that reported).
WITH periods AS (
    SELECT DISTINCT ay, half FROM raw_prevention
),
reports AS (
    SELECT * FROM raw_prevention
),
universe AS (
    SELECT p.ay, p.half, s.school_code, s.municipality_code, s.municipality_name, r.*
        EXCLUDE (school_code, ay, half)
    FROM periods p
    CROSS JOIN stg_schools s
    LEFT JOIN reports r ON r.school_code = s.school_code AND r.ay = p.ay AND r.half = p.half
    WHERE s.in_registry OR r.school_code IS NOT NULL
),
facts AS (
    SELECT ay, half, municipality_code, 'prevention_system' AS indicator_code, 'schools' AS kind, school_code,
           has_prevention_system IS NOT NULL AS has_data, coalesce(has_prevention_system, false) AS hit,
           NULL::DOUBLE AS num, NULL::DOUBLE AS den
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_iom', 'persons', school_code,
           with_iom IS NOT NULL AND low_achieving IS NOT NULL AND failing IS NOT NULL, false,
           with_iom, low_achieving + failing
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_extra_classes', 'persons', school_code,
           failing_in_extra_classes IS NOT NULL AND failing IS NOT NULL, false,
           failing_in_extra_classes, failing
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_failing_share', 'persons', school_code,
           failing IS NOT NULL AND students_total IS NOT NULL, false, failing, students_total
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_low_achieving_share', 'persons', school_code,
           low_achieving IS NOT NULL AND students_total IS NOT NULL, false, low_achieving, students_total
    FROM universe
),
agg AS (
    SELECT ay, half, municipality_code, indicator_code,
           any_value(kind) AS kind,
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
parts AS (
    SELECT *,
           CASE kind WHEN 'schools' THEN hits ELSE num_sum END AS numerator,
           CASE WHEN kind = 'persons' THEN den_sum
                WHEN $monitoring_denominator = 'with_data' THEN with_data
                ELSE population END AS denominator
    FROM agg
),
municipalities AS (
    SELECT DISTINCT municipality_code, municipality_name FROM stg_schools
)
SELECT
    p.ay,
    p.half,
    p.municipality_code,
    m.municipality_name,
    p.indicator_code,
    r.indicator_title,
    r.seed_ref,
    r.sort_order,
    CASE WHEN p.with_data > 0 AND p.denominator > 0 THEN p.numerator END AS numerator,
    CASE WHEN p.with_data > 0 THEN p.denominator END AS denominator,
    CASE WHEN p.with_data > 0 AND p.denominator > 0 THEN round(100.0 * p.numerator / p.denominator, 2) END
        AS value_pct,
    CASE WHEN p.with_data > 0 AND p.denominator > 0 THEN 'ok' ELSE 'no_data' END AS status,
    CASE
        WHEN p.with_data = 0 THEN 'нет данных: отчёт о профилактике (prevention) не содержит значений показателя'
        WHEN p.denominator = 0 THEN 'нет данных: знаменатель равен нулю'
    END AS no_data_reason,
    CASE WHEN p.kind = 'schools' THEN p.hit_schools ELSE p.data_schools END AS schools,
    p.nodata_schools AS schools_no_data
FROM parts p
JOIN municipalities m USING (municipality_code)
JOIN reference_indicators r USING (indicator_code)
