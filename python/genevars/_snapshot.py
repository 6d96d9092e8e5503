"""Snapshots (placeholder until the scanner lands)."""
Snapshot = None
snapshot_env = None
