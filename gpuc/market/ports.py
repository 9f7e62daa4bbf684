"""Ports for the market's servers, picked below the kernel's ephemeral range: a port found
free there cannot be taken by an outgoing connection before the server binds it (a port
from bind(0) can, and with many clients polling it happens)."""

from __future__ import annotations

import random
import socket
from pathlib import Path

__all__ = ["listen_port"]

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 20_000


def _ephemeral_low() -> int:
    try:
        return int(_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def listen_port(tries: int = 200) -> int:
    """A port on 127.0.0.1 that is free now and outside the ephemeral range."""
    high = max(_ephemeral_low() - 1, _LOWEST + 1)
    for _ in range(tries):
        port = random.randint(_LOWEST, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port between {_LOWEST} and {high} after {tries} tries")
