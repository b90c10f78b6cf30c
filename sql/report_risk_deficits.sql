-- Document query (October addressed recommendations): every deficit of every risk school
-- of AY $ay (mart_risk_schools), one row each, with the figure behind it and the threshold
-- it is compared with (shares exact: the document rounds them once). The comparison is made here, once, from the [risk] parameters; the
-- documents only word the rows. Order within a school: material items, staff (load, then
-- diploma), contingent, ВПР procedures, неуспевающие.
WITH r AS (
    SELECT * FROM mart_risk_schools WHERE ay = $ay AND is_risk
),
material AS (
    SELECT municipality_code, school_code, 1 AS part, i AS pos, 'material' AS deficit,
           material_no_items[i] AS item,
           NULL::DOUBLE AS value_pct, NULL::DOUBLE AS threshold_pct,
           NULL::BIGINT AS numerator, NULL::BIGINT AS denominator, NULL::INTEGER AS vpr_ay, false AS is_weak
    FROM r, range(1, len(coalesce(material_no_items, [])) + 1) t(i)
    WHERE flag_material
),
staff AS (
    SELECT municipality_code, school_code, 2 AS part, 1 AS pos, 'staff_load36' AS deficit, NULL AS item,
           100.0 * teachers_load_36plus / teachers_total, $risk_staff_load36_share_pct_above, teachers_load_36plus, teachers_total,
           NULL, false
    FROM r
    WHERE flag_staff AND teachers_total > 0
      AND 100.0 * teachers_load_36plus / teachers_total > $risk_staff_load36_share_pct_above
    UNION ALL
    SELECT municipality_code, school_code, 2, 2, 'staff_no_diploma', NULL,
           100.0 * teachers_no_subject_diploma / teachers_total, $risk_staff_no_diploma_share_pct_above, teachers_no_subject_diploma,
           teachers_total, NULL, false
    FROM r
    WHERE flag_staff AND teachers_total > 0
      AND 100.0 * teachers_no_subject_diploma / teachers_total > $risk_staff_no_diploma_share_pct_above
),
contingent AS (
    SELECT municipality_code, school_code, 3, 1, 'contingent', NULL,
           100.0 * contingent_count / students_total, $risk_contingent_sum_share_pct_above, contingent_count, students_total, NULL, false
    FROM r
    WHERE flag_contingent AND students_total > 0
),
vpr AS (
    SELECT municipality_code, school_code, 4, i, 'results_vpr', results_vpr_shares[i].procedure,
           results_vpr_shares[i].share2_pct, $risk_results_vpr_share2_pct_at_least, NULL,
           results_vpr_shares[i].participants, vpr_ay,
           results_vpr_shares[i].participants < $privacy_small_group_below
    FROM r, range(1, len(coalesce(results_vpr_shares, [])) + 1) t(i)
    WHERE flag_results AND list_contains(results_vpr_high_procedures, results_vpr_shares[i].procedure)
),
failing AS (
    SELECT municipality_code, school_code, 5, 1, 'failing', NULL,
           100.0 * students_failing / students_total, $risk_results_failing_share_pct_above, students_failing, students_total, NULL, false
    FROM r
    WHERE flag_results AND students_total > 0 AND students_failing IS NOT NULL
      AND 100.0 * students_failing / students_total > $risk_results_failing_share_pct_above
)
SELECT * FROM material
UNION ALL SELECT * FROM staff
UNION ALL SELECT * FROM contingent
UNION ALL SELECT * FROM vpr
UNION ALL SELECT * FROM failing
ORDER BY municipality_code, school_code, part, pos
