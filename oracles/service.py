"""Run one oracle: the decision loop in a thread, the HTTP API in the foreground.

    OracleService(config, protocol, wallet).run()   # until SIGTERM / SIGINT

Startup takes the writer lock for the key, opens the database, checks that the key
is a committee member, resends whatever a crash left unsent, binds 127.0.0.1 and
prints an ``api_listening`` audit line with the port.
"""

from __future__ import annotations

import socket
import threading

import uvicorn

from oracles.api import create_app
from oracles.audit import AuditLog
from oracles.config import OracleConfig
from oracles.db import Database
from oracles.errors import OracleConfigError
from oracles.metrics import OracleMetrics
from oracles.node import OracleNode
from oracles.txmanager import WriterLock
from protocol.client import Protocol
from protocol.wallet import Wallet

__all__ = ["OracleService"]


class OracleService:
    def __init__(self, config: OracleConfig, protocol: Protocol, wallet: Wallet) -> None:
        self.config = config
        self.protocol = protocol
        self.wallet = wallet

    def run(self) -> None:
        config = self.config
        audit = AuditLog(self.wallet.address, path=config.audit_log)
        lock = WriterLock(config.db_path.parent, self.wallet.address).acquire()
        db = Database(config.db_path)
        stop = threading.Event()
        try:
            metrics = OracleMetrics()
            node = OracleNode(
                protocol=self.protocol,
                wallet=self.wallet,
                config=config,
                db=db,
                audit=audit,
                metrics=metrics,
            )
            node.start()
            sock = _bind(config.listen_host, config.listen_port)
            loop = threading.Thread(target=node.run, args=(stop,), name="oracle-loop", daemon=True)
            loop.start()
            server = uvicorn.Server(
                uvicorn.Config(
                    create_app(node, metrics),
                    log_level="warning",
                    access_log=False,
                    lifespan="off",
                )
            )
            audit.record(
                "api_listening",
                host=config.listen_host,
                port=sock.getsockname()[1],
                db=config.db_path,
                peers=[p.url for p in config.peers],
            )
            server.run(sockets=[sock])  # returns on SIGINT / SIGTERM
            stop.set()
            node.wake()
            loop.join(timeout=10)
            audit.record("oracle_stopped")
        finally:
            stop.set()
            db.close()
            lock.release()
            audit.close()


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OracleConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}): choose another listen_port, "
            "or 0 for a free one"
        ) from None
    sock.listen(128)
    return sock
