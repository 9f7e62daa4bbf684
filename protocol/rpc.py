"""Connect to a JSON-RPC chain and check it is the chain we expect."""

from __future__ import annotations

from typing import Any

import requests
from web3 import HTTPProvider, Web3
from web3.exceptions import Web3Exception
from web3.providers.rpc.utils import ExceptionRetryConfiguration
from web3.types import RPCEndpoint

from protocol.errors import ChainUnreachable, InvalidInput, WrongChain
from protocol.node_errors import error_from_rpc

__all__ = ["chain_id_of", "connect", "rpc_request"]


def connect(url: str, *, expect_chain_id: int | None = None, timeout: float = 10.0) -> Web3:
    """A Web3 bound to ``url`` that has answered eth_chainId.

    Raises ChainUnreachable when nothing answers, WrongChain when ``expect_chain_id``
    is given and differs.
    """
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"RPC URL {url!r} must start with http:// or https://")
    provider = HTTPProvider(
        url,
        request_kwargs={"timeout": timeout},
        # Retries resend identical bytes (safe for sendRawTransaction); keep them few so an
        # unreachable URL fails within seconds.
        exception_retry_configuration=ExceptionRetryConfiguration(
            errors=(ConnectionError, requests.HTTPError, requests.Timeout),
            retries=2,
            backoff_factor=0.1,
        ),
    )
    w3 = Web3(provider)
    actual = chain_id_of(w3)
    if expect_chain_id is not None and actual != expect_chain_id:
        raise WrongChain(
            f"{url} is chain {actual}, expected chain {expect_chain_id}: "
            "point the RPC URL at the right chain or change the expected chain id"
        )
    return w3


def chain_id_of(w3: Web3) -> int:
    url = getattr(w3.provider, "endpoint_uri", "the RPC endpoint")
    try:
        return int(w3.eth.chain_id)
    except (requests.RequestException, Web3Exception, OSError, ValueError) as exc:
        raise ChainUnreachable(
            f"cannot reach a JSON-RPC chain at {url} ({type(exc).__name__}): "
            "check the URL and that the node is running"
        ) from exc


def rpc_request(w3: Web3, method: str, params: list[Any], label: str) -> Any:
    """One raw JSON-RPC call (no middleware: several times faster than w3.eth for hot
    paths). Node errors become the SDK's exceptions; a revert its ContractError."""
    try:
        response = w3.provider.make_request(RPCEndpoint(method), params)
    except (requests.RequestException, OSError) as exc:
        url = getattr(w3.provider, "endpoint_uri", "the node")
        raise ChainUnreachable(
            f"{label}: lost the JSON-RPC chain at {url} ({type(exc).__name__}); "
            "check that the node is running"
        ) from exc
    if "error" in response:
        raise error_from_rpc(dict(response["error"]), label)
    return response.get("result")
