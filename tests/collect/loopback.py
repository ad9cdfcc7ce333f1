"""A small web served on loopback by the tests themselves (never the internet), with a log of every request."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    """What a path answers: status, headers, body (bytes, or chunks streamed without a length), a delay."""

    body: bytes | Callable[[], Iterable[bytes]] = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "text/html; charset=utf-8"


Route = Answer | Callable[[dict[str, str]], Answer]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-answer (the size limit at work) is expected here."""


@dataclass
class Request:
    host: str
    path: str
    headers: dict[str, str]


class LoopbackWeb:
    """One threaded HTTP server per loopback address; `routes[(host, path)]` answers, anything else is 404."""

    def __init__(self, hosts: Iterable[str] = ("127.0.0.1",)) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self._servers: dict[str, ThreadingHTTPServer] = {}
        for host in hosts:
            server = _QuietServer((host, 0), self._handler())
            server.daemon_threads = True
            self._servers[host] = server
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self._servers[host].server_address[1]}{path}"

    def serve(self, host: str, path: str, answer: Route) -> str:
        self.routes[(host, path)] = answer
        return self.url(host, path)

    def requested(self, host: str) -> list[str]:
        with self._lock:
            return [r.path for r in self.log if r.host == host]

    def close(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                host = self.server.server_address[0]
                headers = {k.lower(): v for k, v in self.headers.items()}
                with web._lock:
                    web.log.append(Request(host, self.path, headers))
                route = web.routes.get((host, self.path))
                answer = Answer(b"not found", status=404) if route is None else route
                if callable(answer) and not isinstance(answer, Answer):
                    answer = answer(headers)
                if answer.delay:
                    time.sleep(answer.delay)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client stopped reading
                    self._send(answer)

            def _send(self, answer: Answer) -> None:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if callable(answer.body):
                    self.send_header("Connection", "close")  # the body ends when the connection does
                    self.end_headers()
                    self.close_connection = True
                    for chunk in answer.body():
                        self.wfile.write(chunk)
                    return
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

        return Handler


def chunks(total: int, size: int = 1 << 16) -> Callable[[], Iterator[bytes]]:
    """A body of `total` bytes of HTML-ish filler, streamed in chunks."""

    def gen() -> Iterator[bytes]:
        block = (b"<p>" + "很长的页面。".encode() * 200 + b"</p>\n")[:size].ljust(size, b" ")
        sent = 0
        while sent < total:
            yield block
            sent += len(block)

    return gen
