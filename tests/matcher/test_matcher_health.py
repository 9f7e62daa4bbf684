"""The matcher answers the one health path every GPUC service answers, unsigned."""

from __future__ import annotations

from fastapi.testclient import TestClient

from protocol.wire.health import HEALTH_PATH


def test_health_answers_ok_without_a_signature(client: TestClient) -> None:
    answer = client.get(HEALTH_PATH)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    assert client.post(HEALTH_PATH).status_code == 405
