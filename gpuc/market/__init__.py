"""The whole marketplace on this machine (``gpuc up``, ``gpuc demo``, e2e tests, benchmarks):
chain, contracts, oracle committee, matcher with dashboard and document store, provider
agents, and the consumer-side helper that opens matched jobs on chain."""
