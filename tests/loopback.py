"""A real HTTP server on 127.0.0.1 with scripted routes, for fetch and poll tests.

``with Loopback(ports=2) as web: web.route("/feed", static(body)); web.url("/feed")``

Every request is logged (path, port, headers) in ``web.requests``. Big bodies are
generated on the fly (never held in memory); the gzip bomb is built once and cached
in the temp folder.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import socket
import ssl
import struct
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

MiB = 1024 * 1024
Route = Callable[[BaseHTTPRequestHandler], None]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class Loopback:
    def __init__(self, ports: int = 1, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[int, str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._servers = [self._start() for _ in range(ports)]

    def _start(self) -> _Server:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?", 1)[0]
                port = self.server.server_address[1]
                with web._lock:
                    web.requests.append((port, path, {k.lower(): v for k, v in self.headers.items()}))
                route = web.routes.get(path)
                if route is None:
                    send(self, 404, b"not found", "text/plain")
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        server = _Server(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    @property
    def ports(self) -> list[int]:
        return [s.server_address[1] for s in self._servers]

    def url(self, path: str, port: int = 0) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.ports[port]}{path}"

    def route(self, path: str, handler: Route) -> str:
        self.routes[path] = handler
        return self.url(path)

    def seen(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [h for _, p, h in self.requests if p == path]

    def close(self) -> None:
        self.stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> Loopback:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def send(h: BaseHTTPRequestHandler, status: int, body: bytes = b"",
         content_type: str | None = None, headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    if content_type:
        h.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    if status != 304:
        h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if status != 304 and body:
        h.wfile.write(body)


class Document:
    """A feed document that answers conditional requests and can change."""

    def __init__(self, body: bytes, content_type: str = "application/rss+xml",
                 headers: dict[str, str] | None = None, validators: bool = True) -> None:
        self.content_type = content_type
        self.headers = headers or {}
        self.validators = validators
        self.set(body)

    def set(self, body: bytes) -> None:
        self.body = body
        self.etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        self.last_modified = email.utils.formatdate(time.time(), usegmt=True)

    def __call__(self, h: BaseHTTPRequestHandler) -> None:
        extra = dict(self.headers)
        if self.validators:
            extra.update({"ETag": self.etag, "Last-Modified": self.last_modified})
            inm = h.headers.get("If-None-Match")
            ims = h.headers.get("If-Modified-Since")
            if (inm and inm == self.etag) or (not inm and ims == self.last_modified):
                send(h, 304, headers=extra)
                return
        send(h, 200, self.body, self.content_type, extra)


def status(code: int, headers: dict[str, str] | None = None, body: bytes = b"error") -> Route:
    return lambda h: send(h, code, body, "text/plain", headers)


def redirect(code: int, location: str) -> Route:
    return lambda h: send(h, code, b"", None, {"Location": location})


def slow(body: bytes, delay: float = 0.5, chunk: int = 16) -> Route:
    """Trickles ``chunk`` bytes every ``delay`` seconds: each read is quick, the whole is not."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        for start in range(0, len(body), chunk):
            h.wfile.write(body[start : start + chunk])
            h.wfile.flush()
            time.sleep(delay)

    return handler


def hang(web: Loopback) -> Route:
    """Accepts the request and never answers (until the server stops)."""
    return lambda h: web.stopping.wait()


def huge(total: int = 200 * MiB, declare_length: bool = False) -> Route:
    """``total`` bytes of an RSS document that never ends, generated as it is sent.

    Chunked by default, so the client cannot refuse it from the Content-Length.
    """
    block = (b"<item><title>x</title><description>" + b"y" * 4000 + b"</description></item>\n") * 64

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        if declare_length:
            h.send_header("Content-Length", str(total))
        else:
            h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        sent = 0
        while sent < total:
            piece = block[: total - sent]
            sent += len(piece)
            h.wfile.write(piece if declare_length else b"%x\r\n%s\r\n" % (len(piece), piece))
        if not declare_length:
            h.wfile.write(b"0\r\n\r\n")

    return handler


def gzip_bomb_path(size: int = 1024 * MiB) -> Path:
    """A gzip stream that inflates to ``size`` bytes of a repeated character (~1 MB)."""
    path = Path(tempfile.gettempdir()) / f"triage-test-gzip-bomb-{size}.gz"
    if path.exists():
        return path
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"<" * MiB
    with tmp.open("wb") as out:
        for _ in range(size // MiB):
            out.write(comp.compress(block))
        out.write(comp.flush())
    os.replace(tmp, path)
    return path


def gzip_bomb(size: int = 1024 * MiB) -> Route:
    path = gzip_bomb_path(size)

    def handler(h: BaseHTTPRequestHandler) -> None:
        data = path.read_bytes()
        send(h, 200, data, "application/rss+xml", {"Content-Encoding": "gzip"})

    return handler


def gzipped(body: bytes) -> Route:
    data = zlib.compress(body, 6, wbits=31)
    return lambda h: send(h, 200, data, "application/rss+xml", {"Content-Encoding": "gzip"})


def truncated(body: bytes) -> Route:
    """Declares the whole length, sends half, closes the connection."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[: len(body) // 2])
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)

    return handler


def reset(h: BaseHTTPRequestHandler) -> None:
    """Sends the status line, then a TCP reset (SO_LINGER 0 and close)."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<rss")
    h.wfile.flush()
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.connection.close()


def rss(title: str, items: list[tuple[str, str, str]], ttl: int | None = None) -> bytes:
    """An RSS 2.0 document; items are (guid, title, text)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://example.org/</link>"
        "<description>test feed</description>",
    ]
    if ttl:
        parts.append(f"<ttl>{ttl}</ttl>")
    for n, (guid, item_title, text) in enumerate(items):
        parts.append(
            f"<item><guid isPermaLink=\"false\">{escape(guid)}</guid>"
            f"<title>{escape(item_title)}</title><link>https://example.org/{escape(guid)}</link>"
            f"<pubDate>{email.utils.formatdate(1_700_000_000 + n * 3600, usegmt=True)}</pubDate>"
            f"<description>{escape('<p>' + escape(text) + '</p>')}</description></item>"
        )
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Moved</title></head>"
             b"<body><h1>This is a web page, not a feed</h1><p>hello</p></body></html>")
