"""Identity round-trip benchmark (Markdown → PO → Markdown) for transpub and its peers."""
