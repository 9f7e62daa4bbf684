"""The provider's LLM serving: OpenAI-compatible endpoints over a session escrow,
each answer billed in a signed running bill (protocol.llm.bill)."""
