-- Document query (September справка): the municipality's share of «2» / below the
-- minimum by ШНОР procedure and AY, exact (numerator and denominator kept; the share is
-- rounded once, where it is printed). One row per municipality × procedure × AY of
-- $ay − 3 … $ay − 1, with the previous AY's share beside it.
WITH m AS (
    SELECT s.municipality_code, p.procedure, p.ay,
           sum(p.participants) AS participants, sum(p.low_count) AS low_count, count(*) AS schools
    FROM int_procedure_results p JOIN stg_schools s USING (school_code)
    WHERE p.ay BETWEEN $ay - 3 AND $ay - 1 AND list_contains($shnor_procedures, p.procedure)
      AND p.participants > 0
    GROUP BY ALL
)
SELECT c.*,
       100.0 * c.low_count / c.participants AS low_share_pct,
       c.participants < $shnor_weak_below_participants AS is_weak,
       p.low_count AS prev_low_count, p.participants AS prev_participants,
       100.0 * p.low_count / p.participants AS prev_low_share_pct,
       100.0 * c.low_count / c.participants - 100.0 * p.low_count / p.participants AS change_pp
FROM m c
LEFT JOIN m p ON p.municipality_code = c.municipality_code AND p.procedure = c.procedure AND p.ay = c.ay - 1
ORDER BY c.municipality_code, c.procedure, c.ay
