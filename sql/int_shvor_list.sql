-- Schools with stably high results (ШВОР, seed 000 п. 19 «стабильно низкие и стабильно
-- высокие результаты», seed 004). The seeds name the group but give no threshold, so the
-- rule is ours and every part of it is a parameter in [shvor]: a school is ШВОР for AY when,
-- in each of the `years` AYs before it,
--   * it has results in at least `min_procedures` of the `procedures` (from
--     `min_participants` participants),
--   * none of the ШНОР procedures is low (the ШНОР rule's own `is_low`), and
--   * its share of «4» and «5» over those procedures is at or above the municipality's
--     share of the same procedures in that AY plus `margin_pp` percentage points.
-- The shares are compared exactly (numerators and denominators cross-multiplied), so a
-- school at exactly the municipality's share qualifies.
-- @lookback $shvor_years
-- The procedures as (subject, grade), so that the ВПР rows are filtered on their own columns
-- (a procedure's code is `vpr_<subject>_<grade>`: only codes of that form name ВПР rows).
WITH shvor_kinds AS (
    SELECT DISTINCT p AS procedure, x.subject, TRY_CAST(x.grade AS INTEGER) AS grade
    FROM (SELECT p, regexp_extract(p, '^vpr_(.+)_([0-9]+)$', ['subject', 'grade']) AS x
          FROM unnest($shvor_procedures) t(p))
    WHERE 'vpr_' || x.subject || '_' || TRY_CAST(x.grade AS INTEGER) = p
),
counted AS (
    SELECT v.ay, v.school_code, k.procedure, v.participants, v.mark4 + v.mark5 AS good, s.municipality_code
    FROM int_vpr_school_stats v
    JOIN shvor_kinds k ON k.subject = v.subject AND k.grade = v.grade
    JOIN stg_schools s USING (school_code)
    WHERE v.participants >= $shvor_min_participants
),
school_year AS (
    SELECT ay, school_code, municipality_code,
           count(*) AS procedures, sum(participants) AS participants, sum(good) AS good
    FROM counted
    GROUP BY ALL
),
municipality_year AS (
    SELECT ay, municipality_code, sum(participants) AS participants, sum(good) AS good
    FROM counted
    GROUP BY ALL
),
low_year AS (
    SELECT ay, school_code, list_sort(list(procedure)) AS low
    FROM int_procedure_results
    WHERE is_low AND list_contains($shnor_procedures, procedure)
      AND participants >= $shnor_min_participants
    GROUP BY ALL
),
per_year AS (
    SELECT
        sy.ay, sy.school_code, sy.procedures, sy.participants, sy.good,
        my.participants AS municipality_participants, my.good AS municipality_good,
        coalesce(l.low, []) AS low,
        sy.procedures >= $shvor_min_procedures
          AND len(coalesce(l.low, [])) = 0
          AND 100.0 * sy.good * my.participants
              >= (100.0 * my.good + $shvor_margin_pp * my.participants) * sy.participants AS is_high
    FROM school_year sy
    JOIN municipality_year my USING (ay, municipality_code)
    LEFT JOIN low_year l USING (ay, school_code)
),
list_years AS (
    SELECT DISTINCT ay + k AS ay
    FROM per_year, range(1, $shvor_years + 1) t(k)
)
SELECT
    y.ay,
    s.school_code,
    -- every one of the `years` AYs before `ay` has a row and is high
    count(p.ay) = $shvor_years AND bool_and(coalesce(p.is_high, false)) AS is_shvor,
    count(p.ay) AS years_with_data,
    -- newest AY first: one row per AY, and the AY is the struct's first field, so sorting the
    -- structs is sorting by AY (cheaper than an ordered aggregate)
    list_reverse_sort(list(struct_pack(ay := p.ay, procedures := p.procedures, participants := p.participants,
                     good := p.good, municipality_participants := p.municipality_participants,
                     municipality_good := p.municipality_good, low := p.low, is_high := p.is_high))
         FILTER (WHERE p.ay IS NOT NULL)) AS years
FROM stg_schools s
CROSS JOIN list_years y
LEFT JOIN per_year p ON p.school_code = s.school_code AND p.ay BETWEEN y.ay - $shvor_years AND y.ay - 1
GROUP BY y.ay, s.school_code
