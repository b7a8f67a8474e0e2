"""Running work beyond one process: local worker pools, Ray clusters, data-parallel training."""
