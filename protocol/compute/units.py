"""Billing units of each job kind (docs/protocol-types.md)."""

from __future__ import annotations

from protocol.compute.specs import AnyJobSpec, ContainerSpec, MatmulSpec

__all__ = ["MATMUL_FLOP_PER_UNIT", "matmul_flop", "matmul_units", "spec_units"]

# One unit = 1 GFLOP, rounded up, as the wire types say. Rounding up never gives
# 0 units, but it overcharges small jobs (n = 256 is 0.034 GFLOP, billed as 1);
# changing this constant to 10**6 (MFLOP) fixes that without other code changes.
MATMUL_FLOP_PER_UNIT = 10**9


def matmul_flop(n: int) -> int:
    """Multiply-adds counted as two operations: 2 n^3."""
    return 2 * n**3


def matmul_units(n: int) -> int:
    return -(-matmul_flop(n) // MATMUL_FLOP_PER_UNIT)


def spec_units(spec: AnyJobSpec) -> int:
    """The units a complete, honest run of ``spec`` is worth (for a container task,
    the most: every second it may run)."""
    if isinstance(spec, MatmulSpec):
        return matmul_units(spec.n)
    if isinstance(spec, ContainerSpec):
        return spec.max_seconds
    return spec.count
