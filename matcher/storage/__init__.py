"""Durable storage: the command log, used nonces and files (SQLAlchemy Core)."""

from matcher.storage.database import make_engine
from matcher.storage.store import FileRow, LoggedCommand, Store, UsedNonce

__all__ = ["FileRow", "LoggedCommand", "Store", "UsedNonce", "make_engine"]
