-- Output table `shnsu` (issue 14; seed 003 §2.3.3 п. 7 «поддержки ШНОР и ШНСУ»): schools
-- functioning in unfavourable social conditions, AY $ay, one row per registry school.
-- The list is the official one (`official_shnsu`, inbox/<AY>/official_shnsu/); no seed gives
-- a rule of our own for it. `is_shnsu` is NULL when no ШНСУ list of AY is loaded (unknown,
-- not «no»). The row also says whether the school is on the ШНОР working list and the ШВОР
-- list of AY, and whether it is an internship site in the staff monitoring of AY − 1.
-- @lookback 1
WITH listed AS (
    SELECT DISTINCT school_code FROM raw_official_shnsu WHERE ay = $ay AND school_code IS NOT NULL
),
loaded AS (
    SELECT count(*) > 0 AS yes FROM listed
),
prev_staff AS (
    SELECT school_code, bool_or(municipal_internship_site) AS municipal_site,
           bool_or(regional_internship_site) AS regional_site
    FROM raw_staff WHERE ay = $ay - 1 GROUP BY ALL
)
SELECT
    s.school_code,
    $ay AS ay,
    s.municipality_code,
    s.municipality_name,
    s.short_name,
    s.school_name,
    CASE WHEN (SELECT yes FROM loaded) THEN l.school_code IS NOT NULL END AS is_shnsu,
    (SELECT yes FROM loaded) AS shnsu_list_loaded,
    coalesce(w.in_working_list, false) AS in_working_list,
    coalesce(v.is_shvor, false) AS is_shvor,
    st.municipal_site AS municipal_internship_site,
    st.regional_site AS regional_internship_site,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM stg_schools s
LEFT JOIN listed l ON l.school_code = s.school_code
LEFT JOIN int_shnor_working_list w ON w.school_code = s.school_code AND w.ay = $ay
LEFT JOIN int_shvor_list v ON v.school_code = s.school_code AND v.ay = $ay
LEFT JOIN prev_staff st ON st.school_code = s.school_code
WHERE s.in_registry OR l.school_code IS NOT NULL
