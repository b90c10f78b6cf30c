-- The working list for addressed work (seed 003 §2.1: «адресная работа с теми …, которые
-- представлены в перечне ШНОР, сформированном ФИОКО»), one row per school × AY for which
-- a list is known: the methodology's list (`int_shnor_list`, the rule) and the ФИОКО list
-- (`raw_official_shnor` of the same AY). `$shnor_working_list` says which list the
-- addressed work follows: "ours" (the rule), "official" (ФИОКО), "union" (either; the
-- default). Every ШНОР monitoring population (`mart_shnor_monitoring`,
-- `mart_project_500plus`) and `mart_shnor.in_working_list` read this model.
--   on_ours      the rule puts the school on the list of AY (false: a list of AY exists
--                and the school is not on it; NULL: no results behind a list of AY)
--   on_official  the ФИОКО list of AY names the school (NULL: no ФИОКО list of AY loaded)
--   list_known   the working list of AY exists (for the mode), so not being on it means
--                «not on the list» rather than «no data»
WITH ours AS (
    SELECT ay, school_code, is_shnor FROM int_shnor_list
),
official AS (
    SELECT DISTINCT ay, school_code FROM raw_official_shnor WHERE school_code IS NOT NULL
),
official_years AS (
    SELECT DISTINCT ay FROM official
),
grid AS (
    SELECT ay, school_code FROM ours
    UNION
    SELECT y.ay, s.school_code FROM official_years y CROSS JOIN stg_schools s
    UNION
    SELECT ay, school_code FROM official
),
marked AS (
    SELECT g.ay, g.school_code,
           o.is_shnor AS on_ours,
           CASE WHEN y.ay IS NOT NULL THEN f.school_code IS NOT NULL END AS on_official
    FROM grid g
    LEFT JOIN ours o ON o.ay = g.ay AND o.school_code = g.school_code
    LEFT JOIN official_years y ON y.ay = g.ay
    LEFT JOIN official f ON f.ay = g.ay AND f.school_code = g.school_code
),
judged AS (
    SELECT *,
           CASE $shnor_working_list
               WHEN 'ours' THEN coalesce(on_ours, false)
               WHEN 'official' THEN coalesce(on_official, false)
               WHEN 'union' THEN coalesce(on_ours, false) OR coalesce(on_official, false)
               ELSE error('[shnor] working_list: ожидается "ours", "official" или "union", получено "'
                          || $shnor_working_list || '"')
           END AS in_working_list,
           CASE $shnor_working_list
               WHEN 'ours' THEN on_ours IS NOT NULL
               WHEN 'official' THEN on_official IS NOT NULL
               ELSE on_ours IS NOT NULL OR on_official IS NOT NULL
           END AS list_known
    FROM marked
)
SELECT
    ay,
    school_code,
    on_ours,
    on_official,
    in_working_list,
    -- which lists name a school of the working list: 'both', 'ours' (the rule only),
    -- 'official' (ФИОКО only); NULL when it is not on the working list
    CASE WHEN in_working_list THEN
        CASE WHEN coalesce(on_ours, false) AND coalesce(on_official, false) THEN 'both'
             WHEN coalesce(on_ours, false) THEN 'ours'
             ELSE 'official' END
    END AS working_list_basis,
    list_known,
    $shnor_working_list AS working_list
FROM judged
