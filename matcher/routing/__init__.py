"""Routing by reputation in the matcher: the table of providers' reputations the book ranks
with (pure, ``table``), and the source that reads them from the chain (``chain_source``)."""

from matcher.routing.table import ProviderRouting, RoutingTable, newcomer

__all__ = ["ProviderRouting", "RoutingTable", "newcomer"]
