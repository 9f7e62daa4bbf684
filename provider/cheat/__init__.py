"""Cheat mode: forged results for tests and demos of the slashing path."""
