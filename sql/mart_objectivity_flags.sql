-- Output table `objectivity_flags` (SPEC §4.7; seeds 000 item 20 and 001 item 3.2:
-- «самодиагностика общеобразовательных организаций, имеющих признаки необъективности
-- оценивания по результатам всероссийских проверочных работ»): one row per school ×
-- grade × subject of the ВПР of AY $ay, each sign with its evidence and threshold
-- ([objectivity] in config/edumon.toml; docs/objectivity.md).
--
-- Each sign is TRUE (found), FALSE (checked, not found) or NULL (not checked); a NULL sign
-- has its reason in `<sign>_not_checked` («не проверялось: нет данных …») and its code in
-- `not_checked`, so a report never shows an unchecked sign as checked. A group with fewer
-- than $objectivity_min_participants participants gets no sign at all (is_small_group).
--   raised:      share of participants whose ВПР mark is ABOVE the journal mark
--                («Повысили») > threshold — the ВПР result is better than the school's own
--                year-long marking, the pattern of an inflated ВПР result;
--   gap2:        at least N participants whose ВПР mark is two or more marks above the
--                journal mark (participant files with the journal mark only);
--   lowered:     share «Понизили» (journal above ВПР) > threshold, off by default: it points
--                at inflated journal marks, not at the ВПР result (evidence kept either way);
--   boundary:    a peak of the primary-score distribution at the lower boundary of a mark:
--                of the school's participants scoring b−1 or b (b = the lowest score for
--                «3», «4», «5» of the official scale), the share at b is tested against the
--                same share in the rest of the municipality with a one-sided exact binomial
--                test, p < alpha;
--   vs_gia:      ВПР far above the school's own ГИА in the same subject at the nearest
--                grades only (ВПР of the grades in $objectivity_vs_gia_oge_grades ↔ ОГЭ,
--                $objectivity_vs_gia_ege_grades ↔ ЕГЭ marks; same AY): (school ВПР «4»+«5»
--                share − school ГИА «4»+«5» share) minus the same difference for the
--                municipality ≥ threshold, in percentage points. Other grades: not checked;
--   improvement: an unexplained sharp improvement against AY − 1 (same school, grade,
--                subject): the «2» share FELL by ≥ threshold points, or the «4»+«5» share
--                ROSE by ≥ threshold points, the change beyond chance for groups of these
--                sizes (two-proportion z ≥ $objectivity_improvement_min_z), while the school's other results in the subject
--                (ОГЭ «2» / «4»+«5» shares, КДР «ниже базового» / «повышенный» shares of the
--                same two AYs) did not improve by ≥ $objectivity_improvement_other_results_pp
--                in the same measure. A RISE of the «2» share is not a sign.
--                `flag_share2_change` is kept as an alias of `flag_improvement` for readers
--                of the old column (its old meaning, a rise of «2», is gone).
-- @lookback 1
WITH groups AS (
    SELECT v.ay, v.school_code, v.grade, v.subject, v.stats_source,
           round(v.participants)::BIGINT AS participants,
           round(v.mark2)::BIGINT AS mark2, round(v.mark3)::BIGINT AS mark3,
           round(v.mark4)::BIGINT AS mark4, round(v.mark5)::BIGINT AS mark5,
           s.municipality_code, s.municipality_name, s.short_name
    FROM int_vpr_school_stats v
    JOIN stg_schools s USING (school_code)
    WHERE v.ay = $ay AND v.participants > 0
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
has_scores AS (
    SELECT DISTINCT ay, school_code, grade, subject FROM scores
),
has_scale AS (
    SELECT DISTINCT ay, subject, grade FROM reference_vpr_scales WHERE ay = $ay
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
                 AND 1.0 * at_boundary / pairs > ref_share) AS boundary_peak_marks,
           -- a mark can be tested when the rest of the municipality has pupils at it
           bool_or(ref_pairs > 0) AS boundary_has_reference
    FROM boundary_p
    GROUP BY ALL
),
-- the school's ГИА «2» and «4»+«5» shares per AY × exam × subject (first attempts, marks only;
-- of the ЕГЭ only base maths has marks, compared with ВПР maths)
gia AS (
    SELECT g.ay, g.school_code, g.exam,
           CASE WHEN g.exam = 'ege' AND g.subject = 'math_base' THEN 'math' ELSE g.subject END AS subject,
           count(*) AS gia_participants,
           count(*) FILTER (WHERE g.mark >= 4) AS gia_good,
           count(*) FILTER (WHERE g.mark <= 2) AS gia_low
    FROM int_gia_first_attempts g
    WHERE g.ay IN ($ay, $ay - 1) AND g.exam IN ('oge', 'ege') AND g.mark IS NOT NULL
    GROUP BY ALL
),
-- ВПР against the school's own ГИА in the subject, nearest grades only, relative to the municipality
paired AS (
    SELECT gr.*,
           CASE WHEN list_contains($objectivity_vs_gia_oge_grades, gr.grade) THEN 'oge'
                WHEN list_contains($objectivity_vs_gia_ege_grades, gr.grade) THEN 'ege' END AS gia_exam
    FROM groups gr
),
muni_vpr AS (
    SELECT municipality_code, grade, subject,
           100.0 * sum(mark4 + mark5) / sum(participants) AS muni_vpr_good_pct
    FROM groups
    GROUP BY ALL
),
muni_gia AS (
    SELECT s.municipality_code, g.exam, g.subject,
           100.0 * sum(g.gia_good) / sum(g.gia_participants) AS muni_gia_good_pct
    FROM gia g JOIN stg_schools s USING (school_code)
    WHERE g.ay = $ay
    GROUP BY ALL
),
vs_gia AS (
    SELECT p.school_code, p.grade, p.subject, p.gia_exam,
           g.gia_participants AS oge_participants,
           100.0 * (p.mark4 + p.mark5) / p.participants AS vpr_good_pct,
           100.0 * g.gia_good / g.gia_participants AS oge_good_pct,
           mv.muni_vpr_good_pct,
           mg.muni_gia_good_pct AS muni_oge_good_pct
    FROM paired p
    JOIN gia g ON g.ay = $ay AND g.school_code = p.school_code AND g.exam = p.gia_exam AND g.subject = p.subject
    JOIN muni_vpr mv ON mv.municipality_code = p.municipality_code AND mv.grade = p.grade AND mv.subject = p.subject
    JOIN muni_gia mg ON mg.municipality_code = p.municipality_code AND mg.exam = p.gia_exam
                    AND mg.subject = p.subject
),
-- last year's ВПР of the same school, grade and subject
prev AS (
    SELECT school_code, grade, subject, round(participants)::BIGINT AS prev_participants,
           round(mark2)::BIGINT AS prev_mark2, round(mark4 + mark5)::BIGINT AS prev_good,
           100.0 * mark2 / participants AS prev_share2_pct,
           100.0 * (mark4 + mark5) / participants AS prev_good_pct
    FROM int_vpr_school_stats
    WHERE ay = $ay - 1 AND participants > 0
),
-- the school's other results in the subject, AY against AY − 1: ОГЭ (all grades 9) and КДР
-- (all grades together); positive = improvement
other_oge AS (
    SELECT c.school_code, c.subject,
           100.0 * p.gia_low / p.gia_participants - 100.0 * c.gia_low / c.gia_participants AS oge_share2_fall_pp,
           100.0 * c.gia_good / c.gia_participants - 100.0 * p.gia_good / p.gia_participants AS oge_good_rise_pp
    FROM gia c
    JOIN gia p ON p.ay = $ay - 1 AND p.school_code = c.school_code AND p.exam = c.exam AND p.subject = c.subject
    WHERE c.ay = $ay AND c.exam = 'oge'
      AND c.gia_participants >= $objectivity_min_participants AND p.gia_participants >= $objectivity_min_participants
),
rdr AS (
    SELECT ay, school_code, subject, sum(participants) AS n,
           sum(coalesce(below_basic, 0)) AS low, sum(coalesce(advanced, 0)) AS high
    FROM raw_rdr
    WHERE ay IN ($ay, $ay - 1) AND participants > 0
    GROUP BY ALL
),
other_rdr AS (
    SELECT c.school_code, c.subject,
           100.0 * p.low / p.n - 100.0 * c.low / c.n AS rdr_low_fall_pp,
           100.0 * c.high / c.n - 100.0 * p.high / p.n AS rdr_high_rise_pp
    FROM rdr c
    JOIN rdr p ON p.ay = $ay - 1 AND p.school_code = c.school_code AND p.subject = c.subject
    WHERE c.ay = $ay AND c.n >= $objectivity_min_participants AND p.n >= $objectivity_min_participants
),
evidence AS (
    SELECT
        gr.ay, gr.municipality_code, gr.municipality_name, gr.school_code, gr.short_name,
        gr.grade, gr.subject, gr.stats_source,
        gr.participants,
        gr.participants < $objectivity_min_participants AS is_small_group,
        j.journal_source, j.with_journal::BIGINT AS with_journal, j.raised::BIGINT AS raised,
        j.lowered::BIGINT AS lowered, j.confirmed::BIGINT AS confirmed,
        j.raised_by2::BIGINT AS raised_by2, j.lowered_by2::BIGINT AS lowered_by2,
        round(100.0 * j.raised / nullif(j.with_journal, 0), 2) AS raised_share_pct,
        round(100.0 * j.lowered / nullif(j.with_journal, 0), 2) AS lowered_share_pct,
        b.boundary_evidence, b.boundary_peak_marks,
        hs.school_code IS NOT NULL AS has_scores,
        hk.subject IS NOT NULL AS has_scale,
        coalesce(b.boundary_has_reference, false) AS boundary_has_reference,
        pr.gia_exam,
        vg.oge_participants::BIGINT AS oge_participants,
        round(vg.vpr_good_pct, 2) AS vpr_good_pct,
        round(vg.oge_good_pct, 2) AS oge_good_pct,
        round(vg.muni_vpr_good_pct, 2) AS muni_vpr_good_pct,
        round(vg.muni_oge_good_pct, 2) AS muni_oge_good_pct,
        round((vg.vpr_good_pct - vg.oge_good_pct) - (vg.muni_vpr_good_pct - vg.muni_oge_good_pct), 2)
            AS vpr_above_oge_pp,
        round(100.0 * gr.mark2 / gr.participants, 2) AS share2_pct,
        round(p.prev_share2_pct, 2) AS prev_share2_pct,
        p.prev_participants,
        round(100.0 * gr.mark2 / gr.participants - p.prev_share2_pct, 2) AS share2_change_pp,
        round(100.0 * (gr.mark4 + gr.mark5) / gr.participants, 2) AS good_pct,
        round(p.prev_good_pct, 2) AS prev_good_pct,
        round(100.0 * (gr.mark4 + gr.mark5) / gr.participants - p.prev_good_pct, 2) AS good_change_pp,
        -- two-proportion z statistics of the change (positive = improvement): «sharp» means
        -- beyond what chance gives groups of these sizes
        round(_z_fall, 2) AS share2_fall_z,
        round(_z_rise, 2) AS good_rise_z,
        round(oo.oge_share2_fall_pp, 2) AS other_oge_share2_fall_pp,
        round(oo.oge_good_rise_pp, 2) AS other_oge_good_rise_pp,
        round(orr.rdr_low_fall_pp, 2) AS other_rdr_low_fall_pp,
        round(orr.rdr_high_rise_pp, 2) AS other_rdr_high_rise_pp,
        -- exact (unrounded) values for the comparisons
        100.0 * j.raised / nullif(j.with_journal, 0) AS _raised_pct,
        100.0 * j.lowered / nullif(j.with_journal, 0) AS _lowered_pct,
        (vg.vpr_good_pct - vg.oge_good_pct) - (vg.muni_vpr_good_pct - vg.muni_oge_good_pct) AS _vs_pp,
        p.prev_share2_pct - 100.0 * gr.mark2 / gr.participants AS _fall2_pp,
        100.0 * (gr.mark4 + gr.mark5) / gr.participants - p.prev_good_pct AS _rise_good_pp,
        _z_fall, _z_rise,
        oo.school_code IS NOT NULL OR orr.school_code IS NOT NULL AS _has_other,
        coalesce(oo.oge_share2_fall_pp >= $objectivity_improvement_other_results_pp, false)
            OR coalesce(orr.rdr_low_fall_pp >= $objectivity_improvement_other_results_pp, false) AS _fall_explained,
        coalesce(oo.oge_good_rise_pp >= $objectivity_improvement_other_results_pp, false)
            OR coalesce(orr.rdr_high_rise_pp >= $objectivity_improvement_other_results_pp, false) AS _rise_explained
    FROM (
        SELECT g.*,
               (pv.prev_mark2 * 1.0 / pv.prev_participants - g.mark2 * 1.0 / g.participants)
                 / nullif(sqrt(((pv.prev_mark2 + g.mark2) * 1.0 / (pv.prev_participants + g.participants))
                               * (1 - (pv.prev_mark2 + g.mark2) * 1.0 / (pv.prev_participants + g.participants))
                               * (1.0 / pv.prev_participants + 1.0 / g.participants)), 0) AS _z_fall,
               ((g.mark4 + g.mark5) * 1.0 / g.participants - pv.prev_good * 1.0 / pv.prev_participants)
                 / nullif(sqrt(((pv.prev_good + g.mark4 + g.mark5) * 1.0 / (pv.prev_participants + g.participants))
                               * (1 - (pv.prev_good + g.mark4 + g.mark5) * 1.0 / (pv.prev_participants + g.participants))
                               * (1.0 / pv.prev_participants + 1.0 / g.participants)), 0) AS _z_rise
        FROM groups g
        LEFT JOIN prev pv USING (school_code, grade, subject)
    ) gr
    JOIN paired pr USING (ay, school_code, grade, subject)
    LEFT JOIN journal j USING (ay, school_code, grade, subject)
    LEFT JOIN boundary b USING (ay, school_code, grade, subject)
    LEFT JOIN has_scores hs USING (ay, school_code, grade, subject)
    LEFT JOIN has_scale hk USING (ay, subject, grade)
    LEFT JOIN vs_gia vg USING (school_code, grade, subject)
    LEFT JOIN prev p USING (school_code, grade, subject)
    LEFT JOIN other_oge oo USING (school_code, subject)
    LEFT JOIN other_rdr orr USING (school_code, subject)
),
-- why a sign could not be checked (NULL when it was checked)
reasons AS (
    SELECT *,
        'не проверялось: менее ' || $objectivity_min_participants || ' участников ВПР' AS _small,
        CASE WHEN with_journal IS NULL OR with_journal = 0
             THEN 'не проверялось: нет данных об отметках по журналу (ни в файлах участников, ни в форме «Сравнение отметок с отметками по журналу»)'
        END AS _no_journal
    FROM evidence
),
checked AS (
    SELECT *,
        CASE WHEN is_small_group THEN _small ELSE _no_journal END AS raised_not_checked,
        CASE WHEN is_small_group THEN _small
             WHEN _no_journal IS NOT NULL THEN _no_journal
             WHEN raised_by2 IS NULL
             THEN 'не проверялось: нет отметок по журналу у каждого участника (сводная форма «Сравнение отметок» не показывает разницу в два балла)'
        END AS gap2_not_checked,
        CASE WHEN is_small_group THEN _small ELSE _no_journal END AS lowered_not_checked,
        CASE WHEN is_small_group THEN _small
             WHEN NOT has_scores
             THEN 'не проверялось: нет первичных баллов участников (загружена только статистика по отметкам)'
             WHEN NOT has_scale
             THEN 'не проверялось: нет официальной шкалы перевода баллов в отметки этого года'
             WHEN NOT boundary_has_reference
             THEN 'не проверялось: нет первичных баллов других школ муниципалитета для сравнения'
        END AS boundary_not_checked,
        CASE WHEN is_small_group THEN _small
             WHEN gia_exam IS NULL
             THEN 'не проверялось: ВПР ' || grade || ' класса не сопоставляется с ГИА (сопоставляются только ближайшие классы: ВПР '
                  || array_to_string($objectivity_vs_gia_oge_grades, ', ') || ' класса с ОГЭ, ВПР '
                  || array_to_string($objectivity_vs_gia_ege_grades, ', ') || ' класса с ЕГЭ)'
             WHEN oge_participants IS NULL AND gia_exam = 'oge'
             THEN 'не проверялось: нет результатов ОГЭ школы по предмету'
             WHEN oge_participants IS NULL
             THEN 'не проверялось: нет отметок ЕГЭ школы по предмету (отметки ставятся только по ЕГЭ по базовой математике)'
             WHEN oge_participants < $objectivity_min_participants
             THEN 'не проверялось: менее ' || $objectivity_min_participants || ' участников '
                  || CASE gia_exam WHEN 'oge' THEN 'ОГЭ' ELSE 'ЕГЭ' END || ' по предмету'
        END AS _vs_gia_reason,
        CASE WHEN NOT is_small_group AND prev_participants >= $objectivity_min_participants THEN
            -- fall of «2» / rise of «4»+«5»: TRUE unexplained, FALSE no sharp improvement or
            -- explained by the other results, NULL a sharp improvement with nothing to compare
            (CASE WHEN _fall2_pp >= $objectivity_improvement_share2_fall_pp
                       AND coalesce(_z_fall >= $objectivity_improvement_min_z, false)
                  THEN CASE WHEN _fall_explained THEN false WHEN _has_other THEN true
                            WHEN $objectivity_improvement_requires_other_results THEN NULL ELSE true END
                  ELSE false END)
            OR
            (CASE WHEN _rise_good_pp >= $objectivity_improvement_good_rise_pp
                       AND coalesce(_z_rise >= $objectivity_improvement_min_z, false)
                  THEN CASE WHEN _rise_explained THEN false WHEN _has_other THEN true
                            WHEN $objectivity_improvement_requires_other_results THEN NULL ELSE true END
                  ELSE false END)
        END AS _improvement
    FROM reasons
),
flags AS (
    SELECT *,
        CASE WHEN raised_not_checked IS NULL
             THEN _raised_pct > $objectivity_raised_share_pct_above END AS flag_raised,
        CASE WHEN gap2_not_checked IS NULL
             THEN raised_by2 >= $objectivity_gap2_min_count END AS flag_gap2,
        CASE WHEN lowered_not_checked IS NULL AND $objectivity_flag_lowered
             THEN _lowered_pct > $objectivity_lowered_share_pct_above END AS flag_lowered,
        CASE WHEN boundary_not_checked IS NULL
             THEN coalesce(len(boundary_peak_marks), 0) > 0 END AS flag_boundary,
        CASE WHEN _vs_gia_reason IS NULL
             THEN _vs_pp >= $objectivity_vpr_above_oge_pp END AS flag_vs_gia,
        _vs_gia_reason AS vs_gia_not_checked,
        _improvement AS flag_improvement,
        CASE WHEN is_small_group THEN _small
             WHEN prev_participants IS NULL
             THEN 'не проверялось: нет результатов ВПР этой школы по этому предмету и классу за предыдущий год'
             WHEN prev_participants < $objectivity_min_participants
             THEN 'не проверялось: в предыдущем году менее ' || $objectivity_min_participants || ' участников ВПР'
             WHEN _improvement IS NULL
             THEN 'не проверялось: результат ВПР резко улучшился, но нет результатов ОГЭ и КДР школы по предмету за оба года, чтобы сравнить'
        END AS improvement_not_checked
    FROM checked
)
SELECT
    * EXCLUDE (_raised_pct, _lowered_pct, _vs_pp, _fall2_pp, _rise_good_pp, _z_fall, _z_rise, _has_other, _fall_explained,
               _rise_explained, _small, _no_journal, _vs_gia_reason, _improvement),
    flag_improvement AS flag_share2_change,
    list_filter([CASE WHEN flag_raised THEN 'raised' END, CASE WHEN flag_gap2 THEN 'gap2' END,
                 CASE WHEN flag_lowered THEN 'lowered' END, CASE WHEN flag_boundary THEN 'boundary' END,
                 CASE WHEN flag_vs_gia THEN 'vs_gia' END, CASE WHEN flag_improvement THEN 'improvement' END],
                lambda f: f IS NOT NULL)
        AS flags,
    list_filter([CASE WHEN raised_not_checked IS NOT NULL THEN 'raised' END,
                 CASE WHEN gap2_not_checked IS NOT NULL THEN 'gap2' END,
                 CASE WHEN boundary_not_checked IS NOT NULL THEN 'boundary' END,
                 CASE WHEN vs_gia_not_checked IS NOT NULL THEN 'vs_gia' END,
                 CASE WHEN improvement_not_checked IS NOT NULL THEN 'improvement' END],
                lambda f: f IS NOT NULL)
        AS not_checked,
    coalesce(flag_raised OR flag_gap2 OR flag_lowered OR flag_boundary OR flag_vs_gia OR flag_improvement, false)
        AS is_flagged,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM flags
