"""One small module per provider API, plus the shared HTTP transport."""
