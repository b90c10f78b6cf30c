-- Output table `plan_status` (SPEC §4.8; the execution report of seed 000): one row per
-- measure of the plan of AY $ay with its status:
--   done / in_progress / planned / overdue / not_participated.
-- The status text is classified by the configured patterns ([plan] status_*), tried in
-- order: not taken part, not done, done, in progress, planned; an empty or unknown status
-- counts as done when a result or evidence is given, else as planned. A measure that is
-- not done and whose due date (end of the period named in «Срок») is before the reference
-- date is overdue. The reference date is `$plan_reference_date`, or 10 June of AY + 1
-- (the June cycle, seed 003 §4.5) when it is empty.
WITH plan AS (
    SELECT *,
           row_number() OVER (ORDER BY _file, _sheet, _row, measure_no) AS measure_order,
           lower(coalesce(due, '')) AS d,
           lower(trim(coalesce(nullif(trim(status), ''), result, ''))) AS st
    FROM raw_plan
    WHERE ay = $ay
),
parsed AS (
    SELECT *,
           regexp_extract_all(d, '(20[0-9]{2})') AS years,
           regexp_extract_all(d, '(янв|фев|мар|апр|май|мая|июн|июл|авг|сен|окт|ноя|дек)') AS months,
           regexp_extract(d, '(?:^|[^a-zа-я])(iv|iii|ii|i|[1-4])\s*(?:-?й\s*)?квартал', 1) AS quarter,
           regexp_extract(d, '(?:^|[^a-zа-я])(ii|i|[12])\s*(?:-?е\s*)?полугоди', 1) AS half_year,
           d LIKE '%учебн%год%' AS school_year
    FROM plan
),
ends AS (
    SELECT *,
           CASE
               WHEN len(months) > 0 THEN list_position(
                   ['янв', 'фев', 'мар', 'апр', 'май', 'июн', 'июл', 'авг', 'сен', 'окт', 'ноя', 'дек'],
                   CASE WHEN months[len(months)] = 'мая' THEN 'май' ELSE months[len(months)] END)
               WHEN quarter <> '' THEN 3 * CASE quarter WHEN 'i' THEN 1 WHEN 'ii' THEN 2 WHEN 'iii' THEN 3
                                                    WHEN 'iv' THEN 4 ELSE CAST(quarter AS INTEGER) END
               WHEN half_year <> '' THEN CASE WHEN half_year IN ('i', '1') THEN 6 ELSE 12 END
           END AS end_month,
           CASE WHEN len(years) > 0 THEN CAST(years[len(years)] AS INTEGER) END AS end_year
    FROM parsed
),
dated AS (
    SELECT *,
           CASE
               WHEN end_month IS NOT NULL THEN
                   last_day(make_date(coalesce(end_year, CASE WHEN end_month >= 9 THEN $ay ELSE $ay + 1 END),
                                      end_month, 1))
               WHEN school_year THEN make_date(coalesce(end_year, $ay + 1), 8, 31)
               WHEN end_year IS NOT NULL THEN make_date(end_year, 12, 31)
           END AS due_date,
           coalesce(try_cast(nullif($plan_reference_date, '') AS DATE), make_date($ay + 1, 6, 10)) AS reference_date
    FROM ends
),
classified AS (
    SELECT *,
           CASE
               WHEN regexp_matches(st, $plan_status_not_participated) THEN 'not_participated'
               WHEN regexp_matches(st, $plan_status_not_done) THEN 'not_done'
               WHEN regexp_matches(st, $plan_status_done) THEN 'done'
               WHEN regexp_matches(st, $plan_status_in_progress) THEN 'in_progress'
               WHEN regexp_matches(st, $plan_status_planned) THEN 'planned'
               WHEN nullif(trim(coalesce(result, '')), '') IS NOT NULL
                 OR nullif(trim(coalesce(evidence, '')), '') IS NOT NULL THEN 'done'
               ELSE 'planned'
           END AS base_status,
           min(measure_order) OVER (PARTITION BY coalesce(nullif(trim(section), ''), 'Без раздела')) AS section_first
    FROM dated
),
ordered AS (
    SELECT *, dense_rank() OVER (ORDER BY section_first) AS section_order FROM classified
)
SELECT
    $ay AS ay,
    measure_no,
    coalesce(nullif(trim(section), ''), 'Без раздела') AS section,
    title,
    responsible,
    due,
    due_date,
    CASE
        WHEN base_status IN ('planned', 'in_progress', 'not_done') AND due_date < reference_date THEN 'overdue'
        WHEN base_status = 'not_done' THEN 'in_progress'
        ELSE base_status
    END AS status,
    status AS status_text,
    result,
    evidence,
    reference_date,
    measure_order,
    section_order,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM ordered
