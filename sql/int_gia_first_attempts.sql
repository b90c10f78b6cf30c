-- ГИА results that count for ШНОР (seed 003 §2.1): the result obtained before any
-- retake, graduates of the current year only. One row per participant × exam × subject:
-- when a participant wrote the first attempt on several days (main, then reserve),
-- the earliest period counts. `passed_min` comes from the РЦОИ export when given,
-- otherwise from the dated minimum-score reference (ЕГЭ) or the minimum mark (ОГЭ,
-- ЕГЭ base maths, ГВЭ).
WITH counted AS (
    SELECT g.*
    FROM raw_gia g
    WHERE list_contains($gia_count_categories, coalesce(g.category, 'current'))
      AND list_contains($gia_count_periods, coalesce(g.period, 'main'))
      AND NOT ($gia_exclude_retakes AND coalesce(g.is_retake, false))
),
first_attempt AS (
    SELECT *
    FROM counted
    QUALIFY row_number() OVER (
        PARTITION BY ay, participant_id, exam, subject
        ORDER BY CASE coalesce(period, 'main') WHEN 'main' THEN 1 WHEN 'reserve' THEN 2 ELSE 3 END, _row
    ) = 1
),
thresholds AS (
    SELECT f.ay, f.participant_id, f.exam, f.subject,
           arg_max(r.min_test_score, r.valid_from_ay) AS min_test_score,
           arg_max(r.min_mark, r.valid_from_ay) AS min_mark
    FROM first_attempt f
    JOIN reference_ege_min_scores r
      ON f.exam = 'ege' AND r.subject = f.subject AND r.valid_from_ay <= f.ay
    GROUP BY ALL
)
SELECT
    f.ay,
    f.school_code,
    f.participant_id,
    f.exam,
    f.subject,
    f.exam || '_' || f.subject AS procedure,
    f.period,
    f.test_score,
    f.mark,
    coalesce(
        f.passed_min,
        CASE
            WHEN t.min_test_score IS NOT NULL THEN f.test_score >= t.min_test_score
            WHEN t.min_mark IS NOT NULL THEN f.mark >= t.min_mark
            WHEN f.exam IN ('oge', 'gve') THEN f.mark >= $gia_min_mark
        END
    ) AS passed_min
FROM first_attempt f
LEFT JOIN thresholds t USING (ay, participant_id, exam, subject)
