"""The consumer's LLM gateway (RIP-10's "smart client"): an OpenAI-compatible
endpoint on 127.0.0.1 that picks the best provider now, opens or reuses an
on-chain session there, forwards, checks the signed bills, and fails over."""
