-- One row per ВПР participant × subject × AY (participant level: stays in the warehouse,
-- never exported). The ВПР mark is the export's «Отметка» when the file has one,
-- otherwise it is derived from the official scale of that year × subject × grade
-- (reference_vpr_scales, loaded by tasks/vpr_scales.py). When both exist they are
-- cross-checked: `mark_mismatch` is a quality finding, the export's mark is kept.
-- A score outside every range of a known scale gets no mark (`score_outside_scale`).
WITH scaled AS (
    SELECT
        p.ay, p.school_code, p.grade, p.subject, p.participant_id, p.variant, p.primary_score,
        p.mark AS export_mark, p.journal_mark, p._file, p._row,
        s.mark AS scale_mark,
        EXISTS (SELECT 1 FROM reference_vpr_scales k
                WHERE k.ay = p.ay AND k.subject = p.subject AND k.grade = p.grade) AS has_scale
    FROM raw_vpr_participants p
    LEFT JOIN reference_vpr_scales s
      ON s.ay = p.ay AND s.subject = p.subject AND s.grade = p.grade
     AND p.primary_score >= s.min_primary_score AND p.primary_score < s.max_primary_score + 1
)
SELECT
    ay, school_code, grade, subject, participant_id, variant, primary_score,
    export_mark,
    scale_mark,
    coalesce(export_mark, scale_mark) AS mark,
    CASE WHEN export_mark IS NOT NULL THEN 'export' WHEN scale_mark IS NOT NULL THEN 'scale' END AS mark_source,
    coalesce(export_mark IS NOT NULL AND scale_mark IS NOT NULL AND export_mark <> scale_mark, false) AS mark_mismatch,
    has_scale AND primary_score IS NOT NULL AND scale_mark IS NULL AS score_outside_scale,
    journal_mark,
    _file,
    _row
FROM scaled
