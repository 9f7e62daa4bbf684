"""GPUC gpuc package."""
