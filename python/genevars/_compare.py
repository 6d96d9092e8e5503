"""Comparison (placeholder until compare lands)."""
ComparisonResult = None
compare_snapshots = None
