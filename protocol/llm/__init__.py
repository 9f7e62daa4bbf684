"""LLM inference shared by the provider agent and the oracles: the engine
interface, the reference (transformers) engine, Gemma's turn format, and the
session's signed running bill. Pure except ``transformers_engine`` (loads
torch on first use) and ``upstream`` (HTTP to an OpenAI-compatible server)."""
