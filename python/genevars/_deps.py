"""Dependency analysis (placeholder until it lands)."""
check_requirements = minimal_requirements = None
