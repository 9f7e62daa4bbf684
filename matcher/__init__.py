"""GPUC matcher package."""
