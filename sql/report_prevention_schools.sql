-- Document query (January and June справки, addressed recommendations, seed 003 §4.3–4.5):
-- each school's semi-annual prevention report of AY $ay (both halves) and of $ay − 1, exact
-- counts; a school of the registry without a report has a row with NULLs (named as
-- «не представили отчёт»). $municipalities: the chunk of municipalities read (NULL: all);
-- applied where the tables are read, so a chunk never holds the country's reports.
WITH periods AS (
    SELECT * FROM (VALUES ($ay, 1), ($ay, 2), ($ay - 1, 1), ($ay - 1, 2)) t(ay, half)
)
SELECT s.municipality_code, s.school_code, s.short_name, s.school_name, p.ay, p.half,
       r.school_code IS NOT NULL AS reported,
       r.has_prevention_system, r.students_total, r.low_achieving, r.failing, r.with_iom,
       r.failing_in_extra_classes,
       r.low_achieving + r.failing AS iom_needed,
       -- seed 003 §4.5 «Меры и мероприятия» (NULL: not in the report)
       r.mentor_pairs, r.antirisk_programme, r.parent_meetings, r.low_achievers_plan, r.psych_service,
       r.mentor_pairs >= $monitoring_prevention_min_mentor_pairs AS has_mentoring,
       r.parent_meetings >= $monitoring_prevention_min_parent_meetings AS held_parent_meetings,
       r.mentor_pairs IS NOT NULL OR r.antirisk_programme IS NOT NULL OR r.parent_meetings IS NOT NULL
           OR r.low_achievers_plan IS NOT NULL OR r.psych_service IS NOT NULL AS measures_reported
FROM stg_schools s
CROSS JOIN periods p
LEFT JOIN (SELECT * FROM raw_prevention WHERE ay IN ($ay, $ay - 1) AND school_code IN (
        SELECT school_code FROM stg_schools
        WHERE $municipalities IS NULL OR list_contains($municipalities, municipality_code))) r
    ON r.school_code = s.school_code AND r.ay = p.ay AND r.half = p.half
WHERE s.in_registry
  AND ($municipalities IS NULL OR list_contains($municipalities, s.municipality_code))
  AND EXISTS (SELECT 1 FROM raw_prevention x WHERE x.ay = p.ay AND x.half = p.half)
ORDER BY s.municipality_code, s.short_name, p.ay, p.half
