-- Prevention of academic failure (seed 003 §4.3), one row per municipality × AY × half ×
-- indicator, over every AY and half the semi-annual reports (`raw_prevention`) hold.
-- Long form: numerator, denominator, share, the schools behind it; an indicator with no
-- reports is 'no_data', never a zero. School shares use `$monitoring_denominator`: "all"
-- (every school of the registry, the seed's «доля ОУ») or "with_data" (schools that reported).
-- This model only builds the facts and the frame; the assembly is the indicator engine
-- (sql/fragments/indicator_engine.sql, docs/indicator-engine.md).
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
source_hint AS (
    SELECT 'отчёт о профилактике учебной неуспешности не содержит значений показателя' AS hint
),
facts AS (
    SELECT ay, half, municipality_code, 'prevention_system' AS indicator_code, 'schools' AS kind, school_code,
           has_prevention_system IS NOT NULL AS has_data, coalesce(has_prevention_system, false) AS hit,
           NULL::DOUBLE AS num, NULL::DOUBLE AS den, NULL::DOUBLE AS prev_pct, NULL::DOUBLE AS cur_pct,
           []::VARCHAR[] AS factors, (SELECT hint FROM source_hint) AS source_hint
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_iom', 'persons', school_code,
           with_iom IS NOT NULL AND low_achieving IS NOT NULL AND failing IS NOT NULL, false,
           with_iom, low_achieving + failing, NULL, NULL, [], (SELECT hint FROM source_hint)
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_extra_classes', 'persons', school_code,
           failing_in_extra_classes IS NOT NULL AND failing IS NOT NULL, false,
           failing_in_extra_classes, failing, NULL, NULL, [], (SELECT hint FROM source_hint)
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_failing_share', 'persons', school_code,
           failing IS NOT NULL AND students_total IS NOT NULL, false, failing, students_total, NULL, NULL, [],
           (SELECT hint FROM source_hint)
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_low_achieving_share', 'persons', school_code,
           low_achieving IS NOT NULL AND students_total IS NOT NULL, false, low_achieving, students_total,
           NULL, NULL, [], (SELECT hint FROM source_hint)
    FROM universe
    -- seed 003 §4.5 «Меры и мероприятия»: shares of schools that took each measure
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_mentoring', 'schools', school_code,
           mentor_pairs IS NOT NULL, coalesce(mentor_pairs >= $monitoring_prevention_min_mentor_pairs, false),
           NULL, NULL, NULL, NULL, [], (SELECT hint FROM source_hint)
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_antirisk_programme', 'schools', school_code,
           antirisk_programme IS NOT NULL, coalesce(antirisk_programme, false),
           NULL, NULL, NULL, NULL, [], (SELECT hint FROM source_hint)
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_parent_meetings', 'schools', school_code,
           parent_meetings IS NOT NULL, coalesce(parent_meetings >= $monitoring_prevention_min_parent_meetings, false),
           NULL, NULL, NULL, NULL, [], (SELECT hint FROM source_hint)
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_low_achievers_plan', 'schools', school_code,
           low_achievers_plan IS NOT NULL, coalesce(low_achievers_plan, false),
           NULL, NULL, NULL, NULL, [], (SELECT hint FROM source_hint)
    FROM universe
    UNION ALL
    SELECT ay, half, municipality_code, 'prevention_psych_service', 'schools', school_code,
           psych_service IS NOT NULL, coalesce(psych_service, false),
           NULL, NULL, NULL, NULL, [], (SELECT hint FROM source_hint)
    FROM universe
),
-- every (AY, half, municipality, indicator) the reports give facts for
frame AS (
    SELECT k.ay, k.half, k.municipality_code, m.municipality_name, k.indicator_code,
           r.indicator_title, r.seed_ref, r.sort_order,
           NULL::VARCHAR AS forced_reason, NULL::VARCHAR AS empty_reason
    FROM (SELECT DISTINCT ay, half, municipality_code, indicator_code FROM facts) k
    JOIN (SELECT DISTINCT municipality_code, municipality_name FROM stg_schools) m USING (municipality_code)
    JOIN reference_indicators r USING (indicator_code)
),
-- @include indicator_engine
SELECT
    ay,
    half,
    municipality_code,
    municipality_name,
    indicator_code,
    indicator_title,
    seed_ref,
    sort_order,
    numerator,
    -- the denominator is shown even when it is zero
    CASE WHEN with_data > 0 THEN den END AS denominator,
    value_pct,
    status,
    no_data_reason,
    listed_schools AS schools,
    nodata_schools AS schools_no_data
FROM engine_rows
