"""The HTTP API (FastAPI): market, providers, consumers and the OpenAI Batch API."""

from matcher.api.app import create_app

__all__ = ["create_app"]
