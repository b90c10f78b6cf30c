-- Document query (September справка, the effectiveness of the measures, seed 003 §3.3):
-- every school on the ШНОР list of the year that ended ($ay − 1), its low results pooled
-- over the ШНОР procedures in $ay − 2 and $ay − 1 (exact counts), and whether it stays on
-- the list of $ay. improved / worsened compare the pooled shares; a school without results
-- in one of the years is 'no_data'.
WITH listed AS (
    SELECT l.school_code, s.municipality_code, s.short_name
    FROM int_shnor_list l JOIN stg_schools s USING (school_code)
    WHERE l.ay = $ay - 1 AND l.is_shnor
),
pooled AS (
    SELECT school_code, ay, sum(low_count) AS low_count, sum(participants) AS participants
    FROM int_procedure_results
    WHERE ay IN ($ay - 1, $ay - 2) AND list_contains($shnor_procedures, procedure)
      AND participants >= $shnor_min_participants
    GROUP BY ALL
),
now AS (
    SELECT school_code, is_shnor FROM int_shnor_list WHERE ay = $ay
)
SELECT l.municipality_code, l.school_code, l.short_name,
       p.low_count AS prev_low_count, p.participants AS prev_participants,
       c.low_count, c.participants,
       100.0 * p.low_count / p.participants AS prev_low_share_pct,
       100.0 * c.low_count / c.participants AS low_share_pct,
       100.0 * c.low_count / c.participants - 100.0 * p.low_count / p.participants AS change_pp,
       CASE WHEN coalesce(p.participants, 0) = 0 OR coalesce(c.participants, 0) = 0 THEN 'no_data'
            WHEN 1.0 * c.low_count / c.participants < 1.0 * p.low_count / p.participants THEN 'better'
            WHEN 1.0 * c.low_count / c.participants > 1.0 * p.low_count / p.participants THEN 'worse'
            ELSE 'same' END AS trend,
       coalesce(n.is_shnor, false) AS stays_on_list
FROM listed l
LEFT JOIN pooled p ON p.school_code = l.school_code AND p.ay = $ay - 2
LEFT JOIN pooled c ON c.school_code = l.school_code AND c.ay = $ay - 1
LEFT JOIN now n ON n.school_code = l.school_code
ORDER BY l.municipality_code, l.short_name
