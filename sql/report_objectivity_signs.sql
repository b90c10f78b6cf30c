-- The October справка's table of objectivity signs (seed 000 п. 20, seed 001 п. 3.2): per
-- municipality and sign, how many ВПР groups of AY $ay − 1 were checked, how many showed
-- the sign, and each reason a group could not be checked («не проверялось: …») with its count.
WITH s AS (
    SELECT municipality_code, 'raised' AS sign, flag_raised AS flag, raised_not_checked AS reason
    FROM mart_objectivity_flags WHERE ay = $ay - 1
    UNION ALL SELECT municipality_code, 'gap2', flag_gap2, gap2_not_checked
    FROM mart_objectivity_flags WHERE ay = $ay - 1
    UNION ALL SELECT municipality_code, 'boundary', flag_boundary, boundary_not_checked
    FROM mart_objectivity_flags WHERE ay = $ay - 1
    UNION ALL SELECT municipality_code, 'vs_gia', flag_vs_gia, vs_gia_not_checked
    FROM mart_objectivity_flags WHERE ay = $ay - 1
    UNION ALL SELECT municipality_code, 'improvement', flag_improvement, improvement_not_checked
    FROM mart_objectivity_flags WHERE ay = $ay - 1
),
r AS (
    SELECT municipality_code, sign, list({'reason': reason, 'groups': n} ORDER BY n DESC, reason) AS not_checked
    FROM (SELECT municipality_code, sign, reason, count(*) AS n FROM s WHERE reason IS NOT NULL GROUP BY ALL)
    GROUP BY ALL
)
SELECT municipality_code, sign, count(flag) AS checked, count(*) FILTER (WHERE flag) AS found,
       any_value(r.not_checked) AS not_checked
FROM s LEFT JOIN r USING (municipality_code, sign)
GROUP BY ALL
ORDER BY municipality_code, sign
