-- School context per AY for the October risk identification (seed 003 §3.2): the
-- context survey, with totals and ОВЗ taken from ОО-1 of the same AY where the survey
-- leaves them empty.
SELECT
    coalesce(c.school_code, o.school_code) AS school_code,
    coalesce(c.ay, o.ay) AS ay,
    c.internet_stable, c.computers_enough,
    c.lab_physics, c.lab_chemistry, c.lab_biology, c.lab_geography, c.lab_technology,
    coalesce(c.teachers_total, o.teachers_total) AS teachers_total,
    c.teachers_load_36plus,
    c.teachers_no_subject_diploma,
    coalesce(c.students_total, o.students_total) AS students_total,
    c.students_registered,
    coalesce(c.students_ovz, o.students_ovz) AS students_ovz,
    c.students_foreign_language,
    c.students_absent_systematic,
    c.students_failing,
    c.school_code IS NOT NULL AS has_context_survey,
    o.school_code IS NOT NULL AS has_oo1
FROM raw_context c
FULL OUTER JOIN raw_oo1 o ON o.school_code = c.school_code AND o.ay = c.ay
