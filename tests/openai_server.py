"""A local OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, scripted replies.

``OpenAIServer`` runs :class:`http.server.ThreadingHTTPServer` on a free port in
a daemon thread and answers ``POST /v1/chat/completions`` the way an
OpenAI-compatible endpoint does: Server-Sent Events (chunked transfer
encoding, one delta per few words, ``data: [DONE]``) when the body says
``"stream": true``, one JSON completion otherwise. What each request gets is
taken from a queue::

    with OpenAIServer() as srv:
        srv.enqueue("Tell me about a system you owned.")
        srv.enqueue_fault("500")
        ...  # point litellm at model "openai/test-model", api_base=srv.url

Faults reproduce what real servers and networks do: ``500``; ``500_echo`` (a 500
whose message repeats the bearer token and the fault's ``text``, as a careless
proxy does); ``429`` with
``Retry-After: 1``; ``401`` (echoing the key, as some servers do); ``timeout`` (hold the request ``hang_seconds``, then close
without answering); ``garbage`` (a body that is not JSON); ``empty`` (an empty
body); ``broken_stream`` (a few chunks, then the connection drops mid-body);
``wrong_schema`` (valid JSON that is not the OpenAI shape). When the queue is
empty the server answers with ``default_reply``. Every request body is kept in
``requests`` (parsed JSON) and its ``Authorization`` header in ``auth_headers``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = (
    "500",
    "500_echo",
    "429",
    "401",
    "timeout",
    "garbage",
    "empty",
    "broken_stream",
    "wrong_schema",
)


@dataclass
class Scripted:
    """One queued answer: reply text, or a fault kind with optional partial text."""

    text: str = ""
    fault: str = ""
    chunk_delay: float = 0.0  # seconds between streamed chunks
    stall_at: int | None = None  # hold the stream before this chunk
    gate: threading.Event | None = None  # what the stall waits for (else `hang_seconds`)


def word_chunks(text: str, words_per_chunk: int = 3) -> list[str]:
    """Split ``text`` into small deltas that keep every character (spaces included)."""
    pieces: list[str] = []
    current = ""
    count = 0
    for ch in text:
        current += ch
        if ch == " ":
            count += 1
            if count >= words_per_chunk:
                pieces.append(current)
                current, count = "", 0
    if current:
        pieces.append(current)
    return pieces


class OpenAIServer:
    """A scripted OpenAI-compatible server; use as a context manager."""

    def __init__(
        self,
        default_reply: str = "Thank you. What trade-offs did you weigh there?",
        hang_seconds: float = 6.0,
        model: str = "test-model",
    ):
        self.default_reply = default_reply
        self.hang_seconds = hang_seconds
        self.model = model
        self.requests: list[Any] = []
        self.auth_headers: list[str] = []
        self._queue: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting -------------------------------------------------------

    def enqueue(
        self,
        text: str,
        chunk_delay: float = 0.0,
        stall_at: int | None = None,
        gate: threading.Event | None = None,
    ) -> None:
        """Queue a reply; streamed in chunks of a few words, ``chunk_delay`` apart.

        ``stall_at`` holds the stream before that chunk: until ``gate`` is set
        (the test decides when the rest may come; ``hang_seconds`` at most), or
        without a gate for ``hang_seconds``, dropping the connection if the
        server closes meanwhile.
        """
        item = Scripted(text=text, chunk_delay=chunk_delay, stall_at=stall_at, gate=gate)
        with self._lock:
            self._queue.append(item)

    def enqueue_fault(self, kind: str, text: str = "") -> None:
        """Queue a fault; ``text`` is what ``broken_stream`` sends before dropping."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {FAULTS}")
        with self._lock:
            self._queue.append(Scripted(text=text, fault=kind))

    def _next(self) -> Scripted:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return Scripted(text=self.default_reply)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    # -- lifecycle -------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> OpenAIServer:
        server = self

        class Handler(_Handler):
            owner = server

        httpd = _QuietServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up (closed keep-alive connections) are not errors here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _Handler(BaseHTTPRequestHandler):
    owner: OpenAIServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    # -- plumbing --------------------------------------------------------

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self._send_raw(status, body, "application/json", headers)

    def _send_raw(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _start_sse(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _event(self, payload: Any) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self._chunk(f"data: {text}\n\n".encode())

    def _drop(self) -> None:
        """Close the socket at once, mid-response."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _delta(self, content: str | None, finish: str | None = None, role: bool = False) -> dict:
        delta: dict[str, Any] = {}
        if role:
            delta["role"] = "assistant"
        if content is not None:
            delta["content"] = content
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.owner.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    # -- requests --------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw or b"{}")
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        owner = self.owner
        owner.requests.append(body)
        owner.auth_headers.append(self.headers.get("Authorization", ""))
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(
                404, {"error": {"message": "not found", "type": "invalid_request_error"}}
            )
            return
        stream = bool(isinstance(body, dict) and body.get("stream"))
        item = owner._next()
        if item.fault:
            self._fault(item, stream)
        elif stream:
            self._stream(item)
        else:
            self._complete(item.text)

    def _complete(self, text: str) -> None:
        self._send_json(
            200,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": self.owner.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            },
        )

    def _stream(self, item: Scripted) -> None:
        self._start_sse()
        self._event(self._delta("", role=True))
        for index, piece in enumerate(word_chunks(item.text)):
            if item.chunk_delay:
                time.sleep(item.chunk_delay)
            if index == item.stall_at and item.gate is not None:
                item.gate.wait(self.owner.hang_seconds)
            elif index == item.stall_at:
                if self.owner._stop.wait(self.owner.hang_seconds):
                    return self._drop()
            self._event(self._delta(piece))
        self._event(self._delta(None, finish="stop"))
        self._event("[DONE]")
        self._chunk(b"")

    def _fault(self, item: Scripted, stream: bool) -> None:
        kind = item.fault
        error = {"error": {"message": f"scripted {kind}", "type": "server_error", "code": kind}}
        if kind == "500":
            self._send_json(500, error)
        elif kind == "500_echo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            error["error"]["message"] = f"upstream refused token {token} {item.text}".strip()
            self._send_json(500, error)
        elif kind == "401":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            error["error"]["message"] = f"Incorrect API key provided: {token}"
            error["error"]["type"] = "invalid_request_error"
            self._send_json(401, error)
        elif kind == "429":
            error["error"]["type"] = "rate_limit_error"
            self._send_json(429, error, {"Retry-After": "1"})
        elif kind == "timeout":
            self.owner._stop.wait(self.owner.hang_seconds)
            self._drop()
        elif kind == "garbage":
            self._send_raw(200, b"<html>this is not json {{{", "application/json")
        elif kind == "empty":
            self._send_raw(200, b"", "application/json")
        elif kind == "wrong_schema":
            if stream:
                self._start_sse()
                self._event({"unexpected": "shape", "items": [1, 2, 3]})
                self._event({"result": {"text": "no choices here"}})
                self._event("[DONE]")
                self._chunk(b"")
            else:
                self._send_json(200, {"result": "ok", "data": {"text": "no choices here"}})
        elif kind == "broken_stream":
            partial = item.text or "Thanks for that. Now let me"
            if stream:
                self._start_sse()
                self._event(self._delta("", role=True))
                for piece in word_chunks(partial):
                    self._event(self._delta(piece))
            else:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "4096")
                self.end_headers()
                self.wfile.write(b'{"id": "chatcmpl-test", "choices": [{"index": 0, "mess')
            self._drop()
