"""GPUC provider package."""
