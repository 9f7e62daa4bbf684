"""What each participant does, in the protocol's words: one module per role."""

from protocol.roles.consumer import Consumer
from protocol.roles.oracle_operator import OracleOperator
from protocol.roles.provider import Provider

__all__ = ["Consumer", "OracleOperator", "Provider"]
