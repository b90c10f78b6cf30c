-- Document query (September справка, section on the other assessments): the municipality's
-- totals of each procedure of `mart_assessment_results` for AY $ay − 1 (the year that
-- ended), exact counts and shares, with the schools whose result is low and the schools
-- whose group is weak. Shares are computed here; the template only formats them.
SELECT
    municipality_code,
    assessment,
    procedure,
    -- ВсОШ in the order of its stages: school, municipal, regional
    CASE WHEN starts_with(procedure, 'olympiad_school_') THEN 1
         WHEN starts_with(procedure, 'olympiad_municipal_') THEN 2
         WHEN starts_with(procedure, 'olympiad_regional_') THEN 3 ELSE 0 END AS stage_order,
    count(*) AS schools,
    sum(participants)::BIGINT AS participants,
    sum(quota)::BIGINT AS quota,
    round(100.0 * sum(participants) FILTER (WHERE quota IS NOT NULL) / nullif(sum(quota), 0), 2) AS quota_coverage_pct,
    sum(low_count)::BIGINT AS low_count,
    round(100.0 * sum(low_count) / nullif(sum(participants) FILTER (WHERE low_count IS NOT NULL), 0), 2) AS low_share_pct,
    sum(high_count)::BIGINT AS high_count,
    round(100.0 * sum(high_count) / nullif(sum(participants) FILTER (WHERE high_count IS NOT NULL), 0), 2) AS high_share_pct,
    sum(winners)::BIGINT AS winners,
    sum(prize_winners)::BIGINT AS prize_winners,
    list(short_name ORDER BY short_name) FILTER (WHERE is_low) AS low_schools,
    list(short_name ORDER BY short_name) FILTER (WHERE quota_met = false) AS quota_not_met_schools,
    bool_or(is_weak) AS any_weak,
    sum(participants) < $assessments_weak_below_participants AS is_weak
FROM mart_assessment_results
WHERE ay = $ay - 1
GROUP BY ALL
ORDER BY municipality_code, assessment, stage_order, procedure
