"""Small HTTP servers that stand in for external services in tests (started on 127.0.0.1)."""
