"""Simulations of providers, honest and dishonest, against the pure verifiers."""
