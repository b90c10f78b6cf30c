-- Output table `assessment_results` (issue 14; seed 001 §3, seed 000 пп. 5–6): the other
-- assessments in one long table, school × AY × procedure, for AY $ay.
--   НИКО                        niko_<subject>_<grade>            low «2», mid «3», high «4»+«5»
--   ВсОШ by stage               olympiad_<stage>_<subject>        high = winners + prize-winners
--   итоговое собеседование (9)  interview_9_<attempt>             low «незачёт», high «зачёт»
--   функциональная грамотность  literacy_<domain>_<grade>         low недостаточный + низкий,
--                                                                 mid средний, high повышенный + высокий
--   TIMSS / PIRLS / PISA-type   intl_<study>[_<grade>]            participants against the quota
-- Same pattern as the indicator engine (docs/indicator-engine.md): each source only maps
-- its rows onto a fixed set of fact columns (`facts`); shares, the low mark, the weak-group
-- mark and the quota check are computed once, below, for every procedure.
WITH facts AS (
    SELECT ay, school_code, 'niko' AS assessment,
           'niko_' || subject || '_' || grade AS procedure,
           subject, grade, NULL::VARCHAR AS stage, NULL::VARCHAR AS domain, NULL::VARCHAR AS study,
           NULL::VARCHAR AS attempt,
           participants, NULL::BIGINT AS quota,
           mark2 AS low_count, mark3 AS mid_count, mark4 + mark5 AS high_count,
           NULL::BIGINT AS winners, NULL::BIGINT AS prize_winners
    FROM raw_niko WHERE ay = $ay
    UNION ALL
    SELECT ay, school_code, 'olympiad', 'olympiad_' || stage || '_' || subject,
           subject, NULL, stage, NULL, NULL, NULL,
           participants, NULL, NULL, NULL,
           coalesce(winners, 0) + coalesce(prize_winners, 0), winners, prize_winners
    FROM raw_olympiad WHERE ay = $ay
    UNION ALL
    SELECT ay, school_code, 'interview', 'interview_9_' || attempt,
           NULL, 9, NULL, NULL, NULL, attempt,
           participants, NULL, participants - passed, NULL, passed, NULL, NULL
    FROM raw_interview WHERE ay = $ay
    UNION ALL
    SELECT ay, school_code, 'literacy', 'literacy_' || domain || '_' || grade,
           NULL, grade, NULL, domain, NULL, NULL,
           participants, NULL,
           coalesce(level_insufficient, 0) + coalesce(level_low, 0), level_medium,
           coalesce(level_raised, 0) + coalesce(level_high, 0), NULL, NULL
    FROM raw_literacy WHERE ay = $ay
    UNION ALL
    SELECT ay, school_code, 'intl_studies',
           'intl_' || study || coalesce('_' || grade, ''),
           NULL, grade, NULL, NULL, study, NULL,
           participants, quota, NULL, NULL, NULL, NULL, NULL
    FROM raw_intl_studies WHERE ay = $ay
)
SELECT
    f.ay,
    f.school_code,
    s.municipality_code,
    s.municipality_name,
    s.short_name,
    f.assessment,
    f.procedure,
    f.subject,
    f.grade,
    f.stage,
    f.domain,
    f.study,
    f.attempt,
    f.participants::BIGINT AS participants,
    f.quota::BIGINT AS quota,
    round(100.0 * f.participants / nullif(f.quota, 0), 2) AS quota_coverage_pct,
    CASE WHEN f.quota > 0 THEN 100.0 * f.participants / f.quota >= $assessments_quota_coverage_pct_at_least END
        AS quota_met,
    f.low_count::BIGINT AS low_count,
    round(100.0 * f.low_count / nullif(f.participants, 0), 2) AS low_share_pct,
    f.mid_count::BIGINT AS mid_count,
    round(100.0 * f.mid_count / nullif(f.participants, 0), 2) AS mid_share_pct,
    f.high_count::BIGINT AS high_count,
    round(100.0 * f.high_count / nullif(f.participants, 0), 2) AS high_share_pct,
    f.winners::BIGINT AS winners,
    f.prize_winners::BIGINT AS prize_winners,
    -- low: the share of the lowest level at or above the threshold (procedures with levels)
    CASE WHEN f.low_count IS NOT NULL AND f.participants > 0
         THEN 100.0 * f.low_count / f.participants >= $assessments_low_share_pct END AS is_low,
    -- weak group: fewer participants than the threshold (results shown, marked as weak)
    f.participants < $assessments_weak_below_participants AS is_weak,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM facts f
LEFT JOIN stg_schools s USING (school_code)
