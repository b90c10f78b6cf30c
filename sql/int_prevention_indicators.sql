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
-- one fact per school and indicator: (code, kind, has_data, hit, numerator, denominator);
-- «persons» indicators are shares of pupils, «schools» ones of schools (the engine)
facts AS (
    SELECT ay, half, municipality_code, f.indicator_code, f.kind, school_code, f.has_data, f.hit,
           f.num, f.den, NULL::DOUBLE AS prev_pct, NULL::DOUBLE AS cur_pct, []::VARCHAR[] AS factors,
           (SELECT hint FROM source_hint) AS source_hint
    FROM (
        SELECT *, unnest([
            {'indicator_code': 'prevention_system', 'kind': 'schools',
             'has_data': has_prevention_system IS NOT NULL, 'hit': coalesce(has_prevention_system, false),
             'num': NULL::DOUBLE, 'den': NULL::DOUBLE},
            {'indicator_code': 'prevention_iom', 'kind': 'persons',
             'has_data': with_iom IS NOT NULL AND low_achieving IS NOT NULL AND failing IS NOT NULL, 'hit': false,
             'num': with_iom::DOUBLE, 'den': (low_achieving + failing)::DOUBLE},
            {'indicator_code': 'prevention_extra_classes', 'kind': 'persons',
             'has_data': failing_in_extra_classes IS NOT NULL AND failing IS NOT NULL, 'hit': false,
             'num': failing_in_extra_classes::DOUBLE, 'den': failing::DOUBLE},
            {'indicator_code': 'prevention_failing_share', 'kind': 'persons',
             'has_data': failing IS NOT NULL AND students_total IS NOT NULL, 'hit': false,
             'num': failing::DOUBLE, 'den': students_total::DOUBLE},
            {'indicator_code': 'prevention_low_achieving_share', 'kind': 'persons',
             'has_data': low_achieving IS NOT NULL AND students_total IS NOT NULL, 'hit': false,
             'num': low_achieving::DOUBLE, 'den': students_total::DOUBLE},
            -- seed 003 §4.5 «Меры и мероприятия»: shares of schools that took each measure
            {'indicator_code': 'prevention_mentoring', 'kind': 'schools', 'has_data': mentor_pairs IS NOT NULL,
             'hit': coalesce(mentor_pairs >= $monitoring_prevention_min_mentor_pairs, false),
             'num': NULL::DOUBLE, 'den': NULL::DOUBLE},
            {'indicator_code': 'prevention_antirisk_programme', 'kind': 'schools',
             'has_data': antirisk_programme IS NOT NULL, 'hit': coalesce(antirisk_programme, false),
             'num': NULL::DOUBLE, 'den': NULL::DOUBLE},
            {'indicator_code': 'prevention_parent_meetings', 'kind': 'schools', 'has_data': parent_meetings IS NOT NULL,
             'hit': coalesce(parent_meetings >= $monitoring_prevention_min_parent_meetings, false),
             'num': NULL::DOUBLE, 'den': NULL::DOUBLE},
            {'indicator_code': 'prevention_low_achievers_plan', 'kind': 'schools',
             'has_data': low_achievers_plan IS NOT NULL, 'hit': coalesce(low_achievers_plan, false),
             'num': NULL::DOUBLE, 'den': NULL::DOUBLE},
            {'indicator_code': 'prevention_psych_service', 'kind': 'schools',
             'has_data': psych_service IS NOT NULL, 'hit': coalesce(psych_service, false),
             'num': NULL::DOUBLE, 'den': NULL::DOUBLE}
        ]) AS f
        FROM universe
    )
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
