-- One metric's sufficient statistics per variant and day of first
-- exposure, under GrowthBook's attribution rules (see doc.go).
--
-- Parameters: $1 experiment key, $2 event name, $3 conversion window in
-- microseconds (0: none), $4 CUPED pre-exposure window in microseconds
-- (0: no covariate), $5 1 for a proportion metric, 0 for a mean.
--
-- Written in the SQL that PostgreSQL, SQLite, ClickHouse and BigQuery
-- share: CTEs, CASE, COALESCE, COUNT(DISTINCT), integer arithmetic on
-- Unix microseconds. Porting notes are in the module's README.
WITH params AS (
	SELECT
		CAST($1 AS TEXT)   AS experiment_key,
		CAST($2 AS TEXT)   AS event,
		CAST($3 AS BIGINT) AS window_us,
		CAST($4 AS BIGINT) AS pre_us,
		CAST($5 AS BIGINT) AS proportion
),
-- Rules 1 and 2: each user's first exposure, and its variant, or
-- '__multiple__' for a user exposed to more than one.
units AS (
	SELECT
		x.user_key,
		CASE WHEN COUNT(DISTINCT x.variant_key) > 1 THEN '__multiple__' ELSE MIN(x.variant_key) END AS variant_key,
		MIN(x.timestamp) AS first_exposure
	FROM exposures x, params p
	WHERE x.experiment_key = p.experiment_key
	GROUP BY x.user_key
),
-- Rules 3 and 4: each user's events of the metric, counted from the first
-- exposure (to the end of the window), and before it for the covariate.
-- An event without a value counts 1.
per_user AS (
	SELECT
		u.user_key,
		u.variant_key,
		u.first_exposure,
		COALESCE(SUM(CASE
			WHEN e.timestamp >= u.first_exposure
				AND (p.window_us = 0 OR e.timestamp <= u.first_exposure + p.window_us)
			THEN CASE WHEN p.proportion = 1 THEN 1 ELSE COALESCE(e.value, 1) END
			ELSE 0 END), 0) AS main,
		COALESCE(SUM(CASE
			WHEN p.pre_us > 0 AND e.timestamp < u.first_exposure
				AND e.timestamp >= u.first_exposure - p.pre_us
			THEN CASE WHEN p.proportion = 1 THEN 1 ELSE COALESCE(e.value, 1) END
			ELSE 0 END), 0) AS covariate
	FROM units u
	CROSS JOIN params p
	LEFT JOIN events e ON e.user_key = u.user_key AND e.event = p.event
	GROUP BY u.user_key, u.variant_key, u.first_exposure
),
-- A proportion is 1 for a user with an event, else 0.
valued AS (
	SELECT
		v.variant_key,
		(v.first_exposure - v.first_exposure % 86400000000) / 86400000000 AS unix_day,
		CASE WHEN p.proportion = 1 THEN CASE WHEN v.main > 0 THEN 1 ELSE 0 END ELSE v.main END AS x,
		CASE WHEN p.proportion = 1 THEN CASE WHEN v.covariate > 0 THEN 1 ELSE 0 END ELSE v.covariate END AS c
	FROM per_user v
	CROSS JOIN params p
)
SELECT
	variant_key,
	unix_day,
	COUNT(*)   AS n,
	SUM(x)     AS main_sum,
	SUM(x * x) AS main_sum_squares,
	SUM(c)     AS covariate_sum,
	SUM(c * c) AS covariate_sum_squares,
	SUM(x * c) AS main_covariate_sum_product
FROM valued
GROUP BY variant_key, unix_day
ORDER BY variant_key, unix_day
