-- The indicator engine (docs/indicator-engine.md): facts → one row per published
-- indicator with numerator, denominator, share, status, reason and the schools behind it.
-- Written once; a model includes it with the line `-- @include indicator_engine` after
-- its own CTEs, which must define
--   facts(ay, half, municipality_code, indicator_code, kind, school_code, has_data, hit,
--         num, den, prev_pct, cur_pct, factors, source_hint)
--     one row per school of an indicator's population. kind: 'schools' (numerator =
--     schools with `hit`), 'persons' (numerator / denominator = `num` / `den` summed
--     over the schools with data), 'count' (a number of schools, no denominator).
--     `half` is NULL for yearly marts; `prev_pct` / `cur_pct` (NULL when not shown) go
--     into `details`; `factors` (a VARCHAR list) are counted over the schools with `hit`;
--     `source_hint` says which data would fill an indicator without data.
--   frame(ay, half, municipality_code, indicator_code, forced_reason, empty_reason, …)
--     one row per published row (its other columns — titles, sort order — pass
--     through). `forced_reason`: a reason that holds whatever the facts (NULL: none);
--     `empty_reason`: the reason when the indicator has no facts (empty population).
-- and then selects from `engine_rows`. Parameters stay bound (`$monitoring_denominator`).
engine_agg AS (
    SELECT ay, half, municipality_code, indicator_code,
           any_value(kind) AS kind,
           any_value(source_hint) AS source_hint,
           count(*) AS population,
           count(*) FILTER (WHERE has_data) AS with_data,
           count(*) FILTER (WHERE hit) AS hits,
           sum(num) FILTER (WHERE has_data) AS num_sum,
           sum(den) FILTER (WHERE has_data) AS den_sum,
           coalesce(list(school_code ORDER BY school_code) FILTER (WHERE hit), []) AS hit_schools,
           coalesce(list(school_code ORDER BY school_code) FILTER (WHERE has_data), []) AS data_schools,
           coalesce(list(school_code ORDER BY school_code) FILTER (WHERE NOT has_data), []) AS nodata_schools,
           -- by school: the code is the struct's first field, so sorting the structs sorts by it
           -- (DuckDB turns a scalar list's ORDER BY into list_sort itself, not a struct's)
           list_sort(list({'school_code': school_code, 'prev_pct': prev_pct, 'cur_pct': cur_pct})
               FILTER (WHERE prev_pct IS NOT NULL OR cur_pct IS NOT NULL)) AS details,
           flatten(list(factors) FILTER (WHERE hit)) AS hit_factors
    FROM facts
    GROUP BY ay, half, municipality_code, indicator_code
),
engine_factors AS (
    SELECT ay, half, municipality_code, indicator_code,
           list({'factor': factor, 'schools': n} ORDER BY n DESC, factor) AS factors
    FROM (
        SELECT ay, half, municipality_code, indicator_code, factor, count(*) AS n
        FROM (SELECT ay, half, municipality_code, indicator_code, unnest(hit_factors) AS factor FROM engine_agg)
        GROUP BY ALL
    )
    GROUP BY ALL
),
engine_parts AS (
    SELECT fr.*,
           a.kind, a.source_hint, a.population, a.with_data, a.hits, a.hit_schools, a.data_schools,
           a.nodata_schools, a.details, f.factors AS factor_counts,
           CASE WHEN a.kind = 'persons' THEN a.num_sum WHEN a.kind IS NOT NULL THEN a.hits END AS num,
           CASE WHEN a.kind = 'persons' THEN a.den_sum
                WHEN a.kind = 'count' THEN NULL
                WHEN $monitoring_denominator = 'with_data' THEN a.with_data
                ELSE a.population END AS den,
           CASE WHEN a.kind = 'persons' THEN a.data_schools ELSE a.hit_schools END AS listed_schools
    FROM frame fr
    LEFT JOIN engine_agg a
           ON a.ay = fr.ay AND a.half IS NOT DISTINCT FROM fr.half
          AND a.municipality_code = fr.municipality_code AND a.indicator_code = fr.indicator_code
    LEFT JOIN engine_factors f
           ON f.ay = fr.ay AND f.half IS NOT DISTINCT FROM fr.half
          AND f.municipality_code = fr.municipality_code AND f.indicator_code = fr.indicator_code
),
engine_judged AS (
    SELECT *,
           coalesce(
               forced_reason,
               CASE WHEN coalesce(population, 0) = 0 THEN empty_reason END,
               CASE WHEN coalesce(with_data, 0) = 0
                        THEN 'нет данных: ' || coalesce(source_hint, 'источник не загружен')
                    WHEN kind <> 'count' AND coalesce(den, 0) = 0 THEN 'нет данных: знаменатель равен нулю'
               END) AS no_data_reason
    FROM engine_parts
),
engine_rows AS (
    SELECT *,
           CASE WHEN no_data_reason IS NULL THEN num END AS numerator,
           CASE WHEN no_data_reason IS NULL THEN den END AS denominator,
           CASE WHEN no_data_reason IS NULL AND den > 0 THEN round(100.0 * num / den, 2) END AS value_pct,
           CASE WHEN no_data_reason IS NULL THEN 'ok' ELSE 'no_data' END AS status
    FROM engine_judged
)
