"""JSON answers through instructor."""
