"""Fetch feed documents over HTTP: one shared client, polite limits, everything bounded.

- One ``httpx.AsyncClient`` for the whole pass, with connection reuse through one
  small pool per origin (:mod:`feeds.transport`).
- A global limit on requests in flight and a per-origin limit (scheme, host, port):
  32 in flight keeps enough requests open to hide network latency across hundreds of
  feeds while bounding sockets and buffered bodies; 2 per origin is what polite feed
  readers do (many feeds of one publisher share a host, and it should not see a burst).
- Timeouts per phase (connect, read, write) plus a wall-clock deadline per feed, which
  also catches a server that trickles a byte every few seconds.
- Redirects are followed by hand, at most 5, http/https only, so 301/308 (the stored
  URL moves) can be told from 302/303/307 (it does not).
- The body is read raw and decompressed here with a ``max_length``, so the cap counts
  decompressed bytes and one network chunk can never expand past it (a gzip bomb costs
  one error). We only ask for gzip and deflate: brotli is not installed here.
- Conditional GET with the stored ETag and Last-Modified.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from .errors import FeedError
from .transport import PerOriginTransport, httpx  # httpx without its command-line tool

MiB = 1024 * 1024
USER_AGENT = "triage/0.1 (feed reader; polls on a schedule, honours Retry-After)"
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, application/rdf+xml;q=0.9,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT = {301, 308}


@dataclass(frozen=True, slots=True)
class FetchLimits:
    global_limit: int = 32
    per_origin: int = 2
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 60.0  # wall clock per feed, redirects included
    max_redirects: int = 5
    max_bytes: int = 15 * MiB  # after decompression


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # the URL that answered (after redirects)
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes | None = None  # None for 304
    wire_bytes: int = 0
    duration_ms: int = 0
    permanent_url: str | None = None  # where 301/308 moved the feed, if they did

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(FeedError):
    """A fetch that did not produce a document. Carries what the poller records."""

    def __init__(self, message: str, *, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.wire_bytes = 0
        self.duration_ms = 0
        self.permanent_url: str | None = None


class HTTPError(FetchError):
    """The server answered with an error status (404, 410, 429, 500, …)."""


class FetchTimeout(FetchError):
    """Connect, read or the per-feed deadline ran out."""


class ConnectionFailed(FetchError):
    """No connection, or the connection broke (reset, truncated response, TLS)."""


class TooLarge(FetchError):
    """The body is larger than the cap once decompressed."""


class RedirectError(FetchError):
    """Too many redirects, a loop, or a redirect to something that is not http(s)."""


class ContentEncodingError(FetchError):
    """A compressed body that cannot be decompressed, or an encoding we did not ask for."""


class Stopped(Exception):  # noqa: N818 - not an error: the poller was asked to stop
    """The fetch was not started because ``stop`` was set while it waited for a slot."""


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def _check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise RedirectError(f"bad URL {url!r}: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise RedirectError(f"refusing to fetch {url!r}: only http and https URLs with a host")
    return urlunsplit(parts._replace(fragment=""))


class Inflater:
    """Collects a body, decompressing gzip/deflate, and refuses more than ``cap`` bytes."""

    def __init__(self, coding: str | None, cap: int) -> None:
        codings = [c.strip().lower() for c in (coding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise ContentEncodingError(f"unsupported Content-Encoding {coding!r}")
        self.cap = cap
        self.size = 0
        self._parts: list[bytes] = []
        self._coding = codings[0] if codings else None
        self._raw_tried = False
        self._z = self._new() if self._coding else None

    @property
    def compressed(self) -> bool:
        return self._coding is not None

    def _new(self, raw: bool = False):
        if raw:
            return zlib.decompressobj(-zlib.MAX_WBITS)
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header, auto-detected

    def _add(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self.size > self.cap:
            raise TooLarge(f"body larger than {self.cap // MiB} MiB (after decompression)")
        self._parts.append(data)

    def feed(self, data: bytes) -> None:
        if self._z is None:
            self._add(data)
            return
        while data:
            try:
                out = self._z.decompress(data, self.cap - self.size + 1)
            except zlib.error as exc:
                if self._coding == "deflate" and not self._raw_tried and self.size == 0:
                    self._raw_tried = True  # some servers send raw deflate
                    self._z = self._new(raw=True)
                    continue
                raise ContentEncodingError(f"corrupt {self._coding} body: {exc}") from None
            self._add(out)
            data = self._z.unconsumed_tail
            if self._z.eof and self._z.unused_data:
                if self._coding == "deflate":
                    return  # trailing bytes after the stream: ignore
                data, self._z = self._z.unused_data, self._new()  # another gzip member

    def finish(self) -> bytes:
        if self._z is not None:
            self._add(self._z.flush())
        return b"".join(self._parts)


class Fetcher:
    """One shared client with a global and a per-origin limit. Use as an async context."""

    def __init__(self, limits: FetchLimits | None = None, user_agent: str = USER_AGENT) -> None:
        self.limits = limits or FetchLimits()
        lim = self.limits
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=lim.connect_timeout, read=lim.read_timeout, write=lim.read_timeout,
                pool=lim.deadline,
            ),
            transport=PerOriginTransport(per_origin=lim.per_origin, keepalive_expiry=30.0),
            headers={"User-Agent": user_agent, "Accept": ACCEPT,
                     "Accept-Encoding": "gzip, deflate"},
        )
        self._global = asyncio.Semaphore(lim.global_limit)
        self._origins: dict[tuple[str, str, int], asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _origin_slot(self, url: str) -> asyncio.Semaphore:
        key = origin(url)
        slot = self._origins.get(key)
        if slot is None:
            slot = self._origins[key] = asyncio.Semaphore(self.limits.per_origin)
        return slot

    async def fetch(
        self, url: str, etag: str | None = None, last_modified: str | None = None,
        stop: asyncio.Event | None = None, admit: Callable[[], Awaitable[None]] | None = None,
    ) -> FetchResult:
        """GET ``url`` (conditionally), following up to ``max_redirects`` redirects.

        Once the fetch holds its slots, ``admit()`` is awaited (the poller's memory
        budget); then, when ``stop`` is set, it raises :class:`Stopped` instead.
        """
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        state = _Chain(_check_url(url), stop, admit)
        try:
            return await self._follow(state, conditional)
        except FetchError as exc:
            exc.wire_bytes += state.wire_bytes
            exc.duration_ms = state.elapsed_ms()
            exc.permanent_url = state.permanent_url
            raise

    async def _follow(self, state: _Chain, conditional: dict[str, str]) -> FetchResult:
        for _ in range(self.limits.max_redirects + 1):
            async with self._origin_slot(state.url), self._global:
                await state.start(self.limits.deadline)
                try:
                    async with asyncio.timeout_at(state.deadline):
                        result = await self._hop(state, conditional)
                except TimeoutError:
                    raise FetchTimeout(
                        f"no complete response within {self.limits.deadline:g} s"
                    ) from None
            if result is not None:
                return result
        raise RedirectError(f"more than {self.limits.max_redirects} redirects")

    async def _hop(self, state: _Chain, conditional: dict[str, str]) -> FetchResult | None:
        host = (urlsplit(state.url).hostname or "").rstrip(".").lower()
        if host == "invalid" or host.endswith(".invalid"):
            # RFC 6761: names under .invalid never resolve; don't even ask the resolver
            # (the demo's feeds live there, so polling the demo touches no network).
            raise ConnectionFailed(f"{host} is under .invalid, which never resolves")
        request = self._client.build_request("GET", state.url, headers=conditional)
        try:
            response = await self._client.send(request, stream=True)
            try:
                return await self._answer(state, response)
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            raise FetchTimeout(_timeout_message(exc, self.limits)) from None
        except httpx.TransportError as exc:
            raise ConnectionFailed(_describe(exc)) from None
        except (httpx.RequestError, httpx.InvalidURL) as exc:
            raise ConnectionFailed(_describe(exc)) from None

    async def _answer(self, state: _Chain, response: httpx.Response) -> FetchResult | None:
        status = response.status_code
        headers = dict(response.headers.items())
        if status in REDIRECTS:
            state.redirect(status, headers.get("location"))
            return None
        if status == 304:
            return state.result(status, headers, None)
        if not 200 <= status < 300:
            reason = response.reason_phrase or ""
            raise HTTPError(f"HTTP {status} {reason}".strip(), status=status, headers=headers)
        try:
            body = await self._read_body(state, response, headers)
        except FetchError as exc:
            exc.status = exc.status or status
            raise
        except httpx.TransportError as exc:
            raise ConnectionFailed(_describe(exc), status=status) from None
        return state.result(status, headers, body)

    async def _read_body(
        self, state: _Chain, response: httpx.Response, headers: dict[str, str]
    ) -> bytes:
        inflater = Inflater(headers.get("content-encoding"), self.limits.max_bytes)
        declared = headers.get("content-length", "")
        if not inflater.compressed and declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise TooLarge(
                f"body of {int(declared) // MiB} MiB is larger than"
                f" {self.limits.max_bytes // MiB} MiB", status=response.status_code,
            )
        async for chunk in response.aiter_raw():
            state.wire_bytes += len(chunk)
            inflater.feed(chunk)
        return inflater.finish()


class _Chain:
    """The state of one fetch across its redirects."""

    def __init__(self, url: str, stop: asyncio.Event | None = None,
                 admit: Callable[[], Awaitable[None]] | None = None) -> None:
        self.url = url
        self.stop = stop
        self.admit = admit
        self.hops = 0
        self.wire_bytes = 0
        self.permanent_url: str | None = None
        self._only_permanent = True
        self._started: float | None = None
        self.deadline = 0.0
        self._seen = {url}

    async def start(self, budget: float) -> None:
        if self._started is None:
            if self.admit is not None:
                await self.admit()
            if self.stop is not None and self.stop.is_set():
                raise Stopped()
            self._started = time.monotonic()
            self.deadline = asyncio.get_running_loop().time() + budget

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self._started) * 1000) if self._started else 0

    def redirect(self, status: int, location: str | None) -> None:
        if not location:
            raise RedirectError(f"HTTP {status} redirect without a Location", status=status)
        target = _check_url(urljoin(self.url, location.strip()))
        if target in self._seen:
            raise RedirectError(f"redirect loop at {target}", status=status)
        self._seen.add(target)
        if status in PERMANENT and self._only_permanent:
            self.permanent_url = target
        else:
            self._only_permanent = False
        self.url = target

    def result(self, status: int, headers: dict[str, str], body: bytes | None) -> FetchResult:
        return FetchResult(
            url=self.url, status=status, headers=headers, body=body,
            wire_bytes=self.wire_bytes, duration_ms=self.elapsed_ms(),
            permanent_url=self.permanent_url,
        )


def _timeout_message(exc: httpx.TimeoutException, limits: FetchLimits) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect within {limits.connect_timeout:g} s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"no data from the server for {limits.read_timeout:g} s"
    if isinstance(exc, httpx.PoolTimeout):
        return "no free connection in time"
    return _describe(exc) or "timed out"


def _describe(exc: BaseException) -> str:
    """``Name: message``, looking through the exception's causes for a message."""
    name = type(exc).__name__
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        text = " ".join(str(cause).split())
        if text:
            return f"{name}: {text}"
        cause = cause.__cause__ or cause.__context__
    return name
