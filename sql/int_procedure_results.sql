-- One row per school × AY × assessment procedure (SPEC §4.1, seed 003 §2.1): the number
-- of participants, how many got «2» (ВПР) or did not reach the minimum (ОГЭ, ЕГЭ), the
-- share, and whether the result is low (share ≥ the configured threshold, 30 %).
-- A procedure is `vpr_<subject>_<grade>` or `<exam>_<subject>`.
-- Counts are integers (BIGINT): the school-level «Статистика по отметкам» gives marks as
-- percentages, turned into (rounded, whole) counts on ingest but stored as DOUBLE; a count
-- of pupils is published as a whole number, never 20.0 (issue 13).
WITH vpr AS (
    SELECT ay, school_code, 'vpr_' || subject || '_' || grade AS procedure, 'vpr' AS kind,
           round(participants)::BIGINT AS participants, round(mark2)::BIGINT AS low_count
    FROM int_vpr_school_stats
    WHERE participants > 0
),
gia AS (
    SELECT ay, school_code, exam || '_' || subject AS procedure, exam AS kind, participants, low_count
    FROM (
        SELECT ay, school_code, exam, subject,
               count(*)::BIGINT AS participants,
               count(*) FILTER (WHERE NOT passed_min)::BIGINT AS low_count
        FROM int_gia_first_attempts
        WHERE passed_min IS NOT NULL
        GROUP BY ay, school_code, exam, subject
    )
),
results AS (
    SELECT * FROM vpr
    UNION ALL
    SELECT * FROM gia
)
SELECT
    ay,
    school_code,
    procedure,
    kind,
    participants,
    low_count,
    round(100.0 * low_count / participants, 2) AS low_share_pct,
    100.0 * low_count / participants >= $shnor_low_share_pct AS is_low,
    participants < $shnor_weak_below_participants AS is_weak
FROM results
