-- Output table `risk_schools` (SPEC §4.2, seed 003 §3.2), identified in October of AY
-- $ay from ОО-1 and the context survey of AY $ay and ВПР of AY $ay − 1. A school is a
-- risk school when any section flags; every flag keeps the values behind it, and a
-- section with no data is NULL (listed in `no_data_sections`), never a silent «нет».
--   1 material base: any «нет» among the configured items (the survey's answers, ОО-2's
--     computers and Internet speed where the survey has none);
--   2 staff: load ≥ 36 h share > 10 %, or share without a subject diploma > 0 %;
--   3 contingent: registered + ОВЗ + инофоны + systematically absent, summed, > 10 %;
--   4 results: ≥ 20 % «2» on at least two of ВПР maths 4, 8, Russian 4, 8; or
--     неуспевающие > 10 %.
-- @lookback 1
WITH ctx AS (
    SELECT * FROM stg_context WHERE ay = $ay
),
oo2 AS (
    -- ОО-2 of the calendar year before (seed 003 §3.2 «на основании данных отчетов OO1, OO2,
    -- данных КИАСУО»): computers used for teaching per 100 students of the context survey,
    -- and the Internet speed, each against its [risk] threshold.
    SELECT o.school_code, o.computers_total, o.computers_teaching, o.computers_internet,
           o.internet_speed_mbps,
           CASE WHEN c.students_total > 0 AND o.computers_teaching IS NOT NULL
                THEN 100.0 * o.computers_teaching / c.students_total END AS computers_per100_exact
    FROM raw_oo2 o
    LEFT JOIN ctx c USING (school_code)
    WHERE o.ay = $ay - 1
),
oo2_answers AS (
    SELECT school_code,
           internet_speed_mbps >= $risk_oo2_internet_speed_mbps_at_least AS oo2_internet_speed,
           computers_per100_exact >= $risk_oo2_computers_per100_students_at_least AS oo2_computers_per100
    FROM oo2
),
material_answers AS (
    -- items 1.1 and 1.2 are the survey's answers; where the survey has none and
    -- `oo2_fills_missing_answers` is set, ОО-2's figure against its threshold answers them.
    -- `oo2_internet_speed` and `oo2_computers_per100` are items of their own that a
    -- municipality may add to `material_items`.
    SELECT school_code, item, ok
    FROM (
        UNPIVOT (
            SELECT s.school_code,
                   coalesce(c.internet_stable,
                            CASE WHEN $risk_oo2_fills_missing_answers THEN a.oo2_internet_speed END) AS internet_stable,
                   coalesce(c.computers_enough,
                            CASE WHEN $risk_oo2_fills_missing_answers THEN a.oo2_computers_per100 END) AS computers_enough,
                   c.lab_physics, c.lab_chemistry, c.lab_biology, c.lab_geography, c.lab_technology,
                   a.oo2_internet_speed, a.oo2_computers_per100
            FROM stg_schools s
            LEFT JOIN ctx c USING (school_code)
            LEFT JOIN oo2_answers a USING (school_code))
        ON COLUMNS(* EXCLUDE (school_code)) INTO NAME item VALUE ok
    )
    WHERE list_contains($risk_material_items, item)
),
material AS (
    SELECT school_code,
           count(*) AS material_answered,
           coalesce(list(item ORDER BY item) FILTER (WHERE NOT ok), []) AS material_no_items
    FROM material_answers
    GROUP BY ALL
),
contingent_counts AS (
    SELECT school_code, item, n
    FROM (
        UNPIVOT (SELECT school_code, students_registered, students_ovz, students_foreign_language,
                        students_absent_systematic FROM ctx)
        ON COLUMNS(* EXCLUDE (school_code)) INTO NAME item VALUE n
    )
    WHERE list_contains($risk_contingent_items, item)
),
contingent AS (
    SELECT school_code,
           sum(n) AS contingent_count,
           map_from_entries(list({'k': item, 'v': n})) AS contingent_parts
    FROM contingent_counts
    GROUP BY ALL
),
vpr AS (
    SELECT school_code, procedure, participants, low_count, low_share_pct
    FROM int_procedure_results
    WHERE ay = $ay - 1
      AND list_contains($risk_results_vpr_procedures, procedure)
      AND participants >= $shnor_min_participants
),
vpr_agg AS (
    SELECT school_code,
           count(*) AS vpr_with_data,
           coalesce(list(procedure ORDER BY procedure)
               FILTER (WHERE 100.0 * low_count / participants >= $risk_results_vpr_share2_pct_at_least), [])
               AS vpr_high,
           list({'procedure': procedure, 'share2_pct': low_share_pct, 'participants': participants}
               ORDER BY procedure) AS vpr_shares
    FROM vpr
    GROUP BY ALL
),
joined AS (
    SELECT
        s.school_code, s.municipality_code, s.municipality_name, s.short_name, s.school_name,
        c.students_total, c.teachers_total, c.teachers_load_36plus, c.teachers_no_subject_diploma,
        c.students_failing,
        m.material_answered, m.material_no_items,
        k.contingent_count, k.contingent_parts,
        v.vpr_with_data, v.vpr_high, v.vpr_shares,
        o.computers_total, o.computers_teaching, o.computers_internet, o.internet_speed_mbps,
        o.computers_per100_exact,
        CASE WHEN c.teachers_total > 0 THEN round(100.0 * c.teachers_load_36plus / c.teachers_total, 2) END
            AS staff_load36_share_pct,
        CASE WHEN c.teachers_total > 0 THEN round(100.0 * c.teachers_no_subject_diploma / c.teachers_total, 2) END
            AS staff_no_diploma_share_pct,
        CASE WHEN c.teachers_total > 0 THEN 100.0 * c.teachers_load_36plus / c.teachers_total END AS load36_exact,
        CASE WHEN c.teachers_total > 0 THEN 100.0 * c.teachers_no_subject_diploma / c.teachers_total END AS nodipl_exact,
        CASE WHEN c.students_total > 0 THEN 100.0 * k.contingent_count / c.students_total END AS contingent_exact,
        CASE WHEN c.students_total > 0 THEN 100.0 * c.students_failing / c.students_total END AS failing_exact
    FROM stg_schools s
    LEFT JOIN ctx c USING (school_code)
    LEFT JOIN material m USING (school_code)
    LEFT JOIN contingent k USING (school_code)
    LEFT JOIN vpr_agg v USING (school_code)
    LEFT JOIN oo2 o USING (school_code)
),
flags AS (
    SELECT
        *,
        CASE WHEN material_answered > 0 THEN len(material_no_items) > 0 END AS flag_material,
        CASE WHEN load36_exact IS NOT NULL OR nodipl_exact IS NOT NULL THEN
            coalesce(load36_exact > $risk_staff_load36_share_pct_above, false)
            OR coalesce(nodipl_exact > $risk_staff_no_diploma_share_pct_above, false)
        END AS flag_staff,
        CASE WHEN contingent_exact IS NOT NULL THEN contingent_exact > $risk_contingent_sum_share_pct_above END
            AS flag_contingent,
        CASE WHEN vpr_with_data > 0 OR failing_exact IS NOT NULL THEN
            coalesce(len(vpr_high) >= $risk_results_vpr_min_procedures, false)
            OR coalesce(failing_exact > $risk_results_failing_share_pct_above, false)
        END AS flag_results
    FROM joined
)
SELECT
    school_code,
    $ay AS ay,
    municipality_code,
    municipality_name,
    short_name,
    school_name,
    coalesce(flag_material, false) OR coalesce(flag_staff, false)
        OR coalesce(flag_contingent, false) OR coalesce(flag_results, false) AS is_risk,
    list_filter(['material', 'staff', 'contingent', 'results'],
        lambda x: (x = 'material' AND coalesce(flag_material, false)) OR (x = 'staff' AND coalesce(flag_staff, false))
          OR (x = 'contingent' AND coalesce(flag_contingent, false)) OR (x = 'results' AND coalesce(flag_results, false)))
        AS risk_sections,
    list_filter(['material', 'staff', 'contingent', 'results'],
        lambda x: (x = 'material' AND flag_material IS NULL) OR (x = 'staff' AND flag_staff IS NULL)
          OR (x = 'contingent' AND flag_contingent IS NULL) OR (x = 'results' AND flag_results IS NULL))
        AS no_data_sections,
    flag_material,
    material_no_items,
    material_answered,
    computers_total AS oo2_computers_total,
    computers_internet AS oo2_computers_internet,
    internet_speed_mbps AS oo2_internet_speed_mbps,
    computers_teaching AS oo2_computers_teaching,
    round(computers_per100_exact, 2) AS oo2_computers_teaching_per100,
    flag_staff,
    teachers_total,
    teachers_load_36plus,
    staff_load36_share_pct,
    teachers_no_subject_diploma,
    staff_no_diploma_share_pct,
    flag_contingent,
    students_total,
    contingent_count,
    round(contingent_exact, 2) AS contingent_share_pct,
    contingent_parts['students_registered'] AS students_registered,
    contingent_parts['students_ovz'] AS students_ovz,
    contingent_parts['students_foreign_language'] AS students_foreign_language,
    contingent_parts['students_absent_systematic'] AS students_absent_systematic,
    flag_results,
    $ay - 1 AS vpr_ay,
    vpr_high AS results_vpr_high_procedures,
    len(vpr_high) AS results_vpr_high_count,
    vpr_shares AS results_vpr_shares,
    students_failing,
    round(failing_exact, 2) AS failing_share_pct,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM flags
