"""An httpx transport with one small connection pool per origin.

httpcore's pool re-examines every connection it holds each time a request is queued
or finished (and counts them in a nested loop), so one shared pool over a hundred
kept-alive connections costs milliseconds of CPU per request. The poller talks to
many origins with at most ``per_origin`` requests each, so it keeps one tiny pool per
origin behind the one shared client: the same connection reuse, constant cost.

Idle pools beyond ``max_pools`` are closed, least recently used first, so a pass over
thousands of origins never holds thousands of idle sockets.
"""

from __future__ import annotations

import importlib.util
import ssl
import sys
from collections import OrderedDict
from collections.abc import AsyncIterator

# httpx's package __init__ imports its command-line tool (click, rich, pygments) when
# those happen to be installed. The poller never uses it: keeping it out saves ~45 ms
# of start-up per `triage poll` and keeps Rich out of the feeds layer.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
# httpcore asks "which async library?" with `import sniffio` several times per request;
# without sniffio installed each failed import searches all of sys.path again (~0.1 ms,
# thousands of times per pass). Remember the absence once.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]
import httpx  # noqa: E402

__all__ = ["PerOriginTransport", "httpx"]

Origin = tuple[str, str, int]


class _Tracked(httpx.AsyncByteStream):
    """A response body that tells its pool when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, done) -> None:
        self._stream = stream
        self._done = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


class PerOriginTransport(httpx.AsyncBaseTransport):
    def __init__(self, per_origin: int = 2, keepalive_expiry: float = 30.0,
                 max_pools: int = 64, verify: ssl.SSLContext | bool = True) -> None:
        self.per_origin = per_origin
        self.keepalive_expiry = keepalive_expiry
        self.max_pools = max_pools
        self._verify = verify
        self._ssl: ssl.SSLContext | None = None
        self._plain: ssl.SSLContext | None = None
        self._pools: OrderedDict[Origin, httpx.AsyncHTTPTransport] = OrderedDict()
        self._active: dict[Origin, int] = {}

    def _context(self, scheme: str) -> ssl.SSLContext | bool:
        """One SSL context for every https pool, built on first use (loading CAs is slow).

        Plain http pools never do TLS: they get a bare context, so httpx does not build
        (and load CAs into) one per origin.
        """
        if scheme != "https":
            if self._plain is None:
                self._plain = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            return self._plain
        if not self._verify or isinstance(self._verify, ssl.SSLContext):
            return self._verify
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context()
        return self._ssl

    def _pool(self, key: Origin) -> httpx.AsyncHTTPTransport:
        pool = self._pools.get(key)
        if pool is None:
            pool = httpx.AsyncHTTPTransport(
                verify=self._context(key[0]),
                limits=httpx.Limits(max_connections=self.per_origin,
                                    max_keepalive_connections=self.per_origin,
                                    keepalive_expiry=self.keepalive_expiry),
            )
            self._pools[key] = pool
        else:
            self._pools.move_to_end(key)
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        pool = self._pool(key)
        self._active[key] = self._active.get(key, 0) + 1
        try:
            response = await pool.handle_async_request(request)
        except BaseException:
            self._finished(key)
            raise
        response.stream = _Tracked(response.stream, lambda: self._finished(key))
        await self._evict()
        return response

    def _finished(self, key: Origin) -> None:
        left = self._active.get(key, 1) - 1
        if left:
            self._active[key] = left
        else:
            self._active.pop(key, None)

    async def _evict(self) -> None:
        if len(self._pools) <= self.max_pools:
            return
        for key in list(self._pools):
            if len(self._pools) <= self.max_pools:
                break
            if key not in self._active:
                await self._pools.pop(key).aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()
