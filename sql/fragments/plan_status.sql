-- The status of every measure of the plan of AY $ay on a reference date (SPEC §4.8, the
-- execution report of seed 000), written once for the June report (`mart_plan_status`)
-- and the September checkpoint of the year that ended (`mart_plan_checkpoint`). The model
-- that includes this fragment defines the CTE `plan_reference` (one row: reference_date).
--
-- Municipality: the plan's municipality column (a code or a name of the registry) or the
-- folder `plan/<municipality>/` it came in (tasks/plan_layout.py); a plan without one is
-- the regional plan, shared by every municipality of the registry that has none of its own.
-- Due date («Срок»): an exact date is exact («01.03.2024», «до 31 декабря 2023»; a day past
-- the month's end is its last day); otherwise the end of the period named: a month, a
-- quarter, a half-year, «учебный год» / «в течение года» (31 August of AY + 1), a year.
-- Status: the «Статус» column, or «Результат» where seed 000 writes it, classified by the
-- configured patterns ([plan] status_*), tried in order: not taken part, not done, done,
-- in progress, planned; an empty or unknown text counts as done when a result or evidence
-- is given, else as planned. «Ожидаемый результат» (seed 001) is what the measure is to
-- produce and never makes it done. A measure not done whose due date is before the
-- reference date is overdue: one status per measure, the same in every table.
municipalities AS (
    SELECT DISTINCT municipality_code, municipality_name FROM stg_schools WHERE municipality_code IS NOT NULL
),
plan_rows AS (
    SELECT p.* EXCLUDE (municipality_code),
           nullif(trim(p.municipality_code), '') AS municipality_given,
           coalesce(
               (SELECT min(m.municipality_code) FROM municipalities m
                 WHERE lower(m.municipality_code) = lower(trim(p.municipality_code))),
               (SELECT min(m.municipality_code) FROM municipalities m
                 WHERE lower(trim(m.municipality_name)) = lower(trim(p.municipality_code))),
               nullif(trim(p.municipality_code), '')) AS own_municipality
    FROM raw_plan p
    WHERE p.ay = $ay
),
with_own AS (
    SELECT DISTINCT own_municipality FROM plan_rows WHERE own_municipality IS NOT NULL
),
assigned AS (
    SELECT r.*, r.own_municipality AS municipality_code, 'municipal' AS plan_scope
    FROM plan_rows r WHERE r.own_municipality IS NOT NULL
    UNION ALL
    SELECT r.*, m.municipality_code, 'regional'
    FROM plan_rows r CROSS JOIN municipalities m
    WHERE r.own_municipality IS NULL AND m.municipality_code NOT IN (SELECT own_municipality FROM with_own)
    UNION ALL
    -- no registry loaded: the regional plan stays unassigned (every municipality's)
    SELECT r.*, NULL, 'regional'
    FROM plan_rows r WHERE r.own_municipality IS NULL AND NOT EXISTS (SELECT 1 FROM municipalities)
),
plan AS (
    SELECT *,
           row_number() OVER (PARTITION BY municipality_code ORDER BY _file, _sheet, _row, measure_no)
               AS measure_order,
           lower(coalesce(due, '')) AS d,
           lower(trim(coalesce(nullif(trim(status), ''), result, ''))) AS st
    FROM assigned
),
parsed AS (
    SELECT *,
           regexp_extract_all(d, '(20[0-9]{2})') AS years,
           regexp_extract_all(d, '(янв|фев|мар|апр|май|мая|июн|июл|авг|сен|окт|ноя|дек)') AS months,
           regexp_extract(d, '(?:^|[^a-zа-я])(iv|iii|ii|i|[1-4])\s*(?:-?й\s*)?квартал', 1) AS quarter,
           regexp_extract(d, '(?:^|[^a-zа-я])(ii|i|[12])\s*(?:-?е\s*)?полугоди', 1) AS half_year,
           d LIKE '%учебн%год%' OR d LIKE '%в течение года%' AS school_year,
           -- exact dates: «01.03.2024» (the last one written), «31 декабря 2023»
           regexp_extract_all(d, '(?:^|[^0-9])([0-3]?[0-9]\.[01]?[0-9]\.20[0-9]{2})', 1) AS numeric_dates,
           regexp_extract(d, '(?:^|[^0-9])([0-3]?[0-9])\s+(янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек)', 1)
               AS named_day,
           regexp_extract(d, '(?:^|[^0-9])([0-3]?[0-9])\s+(янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек)', 2)
               AS named_month
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
           CASE WHEN len(years) > 0 THEN CAST(years[len(years)] AS INTEGER) END AS end_year,
           list_position(['янв', 'фев', 'мар', 'апр', 'ма', 'июн', 'июл', 'авг', 'сен', 'окт', 'ноя', 'дек'],
                         CASE WHEN named_month LIKE 'ма%' THEN 'ма' ELSE named_month END) AS named_month_no
    FROM parsed
),
exact AS (
    SELECT *,
           coalesce(
               CASE WHEN len(numeric_dates) > 0
                    THEN try_strptime(numeric_dates[len(numeric_dates)], '%d.%m.%Y')::DATE END,
               CASE WHEN named_day <> '' AND named_month_no IS NOT NULL THEN
                   least(last_day(make_date(coalesce(end_year, CASE WHEN named_month_no >= 9 THEN $ay ELSE $ay + 1 END),
                                            named_month_no, 1)),
                         make_date(coalesce(end_year, CASE WHEN named_month_no >= 9 THEN $ay ELSE $ay + 1 END),
                                   named_month_no, 1) + INTERVAL (CAST(named_day AS INTEGER) - 1) DAY)::DATE
               END) AS exact_date
    FROM ends
),
dated AS (
    SELECT *,
           exact_date IS NOT NULL AS due_exact,
           CASE
               WHEN exact_date IS NOT NULL THEN exact_date
               WHEN end_month IS NOT NULL THEN
                   last_day(make_date(coalesce(end_year, CASE WHEN end_month >= 9 THEN $ay ELSE $ay + 1 END),
                                      end_month, 1))
               WHEN school_year THEN make_date(coalesce(end_year, $ay + 1), 8, 31)
               WHEN end_year IS NOT NULL THEN make_date(end_year, 12, 31)
           END AS due_date,
           (SELECT reference_date FROM plan_reference) AS reference_date
    FROM exact
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
           min(measure_order) OVER (PARTITION BY municipality_code,
                                    coalesce(nullif(trim(section), ''), 'Без раздела')) AS section_first
    FROM dated
),
ordered AS (
    SELECT *, dense_rank() OVER (PARTITION BY municipality_code ORDER BY section_first) AS section_order
    FROM classified
)
SELECT
    $ay AS ay,
    o.municipality_code,
    m.municipality_name,
    o.plan_scope,
    o.measure_no,
    coalesce(nullif(trim(o.section), ''), 'Без раздела') AS section,
    o.title,
    o.responsible,
    o.document_kind,
    o.due,
    o.due_date,
    o.due_exact,
    CASE
        WHEN o.base_status IN ('planned', 'in_progress', 'not_done') AND o.due_date < o.reference_date THEN 'overdue'
        WHEN o.base_status = 'not_done' THEN 'in_progress'
        ELSE o.base_status
    END AS status,
    o.status AS status_text,
    o.result,
    o.expected_result,
    o.evidence,
    o.reference_date,
    o.measure_order,
    o.section_order,
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM ordered o
LEFT JOIN municipalities m USING (municipality_code)
