"""Big integers survive a JavaScript client (issue 13, defect 6).

A real Node process with viem (pinned in package.json) fetches the matcher's fills,
parses them with JSON.parse and recomputes every job id from the terms; a uint that
travelled as a bare JSON number above 2**53 would be rounded and give another job.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from matcher_api_helpers import LiveServer, Wallet, offer_payload, order_payload, send, settings_for

from matcher.book.clock import SystemClock
from protocol.wire_ints import JS_SAFE_MAX

SCRIPT = Path(__file__).parent / "js" / "recompute_job_ids.mjs"
P, C = Wallet(81), Wallet(82)
PRICE = 3 * 10**18 + 7  # 3 GPUC and 7 wei per unit: far above 2**53


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_a_viem_client_recomputes_the_matchers_job_ids(sqlite_url: str) -> None:
    with (
        LiveServer(settings_for(sqlite_url), SystemClock()) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        r = send(http, time.time(), P, "POST", "/api/market/register", offer_payload(price=PRICE))
        assert r.status_code == 201, r.text
        offer_id = r.json()["offer_id"]
        r = send(
            http,
            time.time(),
            C,
            "POST",
            "/api/market/orders",
            {**order_payload(units=3, max_price=str(PRICE + 1))},
        )
        assert r.status_code == 201, r.text
        order = r.json()
        fill = order["fills"][0]
        # On the wire: decimal strings for every uint that can pass 2**53.
        assert fill["terms"]["budget"] == str(3 * PRICE)
        assert fill["terms"]["pricePerUnit"] == str(PRICE)
        assert isinstance(fill["terms"]["salt"], str) and int(fill["terms"]["salt"]) > JS_SAFE_MAX
        assert fill["price_per_unit_wei"] == str(PRICE)
        assert order["max_price_wei"] == str(PRICE + 1)
        urls = [
            f"{server.url}/api/market/orders/{order['order_id']}",
            f"{server.url}/api/market/fills/{fill['fill_id']}",
            f"{server.url}/api/market/offers/{offer_id}/fills",
        ]
        done = subprocess.run(
            ["node", str(SCRIPT), *urls],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).parents[2],
            check=False,
        )
        result = json.loads(done.stdout or "{}")
        assert done.returncode == 0, (done.stdout, done.stderr)
        assert result == {"checked": 3, "mismatches": []}
