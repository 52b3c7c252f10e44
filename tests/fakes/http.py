"""A tiny threaded HTTP server on loopback that records what a fake platform API was sent.

Stdlib only and in its own thread, so one fake serves the Rasa server process, in-test clients on
any event loop, and synchronous clients (zalo-sdk's requests) alike.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs


class FakeAPI:
    """Subclasses implement `answer(path, headers, params) -> (status, json)`; every call is kept
    in `calls` as {"path", "headers", "params", "status", "response"}."""

    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []
        self._changed = threading.Condition()
        self._server: Optional[ThreadingHTTPServer] = None

    def answer(self, path: str, headers: Dict[str, str], params: Dict[str, Any]) -> Tuple[int, Any]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeAPI":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("application/json"):
                    params = json.loads(raw or b"{}")
                elif kind.startswith("application/x-www-form-urlencoded"):
                    params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                else:
                    params = {"_raw": raw.decode("utf-8", "replace")}
                self._reply(fake.record(self.path, dict(self.headers), params))

            do_GET = do_POST

            def _reply(self, answer: Tuple[int, Any]) -> None:
                status, body = answer
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def record(self, path: str, headers: Dict[str, str], params: Dict[str, Any]) -> Tuple[int, Any]:
        answer = self.answer(path, headers, params)
        with self._changed:
            self.calls.append({"path": path, "headers": headers, "params": params, "status": answer[0],
                               "response": answer[1]})
            self._changed.notify_all()
        return answer

    def wait_for(self, select: Callable[[List[Dict[str, Any]]], List[Any]], count: int = 1,
                 timeout: float = 60.0) -> List[Any]:
        """Wait until `select(calls)` returns at least `count` items; return them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = select(list(self.calls))
                if len(found) >= count or time.monotonic() > deadline:
                    return found
                self._changed.wait(timeout=max(0.05, min(1.0, deadline - time.monotonic())))
