"""Ray comparison (placeholder until the Ray work lands)."""
compare_ray_environments = get_comparison_result = None
