"""Tables: the command log, and snapshots of the book that let the log be compacted
(a restart loads the newest snapshot and replays only the commands after it)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# SQLite only auto-assigns INTEGER PRIMARY KEY; PostgreSQL wants 64 bits.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

commands = Table(
    "matcher_commands",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=False),
    Column("at", Double, nullable=False),
    Column("command", Text, nullable=False),
)

used_nonces = Table(
    "matcher_used_nonces",
    metadata,
    Column("signer", String(42), primary_key=True),
    Column("nonce", String(78), primary_key=True),  # uint256 as decimal text
    Column("expires_at", BigInteger, nullable=False, index=True),
)

files = Table(
    "matcher_files",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(42), nullable=False, index=True),
    Column("purpose", String(32), nullable=False),
    Column("filename", String(256), nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

snapshots = Table(
    "matcher_snapshots",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=False),  # last command inside
    Column("at", Double, nullable=False),
    Column("state", LargeBinary, nullable=False),
)
