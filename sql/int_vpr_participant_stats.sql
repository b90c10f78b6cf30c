-- ВПР participant files aggregated to the school × grade × subject × AY grain of
-- «Статистика по отметкам» (participants, marks 2–5), plus what only participant rows
-- can tell: the comparison of the ВПР mark with the journal mark (seed 000/001
-- objectivity analysis) and the quality findings of the mark cross-check.
--   raised  («Повысили»):    ВПР mark > journal mark
--   lowered («Понизили»):    ВПР mark < journal mark
--   raised_by2 / lowered_by2: the difference is two marks or more
SELECT
    ay,
    school_code,
    grade,
    subject,
    count(*) FILTER (WHERE mark IS NOT NULL) AS participants,
    count(*) FILTER (WHERE mark = 2) AS mark2,
    count(*) FILTER (WHERE mark = 3) AS mark3,
    count(*) FILTER (WHERE mark = 4) AS mark4,
    count(*) FILTER (WHERE mark = 5) AS mark5,
    count(*) FILTER (WHERE mark IS NOT NULL AND journal_mark IS NOT NULL) AS with_journal,
    count(*) FILTER (WHERE mark < journal_mark) AS lowered,
    count(*) FILTER (WHERE mark = journal_mark) AS confirmed,
    count(*) FILTER (WHERE mark > journal_mark) AS raised,
    count(*) FILTER (WHERE mark >= journal_mark + 2) AS raised_by2,
    count(*) FILTER (WHERE journal_mark >= mark + 2) AS lowered_by2,
    count(*) FILTER (WHERE mark_source = 'scale') AS marks_from_scale,
    count(*) FILTER (WHERE mark_mismatch) AS mark_mismatches,
    count(*) FILTER (WHERE score_outside_scale) AS scores_outside_scale
FROM int_vpr_participant_marks
GROUP BY ALL
