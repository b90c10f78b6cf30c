-- Output table `objectivity_flags` (SPEC §4.7; seeds 000 item 20 and 001 item 3.2:
-- «самодиагностика общеобразовательных организаций, имеющих признаки необъективности
-- оценивания по результатам всероссийских проверочных работ»): one row per school ×
-- grade × subject of the ВПР of AY $ay, each sign with its evidence and threshold
-- ([objectivity] in config/edumon.toml). A group with fewer than
-- $objectivity_min_participants participants gets no flag (is_small_group, flags NULL).
--   raised:    share of participants whose ВПР mark is ABOVE the journal mark («Повысили»)
--              > threshold — the ВПР result is better than the school's own year-long
--              marking, the pattern of an inflated ВПР result;
--   gap2:      at least N participants whose ВПР mark is two or more marks above the
--              journal mark;
--   lowered:   share «Понизили» (journal above ВПР) > threshold, off by default: it points
--              at inflated journal marks, not at the ВПР result (evidence kept either way);
--   boundary:  a peak of the primary-score distribution at the lower boundary of a mark:
--              of the school's participants scoring b−1 or b (b = the lowest score for «3»,
--              «4», «5»), the share at b is tested against the same share in the rest of
--              the municipality with a one-sided exact binomial test, p < alpha;
--   vs_gia:    (school ВПР «4»+«5» share − school ОГЭ «4»+«5» share in the subject) minus
--              the same difference for the municipality ≥ threshold, in percentage points;
--   share2:    the «2» share changed by ≥ threshold points against AY − 1 (same school,
--              grade, subject) in the configured direction (SPEC: a rise).
WITH groups AS (
    SELECT v.*, s.municipality_code, s.municipality_name, s.short_name
    FROM int_vpr_school_stats v
    JOIN stg_schools s USING (school_code)
    WHERE v.ay = $ay
),
journal AS (
    SELECT ay, school_code, grade, subject, with_journal, lowered, confirmed, raised,
           raised_by2, lowered_by2, 'participants' AS journal_source
    FROM int_vpr_participant_stats
    WHERE ay = $ay AND with_journal > 0
    UNION ALL BY NAME
    SELECT ay, school_code, grade, subject,
           coalesce(lowered, 0) + coalesce(confirmed, 0) + coalesce(raised, 0) AS with_journal,
           lowered, confirmed, raised, NULL AS raised_by2, NULL AS lowered_by2,
           'journal_export' AS journal_source
    FROM raw_vpr_journal j
    WHERE ay = $ay
      AND NOT EXISTS (SELECT 1 FROM int_vpr_participant_stats p
                      WHERE p.ay = j.ay AND p.school_code = j.school_code AND p.grade = j.grade
                        AND p.subject = j.subject AND p.with_journal > 0)
),
-- primary-score distribution per school at each mark boundary of the official scale
scores AS (
    SELECT m.ay, m.school_code, s.municipality_code, m.grade, m.subject, m.primary_score AS score, count(*) AS n
    FROM int_vpr_participant_marks m
    JOIN stg_schools s USING (school_code)
    WHERE m.ay = $ay AND m.primary_score IS NOT NULL
    GROUP BY ALL
),
boundaries AS (
    SELECT ay, subject, grade, mark, min_primary_score AS boundary
    FROM reference_vpr_scales
    WHERE ay = $ay AND list_contains($objectivity_boundary_marks, mark)
),
school_boundary AS (
    SELECT sc.ay, sc.school_code, sc.municipality_code, sc.grade, sc.subject, b.mark, b.boundary,
           coalesce(sum(sc.n) FILTER (WHERE sc.score = b.boundary), 0)::BIGINT AS at_boundary,
           coalesce(sum(sc.n) FILTER (WHERE sc.score = b.boundary - 1), 0)::BIGINT AS below_boundary
    FROM scores sc
    JOIN boundaries b USING (ay, subject, grade)
    GROUP BY ALL
),
boundary_test AS (
    SELECT *,
           (at_boundary + below_boundary)::BIGINT AS pairs,
           (sum(at_boundary) OVER w - at_boundary)::BIGINT AS ref_at,
           (sum(at_boundary + below_boundary) OVER w - (at_boundary + below_boundary))::BIGINT AS ref_pairs
    FROM school_boundary
    WINDOW w AS (PARTITION BY ay, municipality_code, grade, subject, mark)
),
boundary_p AS (
    SELECT *,
           CASE WHEN ref_pairs > 0 THEN 1.0 * ref_at / ref_pairs END AS ref_share,
           -- P(X ≥ at_boundary), X ~ Binomial(pairs, reference share), summed exactly
           CASE WHEN ref_pairs > 0 AND pairs > 0 THEN least(1.0, list_sum(list_transform(
               range(at_boundary, pairs + 1),
               lambda j: exp(lgamma(pairs + 1) - lgamma(j + 1) - lgamma(pairs - j + 1)
                             + j * ln(greatest(least(ref_at / ref_pairs, 1 - 1e-9), 1e-9))
                             + (pairs - j) * ln(greatest(1 - ref_at / ref_pairs, 1e-9))))))
           END AS p_value
    FROM boundary_test
),
boundary AS (
    SELECT ay, school_code, grade, subject,
           list({'mark': mark, 'boundary': boundary, 'at_boundary': at_boundary,
                 'below_boundary': below_boundary,
                 'school_share_pct': round(100.0 * at_boundary / nullif(pairs, 0), 1),
                 'reference_share_pct': round(100.0 * ref_share, 1),
                 'p_value': round(p_value, 6)} ORDER BY mark) AS boundary_evidence,
           list(mark ORDER BY mark) FILTER (
               WHERE pairs >= $objectivity_boundary_min_pairs AND p_value < $objectivity_boundary_alpha
                 AND 1.0 * at_boundary / pairs > ref_share) AS boundary_peak_marks
    FROM boundary_p
    GROUP BY ALL
),
-- ВПР against the school's own ОГЭ in the subject, relative to the municipality
oge AS (
    SELECT g.ay, g.school_code, g.subject,
           count(*) AS oge_participants,
           count(*) FILTER (WHERE g.mark >= 4) AS oge_good
    FROM int_gia_first_attempts g
    WHERE g.ay = $ay AND g.exam = 'oge' AND g.mark IS NOT NULL
    GROUP BY ALL
),
muni_vpr AS (
    SELECT municipality_code, grade, subject,
           100.0 * sum(mark4 + mark5) / sum(participants) AS muni_vpr_good_pct
    FROM groups
    WHERE participants > 0
    GROUP BY ALL
),
muni_oge AS (
    SELECT s.municipality_code, o.subject, 100.0 * sum(o.oge_good) / sum(o.oge_participants) AS muni_oge_good_pct
    FROM oge o JOIN stg_schools s USING (school_code)
    GROUP BY ALL
),
vs_gia AS (
    SELECT gr.school_code, gr.grade, gr.subject,
           o.oge_participants,
           100.0 * (gr.mark4 + gr.mark5) / gr.participants AS vpr_good_pct,
           100.0 * o.oge_good / o.oge_participants AS oge_good_pct,
           mv.muni_vpr_good_pct,
           mo.muni_oge_good_pct
    FROM groups gr
    JOIN oge o USING (ay, school_code, subject)
    JOIN muni_vpr mv USING (municipality_code, grade, subject)
    JOIN muni_oge mo USING (municipality_code, subject)
    WHERE gr.participants > 0
),
prev AS (
    SELECT school_code, grade, subject, participants AS prev_participants,
           100.0 * mark2 / participants AS prev_share2_pct
    FROM int_vpr_school_stats
    WHERE ay = $ay - 1 AND participants > 0
),
evidence AS (
    SELECT
        gr.ay, gr.municipality_code, gr.municipality_name, gr.school_code, gr.short_name,
        gr.grade, gr.subject, gr.stats_source,
        gr.participants,
        gr.participants < $objectivity_min_participants AS is_small_group,
        j.journal_source, j.with_journal, j.raised, j.lowered, j.confirmed, j.raised_by2, j.lowered_by2,
        round(100.0 * j.raised / nullif(j.with_journal, 0), 2) AS raised_share_pct,
        round(100.0 * j.lowered / nullif(j.with_journal, 0), 2) AS lowered_share_pct,
        b.boundary_evidence, b.boundary_peak_marks,
        vg.oge_participants,
        round(vg.vpr_good_pct, 2) AS vpr_good_pct,
        round(vg.oge_good_pct, 2) AS oge_good_pct,
        round(vg.muni_vpr_good_pct, 2) AS muni_vpr_good_pct,
        round(vg.muni_oge_good_pct, 2) AS muni_oge_good_pct,
        round((vg.vpr_good_pct - vg.oge_good_pct) - (vg.muni_vpr_good_pct - vg.muni_oge_good_pct), 2)
            AS vpr_above_oge_pp,
        round(100.0 * gr.mark2 / nullif(gr.participants, 0), 2) AS share2_pct,
        round(p.prev_share2_pct, 2) AS prev_share2_pct,
        p.prev_participants,
        round(100.0 * gr.mark2 / nullif(gr.participants, 0) - p.prev_share2_pct, 2) AS share2_change_pp,
        -- exact (unrounded) values for the comparisons
        100.0 * j.raised / nullif(j.with_journal, 0) AS _raised_pct,
        100.0 * j.lowered / nullif(j.with_journal, 0) AS _lowered_pct,
        (vg.vpr_good_pct - vg.oge_good_pct) - (vg.muni_vpr_good_pct - vg.muni_oge_good_pct) AS _vs_pp,
        100.0 * gr.mark2 / nullif(gr.participants, 0) - p.prev_share2_pct AS _share2_pp
    FROM groups gr
    LEFT JOIN journal j USING (ay, school_code, grade, subject)
    LEFT JOIN boundary b USING (ay, school_code, grade, subject)
    LEFT JOIN vs_gia vg USING (school_code, grade, subject)
    LEFT JOIN prev p USING (school_code, grade, subject)
),
flags AS (
    SELECT *,
        CASE WHEN NOT is_small_group AND with_journal > 0
             THEN _raised_pct > $objectivity_raised_share_pct_above END AS flag_raised,
        CASE WHEN NOT is_small_group AND raised_by2 IS NOT NULL
             THEN raised_by2 >= $objectivity_gap2_min_count END AS flag_gap2,
        CASE WHEN NOT is_small_group AND with_journal > 0 AND $objectivity_flag_lowered
             THEN _lowered_pct > $objectivity_lowered_share_pct_above END AS flag_lowered,
        CASE WHEN NOT is_small_group AND boundary_evidence IS NOT NULL
             THEN coalesce(len(boundary_peak_marks), 0) > 0 END AS flag_boundary,
        CASE WHEN NOT is_small_group AND oge_participants >= $objectivity_min_participants
             THEN _vs_pp >= $objectivity_vpr_above_oge_pp END AS flag_vs_gia,
        CASE WHEN NOT is_small_group AND prev_participants >= $objectivity_min_participants
             THEN CASE $objectivity_share2_change_direction
                      WHEN 'rise' THEN _share2_pp >= $objectivity_share2_change_pp
                      WHEN 'fall' THEN -_share2_pp >= $objectivity_share2_change_pp
                      ELSE abs(_share2_pp) >= $objectivity_share2_change_pp END
        END AS flag_share2_change
    FROM evidence
)
SELECT
    * EXCLUDE (_raised_pct, _lowered_pct, _vs_pp, _share2_pp),
    list_filter([CASE WHEN flag_raised THEN 'raised' END, CASE WHEN flag_gap2 THEN 'gap2' END,
                 CASE WHEN flag_lowered THEN 'lowered' END, CASE WHEN flag_boundary THEN 'boundary' END,
                 CASE WHEN flag_vs_gia THEN 'vs_gia' END, CASE WHEN flag_share2_change THEN 'share2_change' END],
                lambda f: f IS NOT NULL)
        AS flags,
    coalesce(flag_raised OR flag_gap2 OR flag_lowered OR flag_boundary OR flag_vs_gia OR flag_share2_change, false)
        AS is_flagged,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM flags
