-- ГИА results that count for ШНОР (seed 003 §2.1): the result obtained before any
-- retake, graduates of the current year only. One row per participant × exam × subject:
-- when a participant wrote the first attempt on several days (main, then reserve),
-- the earliest period counts. `passed_min` comes from the РЦОИ export when given,
-- otherwise from the dated minimum-score reference (ЕГЭ) or the minimum mark (ОГЭ,
-- ЕГЭ base maths, ГВЭ).
-- Only the columns the model returns or orders by are read (a CTE read several times would
-- otherwise be materialised with every column of raw_gia); `_key` is a hash of the first
-- attempt's key, one fixed-width value to group and join on instead of four columns.
WITH counted AS NOT MATERIALIZED (
    SELECT g.ay, g.school_code, g.participant_id, g.exam, g.subject, g.period, g.test_score, g.mark,
           g.passed_min, g._row, hash(g.ay, g.participant_id, g.exam, g.subject) AS _key
    FROM raw_gia g
    WHERE list_contains($gia_count_categories, coalesce(g.category, 'current'))
      AND list_contains($gia_count_periods, coalesce(g.period, 'main'))
      AND NOT ($gia_exclude_retakes AND coalesce(g.is_retake, false))
),
-- An AY whose last load ran the contract's `one_first_attempt` over all of its stored rows
-- (tasks/bulk.py: every non-retake row of a repeated participant × exam × subject rejected;
-- recorded in `ingest_set_rules`, deleted with the AY's rows) has no key written twice
-- among its counted rows when retakes are excluded (they are a subset of its non-retakes):
-- its rows are not sorted. A warehouse of an earlier release, an AY loaded by the pandas
-- path, or retakes counted: the full sort. When every AY of `raw_gia__files` (one row per
-- sheet) is proven, the gate `unproven` is false and the ids are not read for this at all.
proven AS (
    SELECT DISTINCT ay FROM ingest_set_rules
    WHERE source = 'gia' AND rule = 'one_first_attempt' AND $gia_exclude_retakes
),
unproven AS (
    SELECT count(*) > 0 AS any_ay FROM (SELECT ay FROM raw_gia__files EXCEPT SELECT ay FROM proven)
),
-- Most participants write a subject once: only the keys that occur more than once (a main
-- and a reserve day) are ordered; every other row is its own first attempt. The key columns
-- are required by the contract (never NULL). Grouped on the key's hash: two keys sharing a
-- hash only send both to the exact ordering below (which partitions by the key itself), so
-- the anti and semi joins still split the rows exactly.
keys_twice AS (
    SELECT DISTINCT _key
    FROM (SELECT _key, lag(_key) OVER (ORDER BY _key) AS _previous
          FROM counted WHERE (SELECT any_ay FROM unproven) AND ay NOT IN (SELECT ay FROM proven))
    WHERE _key = _previous
),
-- With no key written twice (the contract's `one_first_attempt` rejects them on ingest, so
-- with the default `exclude_retakes` there are none) every counted row is its own first
-- attempt and is read without its key: the participant ids are not read a second time and
-- the anti join is not probed (its branch's filter on `twice` is then a cross product with
-- an empty side, which DuckDB stops after one vector). With keys written twice, the first
-- branch is empty and the other two split the rows as before.
twice AS (SELECT count(*) > 0 AS any_key FROM keys_twice),
first_attempt AS NOT MATERIALIZED (
    SELECT * FROM counted WHERE NOT (SELECT any_key FROM twice)
    UNION ALL
    SELECT * FROM counted ANTI JOIN keys_twice USING (_key) WHERE (SELECT any_key FROM twice)
    UNION ALL
    SELECT *
    FROM (SELECT * FROM counted SEMI JOIN keys_twice USING (_key))
    QUALIFY row_number() OVER (
        PARTITION BY ay, participant_id, exam, subject
        ORDER BY CASE coalesce(period, 'main') WHEN 'main' THEN 1 WHEN 'reserve' THEN 2 ELSE 3 END, _row
    ) = 1
),
-- The ЕГЭ minimum in force in an AY depends on the AY and the subject only: looked up once
-- per AY × subject, not per participant, and only for the AYs × subjects of rows without a
-- `passed_min` of the export (the only rows joined to it; in generated and most real exports
-- none, and then the column's statistics let DuckDB skip the scan).
thresholds AS (
    SELECT a.ay, a.subject,
           arg_max(r.min_test_score, r.valid_from_ay) AS min_test_score,
           arg_max(r.min_mark, r.valid_from_ay) AS min_mark
    FROM (SELECT DISTINCT ay, subject FROM counted WHERE exam = 'ege' AND passed_min IS NULL) a
    JOIN reference_ege_min_scores r
      ON r.subject = a.subject AND r.valid_from_ay <= a.ay
    GROUP BY ALL
)
-- A `passed_min` given by the export is kept as it is; only the rows without one are joined
-- to the thresholds (in generated and most real exports: none).
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
    f.passed_min
FROM first_attempt f
WHERE f.passed_min IS NOT NULL
UNION ALL
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
    CASE
        WHEN t.min_test_score IS NOT NULL THEN f.test_score >= t.min_test_score
        WHEN t.min_mark IS NOT NULL THEN f.mark >= t.min_mark
        WHEN f.exam IN ('oge', 'gve') THEN f.mark >= $gia_min_mark
    END AS passed_min
FROM first_attempt f
LEFT JOIN thresholds t ON f.exam = 'ege' AND t.ay = f.ay AND t.subject = f.subject
WHERE f.passed_min IS NULL
