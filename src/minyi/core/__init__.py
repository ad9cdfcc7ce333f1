"""Settings, database, clock and errors: no business rules live here."""
