-- Output table `prevention_half1` (seed 003 §4.3–4.4, January cycle): prevention of
-- academic failure in the first half of AY $ay, municipality × indicator. Every indicator
-- has a row; without reports it is 'no_data' with the reason, never a zero (the rows:
-- sql/fragments/prevention_rows.sql, shared with the June mart `prevention`).
WITH halves AS (
    SELECT 1 AS half
),
-- @include prevention_rows
SELECT
    * EXCLUDE (better),
    $definitions_version AS definitions_version,
    $run_id AS run_id
FROM prevention_rows
