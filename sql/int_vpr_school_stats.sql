-- ВПР results per school × grade × subject × AY: participants and counts of marks 2–5,
-- from the school-level «Статистика по отметкам» (percentages already turned into
-- counts on ingest).
SELECT
    ay,
    school_code,
    grade,
    subject,
    sum(participants) AS participants,
    sum(mark2) AS mark2,
    sum(mark3) AS mark3,
    sum(mark4) AS mark4,
    sum(mark5) AS mark5
FROM raw_vpr_stats
GROUP BY ALL
