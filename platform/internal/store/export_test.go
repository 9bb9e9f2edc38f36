package store

// MigrationSQL returns the SQL of each migration of engine ("sqlite" or
// "postgres"), in order, for tests that build a database by hand as the
// platform would have.
func MigrationSQL(engine string) []string {
	var ms []migration
	if engine == "postgres" {
		ms = postgresMigrations
	} else {
		ms = sqliteMigrations
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.sql
	}
	return out
}
