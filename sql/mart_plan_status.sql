-- Output table `plan_status` (SPEC §4.8; the execution report of seed 000): one row per
-- municipality × measure of the plan of AY $ay with its status on the June cycle's date:
--   done / in_progress / planned / overdue / not_participated.
-- The reference date is `$plan_reference_date`, or 10 June of AY + 1 (the June cycle,
-- seed 003 §4.5) when it is empty. The rules: sql/fragments/plan_status.sql, docs/plan.md.
-- @lookback 0  (the AY + 1 below is a calendar date of the AY, not a read)
WITH plan_reference AS (
    SELECT coalesce(try_cast(nullif($plan_reference_date, '') AS DATE), make_date($ay + 1, 6, 10))
        AS reference_date
),
-- @include plan_status
