"""GPUC protocol package."""
