-- Document query (September справка, addressed recommendations): every low result of a
-- ШНОР procedure in AY $ay − 1 and $ay − 2, per school, exact counts.
SELECT s.municipality_code, p.school_code, s.short_name, p.ay, p.procedure, p.participants, p.low_count,
       100.0 * p.low_count / p.participants AS low_share_pct,
       p.participants < $shnor_weak_below_participants AS is_weak
FROM int_procedure_results p JOIN stg_schools s USING (school_code)
WHERE p.ay IN ($ay - 1, $ay - 2) AND p.is_low AND list_contains($shnor_procedures, p.procedure)
  AND p.participants >= $shnor_min_participants
ORDER BY s.municipality_code, p.school_code, p.ay DESC, p.procedure
