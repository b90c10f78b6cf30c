-- ВПР results per school × grade × subject × AY: participants and counts of marks 2–5.
-- Two inputs of the same grain:
--   * participant files (int_vpr_participant_stats: exact counts, marks from the export or
--     the official scale);
--   * the school-level «Статистика по отметкам» (raw_vpr_stats; percentages turned into
--     counts on ingest, so rounded).
-- Where both exist for the same AY × school × grade × subject, the participant files win
-- (exact, and the same rows the objectivity flags read); `stats_source` says which one
-- a row came from and `school_level_participants` keeps the other's count to compare.
WITH school_level AS (
    SELECT
        ay, school_code, grade, subject,
        sum(participants) AS participants,
        sum(mark2) AS mark2, sum(mark3) AS mark3, sum(mark4) AS mark4, sum(mark5) AS mark5
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
