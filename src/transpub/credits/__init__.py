"""Credits: the contribution log (who did what, when, on which entry)."""
