"""The OpenAI Batch API mapped onto limit buys (pure: no I/O)."""
