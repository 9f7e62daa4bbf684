"""Fixtures: a database per test (SQLite file, or PostgreSQL from GPUC_TEST_POSTGRES_URL),
the app in-process, and the app served by uvicorn on 127.0.0.1 for real clients."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from matcher_api_helpers import LiveServer, settings_for
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from matcher.api import create_app
from matcher.book.clock import ManualClock, SystemClock

POSTGRES_ENV = "GPUC_TEST_POSTGRES_URL"


def _postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(
            f"{POSTGRES_ENV} is unset in CI: start PostgreSQL with"
            ' `eval "$(scripts/ci/postgres.sh start)"` before pytest'
        )
    pytest.skip(f"{POSTGRES_ENV} unset (local run): PostgreSQL variant not run")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'matcher.db'}"
        return
    server = make_url(_postgres_server_url())
    name = f"gpuc_test_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'matcher.db'}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_800_000_000.0)


@pytest.fixture
def client(db_url: str, clock: ManualClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(db_url), clock)) as c:
        yield c


@pytest.fixture
def live_server(db_url: str) -> Iterator[LiveServer]:
    with LiveServer(settings_for(db_url), SystemClock()) as server:
        yield server
