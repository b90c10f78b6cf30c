-- Output table `plan_checkpoint`: the plan of AY $ay at the year's checkpoint, the
-- September cycle of AY + 1 (seed 003's calendar: «Определение эффективности … Сентябрь»):
-- the same rows and rules as `plan_status` (sql/fragments/plan_status.sql), on the
-- reference date `$plan_checkpoint_reference_date`, or 15 September of AY + 1 when empty.
-- @lookback 0  (the AY + 1 below is a calendar date of the AY, not a read)
WITH plan_reference AS (
    SELECT coalesce(try_cast(nullif($plan_checkpoint_reference_date, '') AS DATE), make_date($ay + 1, 9, 15))
        AS reference_date
),
-- @include plan_status
