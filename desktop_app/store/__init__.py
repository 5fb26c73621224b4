"""SQLite persistence. Only the main thread opens and writes the database."""
