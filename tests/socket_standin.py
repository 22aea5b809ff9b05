"""Slack's Socket Mode end on loopback: a websocket server that speaks Slack's envelopes.

The app asks the Web API stand-in's `apps.connections.open` for a URL and connects here.
Each connection is greeted with Slack's `hello`; the test then sends envelopes
(`slash_commands`, `interactive`, `events_api`) and `disconnect` notices on it and reads
the app's acks, which Slack expects within 3 seconds as `{"envelope_id": …}`, with a
`payload` when the app answers in the ack (a slash command's message, a view submission's
`response_action`).
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve


class SocketModeStandIn:
    def __init__(self) -> None:
        # Each new connection, once greeted; None when the test stops waiting (app exited).
        self.connections: queue.Queue[ServerConnection | None] = queue.Queue()
        self._acks: dict[str, dict[str, Any]] = {}
        self._acked = threading.Condition()
        self._ids = itertools.count(1)
        self.server = serve(self._serve, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """What apps.connections.open hands out (Slack's is wss://wss-primary.slack.com/…)."""
        host, port = self.server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=test-ticket&app_id=A0TEST"

    def _serve(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "applink-test", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "A0TEST"},
                }
            )
        )
        self.connections.put(connection)
        try:
            for raw in connection:
                ack = json.loads(raw)
                with self._acked:
                    self._acks[ack["envelope_id"]] = ack
                    self._acked.notify_all()
        except ConnectionClosed:
            pass

    def send(
        self,
        connection: ServerConnection,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
    ) -> str:
        """Delivers one envelope as Slack does; returns its envelope_id."""
        envelope_id = f"envelope-{next(self._ids)}"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        connection.send(json.dumps(envelope))
        return envelope_id

    def disconnect(self, connection: ServerConnection, reason: str) -> None:
        """Slack's notice that it will close this connection (e.g. `refresh_requested`, a
        few times a day): the client is to connect anew at once."""
        connection.send(
            json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "test"}})
        )

    def ack_of(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any] | None:
        """The app's ack of that envelope, once it came (None if it never did)."""
        with self._acked:
            self._acked.wait_for(lambda: envelope_id in self._acks, timeout)
            return self._acks.get(envelope_id)

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join()
