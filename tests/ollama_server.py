"""A local server speaking Ollama's own API for tests: real HTTP on 127.0.0.1, scripted replies.

``OllamaServer`` answers the routes litellm's ``ollama/`` and ``ollama_chat/``
providers use, in Ollama's shapes (not OpenAI's):

* ``POST /api/generate`` (``ollama/NAME``): ``{"model", "prompt", "system"?,
  "stream", "format"?, "options"}``; the reply is NDJSON, one
  ``{"model", "created_at", "response": PIECE, "done": false}`` line per few
  words, then a ``"done": true`` line with ``done_reason`` and the token counts;
  with ``"stream": false``, one object holding the whole ``response``;
* ``POST /api/chat`` (``ollama_chat/NAME``): ``{"model", "messages", "stream",
  "format"?, "options"}``; the same, with ``"message": {"role": "assistant",
  "content": PIECE}`` instead of ``response``;
* ``GET /api/tags`` (the installed models), ``POST /api/show`` (one model's
  details, template and context length), ``GET /api/version`` and ``GET /``.

A model that is not installed gets what Ollama returns for it: HTTP 404 with
``{"error": "model 'NAME' not found, try pulling it first"}`` from the chat and
generate routes, ``{"error": "model 'NAME' not found"}`` from ``/api/show``.
A name without a tag means ``:latest``, as in Ollama.

Replies are taken from a queue (``enqueue``), or ``default_reply`` when it is
empty; a request that asks for structured output (a ``format``, as the LLM
scorer's does) takes from its own queue (``enqueue(text, structured=True)``),
so a test can script an interview and its scoring independently. Every
request is kept in ``requests`` as ``(path, body)``; ``bodies(path)`` gives
the bodies sent to one route.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from openai_server import word_chunks

VERSION = "0.12.6"
CONTEXT_LENGTH = 131072


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def full_name(name: str) -> str:
    """Ollama's model name with its tag: ``llama3.1`` is ``llama3.1:latest``."""
    return name if ":" in name else f"{name}:latest"


class OllamaServer:
    """A scripted Ollama server; use as a context manager."""

    def __init__(
        self,
        models: tuple[str, ...] = ("llama3.1",),
        default_reply: str = "Thank you. What trade-offs did you weigh there?",
    ):
        self.models = [full_name(m) for m in models]
        self.default_reply = default_reply
        self.requests: list[tuple[str, Any]] = []
        self._queue: deque[str] = deque()
        self._structured: deque[str] = deque()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def enqueue(self, text: str, structured: bool = False) -> None:
        """Queue a reply (streamed a few words per NDJSON line), for a ``format`` request or not."""
        with self._lock:
            (self._structured if structured else self._queue).append(text)

    def _next(self, structured: bool) -> str:
        with self._lock:
            queue = self._structured if structured else self._queue
            return queue.popleft() if queue else self.default_reply

    def bodies(self, path: str) -> list[Any]:
        return [body for where, body in list(self.requests) if where == path]

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """The base URL, as given to ``--api-base`` (Ollama's has no ``/v1``)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OllamaServer:
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
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OllamaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _Handler(BaseHTTPRequestHandler):
    owner: OllamaServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send_json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _send_text(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _line(self, payload: Any) -> None:
        data = json.dumps(payload).encode() + b"\n"
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {"_raw": raw.decode("utf-8", "replace")}

    def do_GET(self) -> None:  # noqa: N802
        self.owner.requests.append((self.path, None))
        if self.path == "/":
            self._send_text(200, "Ollama is running")
        elif self.path == "/api/version":
            self._send_json(200, {"version": VERSION})
        elif self.path == "/api/tags":
            self._send_json(200, {"models": [self._tag(name) for name in self.owner.models]})
        else:
            self._send_text(404, "404 page not found")

    def do_POST(self) -> None:  # noqa: N802
        body = self._body()
        self.owner.requests.append((self.path, body))
        routes = {"/api/generate": "response", "/api/chat": "message", "/api/show": ""}
        if self.path not in routes:
            self._send_text(404, "404 page not found")
            return
        if not isinstance(body, dict) or "_raw" in body:
            self._send_json(400, {"error": "invalid character looking for beginning of value"})
            return
        name = str(body.get("model") or body.get("name") or "")
        if not name:
            self._send_json(400, {"error": "model is required"})
            return
        if full_name(name) not in self.owner.models:
            suffix = "" if self.path == "/api/show" else ", try pulling it first"
            self._send_json(404, {"error": f"model '{name}' not found{suffix}"})
            return
        if self.path == "/api/show":
            self._send_json(200, self._show(name))
            return
        field = routes[self.path]
        text = self.owner._next(structured=bool(body.get("format")))
        if body.get("stream", True):
            self._stream(name, field, text)
        else:
            self._send_json(200, {**self._piece(name, field, text), **self._final(name)})

    # -- shapes ----------------------------------------------------------

    def _piece(self, name: str, field: str, text: str) -> dict:
        value: Any = {"role": "assistant", "content": text} if field == "message" else text
        return {"model": name, "created_at": _now(), field: value, "done": False}

    def _final(self, name: str) -> dict:
        return {
            "done": True,
            "done_reason": "stop",
            "total_duration": 1_200_000_000,
            "load_duration": 10_000_000,
            "prompt_eval_count": 42,
            "prompt_eval_duration": 300_000_000,
            "eval_count": 17,
            "eval_duration": 800_000_000,
        }

    def _stream(self, name: str, field: str, text: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in word_chunks(text):
            self._line(self._piece(name, field, piece))
        self._line({**self._piece(name, field, ""), **self._final(name)})
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _tag(self, name: str) -> dict:
        return {
            "name": name,
            "model": name,
            "modified_at": "2026-10-01T12:00:00.000000000Z",
            "size": 4920753328,
            "digest": "46e0c10c039e019119339687c3c1757cc81b9da49709a3b3924863ba87ca666e",
            "details": self._details(),
        }

    def _details(self) -> dict:
        return {
            "parent_model": "",
            "format": "gguf",
            "family": "llama",
            "families": ["llama"],
            "parameter_size": "8.0B",
            "quantization_level": "Q4_K_M",
        }

    def _show(self, name: str) -> dict:
        return {
            "modelfile": f"FROM {full_name(name)}\n",
            "parameters": 'stop "<|eot_id|>"',
            "template": "{{ if .System }}<|start_header_id|>system<|end_header_id|>"
            "{{ .System }}<|eot_id|>{{ end }}{{ .Prompt }}",
            "details": self._details(),
            "model_info": {
                "general.architecture": "llama",
                "general.parameter_count": 8030261248,
                "llama.context_length": CONTEXT_LENGTH,
            },
            "capabilities": ["completion"],
            "modified_at": "2026-10-01T12:00:00.000000000Z",
        }
