-- ВПР results per school × grade × subject × AY: participants and counts of marks 2–5.
-- Two inputs of the same grain:
--   * participant files (int_vpr_participant_stats: exact counts, marks from the export or
--     the official scale);
--   * the school-level «Статистика по отметкам» (raw_vpr_stats; percentages turned into
--     counts on ingest, so rounded).
-- Where both exist for the same AY × school × grade × subject, the participant files win
-- (exact, and the same rows the objectivity flags read); `stats_source` says which one
-- a row came from and `school_level_participants` keeps the other's count to compare.
-- The counts are BIGINT, as the participant files' counts are (a sum of integers is
-- HUGEINT in DuckDB: 16 bytes a value to write; at country writing the five counts and
-- `school_level_participants` as HUGEINT cost ≈ 0.3 s CPU more, docs/benchmarks.md
-- «Session 11: cmp11»).
WITH school_level AS (
    SELECT
        ay, school_code, grade, subject,
        sum(participants)::BIGINT AS participants,
        sum(mark2)::BIGINT AS mark2, sum(mark3)::BIGINT AS mark3, sum(mark4)::BIGINT AS mark4,
        sum(mark5)::BIGINT AS mark5
    FROM raw_vpr_stats
    GROUP BY ALL
),
participant_level AS (
    SELECT ay, school_code, grade, subject, participants, mark2, mark3, mark4, mark5
    FROM int_vpr_participant_stats
    WHERE participants > 0
)
SELECT p.*, 'participants' AS stats_source, s.participants AS school_level_participants
FROM participant_level p
LEFT JOIN school_level s USING (ay, school_code, grade, subject)
UNION ALL BY NAME
SELECT s.*, 'school_stats' AS stats_source, s.participants AS school_level_participants
FROM school_level s
ANTI JOIN participant_level p USING (ay, school_code, grade, subject)
