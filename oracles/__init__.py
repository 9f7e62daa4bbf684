"""GPUC oracles package."""
