-- The school universe: the registry, plus any school code that appears in results or
-- forms but is missing from the registry (kept, with no name, so nothing is lost).
WITH seen AS (
    SELECT school_code FROM raw_oo1
    UNION SELECT school_code FROM raw_context
    UNION SELECT school_code FROM raw_vpr_stats
    UNION SELECT school_code FROM raw_vpr_participants
    UNION SELECT school_code FROM raw_gia
    UNION SELECT school_code FROM raw_official_shnor
)
SELECT
    s.school_code,
    r.school_name,
    coalesce(r.short_name, r.school_name, s.school_code) AS short_name,
    coalesce(r.municipality_code, '—') AS municipality_code,
    coalesce(r.municipality_name, 'Муниципалитет не указан в реестре') AS municipality_name,
    r.school_type,
    r.levels,
    r.is_rural,
    r.school_code IS NOT NULL AS in_registry
FROM (SELECT school_code FROM raw_schools UNION SELECT school_code FROM seen) s
LEFT JOIN raw_schools r USING (school_code)
