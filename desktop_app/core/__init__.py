"""Pure domain logic: no Qt, no HTTP, no SQLite (a test enforces it)."""
