-- Document query (January and June справки, addressed recommendations, seed 003 §4.3–4.5):
-- each school's semi-annual prevention report of AY $ay (both halves) and of $ay − 1, exact
-- counts; a school of the registry without a report has a row with NULLs (named as
-- «не представили отчёт»).
WITH periods AS (
    SELECT * FROM (VALUES ($ay, 1), ($ay, 2), ($ay - 1, 1), ($ay - 1, 2)) t(ay, half)
)
SELECT s.municipality_code, s.school_code, s.short_name, s.school_name, p.ay, p.half,
       r.school_code IS NOT NULL AS reported,
       r.has_prevention_system, r.students_total, r.low_achieving, r.failing, r.with_iom,
       r.failing_in_extra_classes,
       r.low_achieving + r.failing AS iom_needed
FROM stg_schools s
CROSS JOIN periods p
LEFT JOIN raw_prevention r ON r.school_code = s.school_code AND r.ay = p.ay AND r.half = p.half
WHERE s.in_registry
  AND EXISTS (SELECT 1 FROM raw_prevention x WHERE x.ay = p.ay AND x.half = p.half)
ORDER BY s.municipality_code, s.short_name, p.ay, p.half
