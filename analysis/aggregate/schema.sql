-- The tables QuerySQL reads. Timestamps are Unix microseconds (UTC), so
-- that the same arithmetic works in every database; a table with native
-- timestamps can be put behind a view with these columns.
CREATE TABLE IF NOT EXISTS exposures (
	user_key       TEXT   NOT NULL,
	experiment_key TEXT   NOT NULL,
	variant_key    TEXT   NOT NULL,
	config_version BIGINT NOT NULL,
	timestamp      BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
	user_key  TEXT   NOT NULL,
	event     TEXT   NOT NULL,
	value     DOUBLE PRECISION,
	timestamp BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS exposures_by_experiment ON exposures (experiment_key, user_key);
CREATE INDEX IF NOT EXISTS events_by_user ON events (user_key, event);
