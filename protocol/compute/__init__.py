"""Deterministic job inputs and reference execution, shared by the provider agent
and the oracles' verifiers. Pure: no network, chain or web framework."""
