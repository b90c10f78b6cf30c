-- Output table `procedure_results` (SPEC §4.9): school × AY × procedure with
-- participants, low count, low share and whether it is low; small groups marked weak.
SELECT
    p.school_code,
    p.ay,
    s.municipality_code,
    s.short_name,
    p.procedure,
    p.kind,
    p.participants::BIGINT AS participants,  -- whole numbers of pupils (issue 13)
    p.low_count::BIGINT AS low_count,
    p.low_share_pct,
    p.is_low,
    p.is_weak,
    list_contains($shnor_procedures, p.procedure) AS is_shnor_procedure,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM int_procedure_results p
JOIN stg_schools s USING (school_code)
WHERE p.ay = $ay
