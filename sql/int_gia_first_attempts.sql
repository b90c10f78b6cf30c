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
-- Most participants write a subject once: only the keys that occur more than once (a main
-- and a reserve day) are ordered; every other row is its own first attempt. The key columns
-- are required by the contract (never NULL), so the anti and semi joins split the rows.
keys_twice AS (
    SELECT ay, participant_id, exam, subject
    FROM counted
    GROUP BY ALL
    HAVING count(*) > 1
),
first_attempt AS (
    SELECT * FROM counted ANTI JOIN keys_twice USING (ay, participant_id, exam, subject)
    UNION ALL
    SELECT *
    FROM (SELECT * FROM counted SEMI JOIN keys_twice USING (ay, participant_id, exam, subject))
    QUALIFY row_number() OVER (
        PARTITION BY ay, participant_id, exam, subject
        ORDER BY CASE coalesce(period, 'main') WHEN 'main' THEN 1 WHEN 'reserve' THEN 2 ELSE 3 END, _row
    ) = 1
),
-- The ЕГЭ minimum in force in an AY depends on the AY and the subject only: looked up once
-- per AY × subject, not per participant.
thresholds AS (
    SELECT a.ay, a.subject,
           arg_max(r.min_test_score, r.valid_from_ay) AS min_test_score,
           arg_max(r.min_mark, r.valid_from_ay) AS min_mark
    FROM (SELECT DISTINCT ay, subject FROM first_attempt WHERE exam = 'ege') a
    JOIN reference_ege_min_scores r
      ON r.subject = a.subject AND r.valid_from_ay <= a.ay
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
LEFT JOIN thresholds t ON f.exam = 'ege' AND t.ay = f.ay AND t.subject = f.subject
