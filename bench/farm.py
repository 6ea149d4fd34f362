"""A loopback feed farm for the poll benchmark: N feeds × M realistic items over P ports.

Run as ``python -m bench.farm --feeds 500 --items 40 --ports 50 --latency 0.05``; it
prints one JSON line ``{"ports": [...], "urls": [...]}`` when it is listening.
``GET /__grow`` (any port) makes every tenth feed gain 3 new items; ``/__reset`` undoes
that (new ETags, so a fresh cache fetches everything again). Each response
waits ``--latency`` seconds first. Feeds carry an ETag and Last-Modified and answer
conditional requests with 304. One asyncio process, bodies built once in memory.
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import hashlib
import json
import random
import sys
import time
from xml.sax.saxutils import escape

WORDS = (
    "assessment forces offensive sector reserves logistics artillery drones brigade "
    "frontline sanctions resolution labor visas migration shipments ports refinery "
    "strikes air defense Patriot training base hybrid threats sabotage cables energy "
    "grid negotiations ceasefire corridor grain exports satellite imagery OSINT "
    "mobilization recruitment casualties equipment losses armored columns bridgehead "
    "counteroffensive attrition deterrence escalation procurement munitions shells "
    "factories supply chains evasion intermediaries shadow fleet tankers insurance "
    "oblast district settlement infrastructure railway depot command posts radar "
    "electronic warfare jamming glide bombs missiles interceptors partners allies"
).split()
CYRILLIC = "наступление оборона логистика санкции беспилотники резервы бригада фронт".split()


def _sentence(rng: random.Random, words: list[str]) -> str:
    n = rng.randint(12, 26)
    text = " ".join(rng.choice(words) for _ in range(n))
    if rng.random() < 0.3:
        text += f", with {rng.randint(2, 14000):,} reported in {rng.randint(2019, 2026)}"
    return text[0].upper() + text[1:] + "."


def paragraph_pool(seed: int = 1, size: int = 1500) -> list[str]:
    rng = random.Random(seed)
    pool = []
    for n in range(size):
        words = WORDS + CYRILLIC if n % 7 == 0 else WORDS
        sentences = [_sentence(rng, words) for _ in range(rng.randint(3, 6))]
        if rng.random() < 0.4:
            k = rng.randrange(len(sentences))
            sentences[k] = f"<strong>{sentences[k]}</strong>"
        if rng.random() < 0.3:
            sentences.append('See <a href="https://example.org/report/'
                             f'{rng.randint(1, 10**6)}">the full report</a> &amp; maps.')
        pool.append("<p>" + " ".join(sentences) + "</p>")
    return pool


class Feed:
    def __init__(self, index: int, items: int, pool: list[str]) -> None:
        self.index = index
        self.atom = index % 5 == 4
        self.pool = pool
        self.count = items
        self.title = f"Daily assessment desk {index}"
        self.render()

    def item(self, n: int) -> tuple[str, str, str, str]:
        rng = random.Random(self.index * 100_003 + n)
        body = "\n".join(rng.choice(self.pool) for _ in range(rng.randint(3, 4)))
        title = f"Assessment {n}: " + " ".join(rng.choice(WORDS) for _ in range(6))
        when = 1_750_000_000 + n * 3600 + self.index * 7
        return f"https://desk{self.index}.example.org/a/{n}", title, body, when

    def render(self) -> None:
        items = [self.item(n) for n in range(self.count - 1, self.count - 41, -1) if n >= 0]
        self.body = (self._atom(items) if self.atom else self._rss(items)).encode()
        self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'
        self.last_modified = email.utils.formatdate(time.time(), usegmt=True)

    def _rss(self, items) -> str:
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
               'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
               f"<title>{self.title}</title><link>https://desk{self.index}.example.org/</link>"
               "<description>Analysis of the war, sanctions and hybrid threats</description>"]
        for link, title, body, when in items:
            summary = escape(body.split("</p>", 1)[0] + "</p>")
            out.append(
                f"<item><title>{escape(title)}</title><link>{link}</link>"
                f'<guid isPermaLink="true">{link}</guid><dc:creator>Analyst Team</dc:creator>'
                f"<pubDate>{email.utils.formatdate(when, usegmt=True)}</pubDate>"
                f"<description>{summary}</description>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
            )
        out.append("</channel></rss>\n")
        return "\n".join(out)

    def _atom(self, items) -> str:
        def stamp(t: float) -> str:
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

        out = ['<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
               f"<title>{self.title}</title><id>urn:desk:{self.index}</id>"
               f'<link href="https://desk{self.index}.example.org/"/>'
               f"<updated>{stamp(items[0][3] if items else 0)}</updated>"]
        for link, title, body, when in items:
            out.append(
                f"<entry><title>{escape(title)}</title><id>{link}</id>"
                f'<link rel="alternate" href="{link}"/><author><name>Analyst Team</name></author>'
                f"<published>{stamp(when)}</published><updated>{stamp(when)}</updated>"
                f'<content type="html">{escape(body)}</content></entry>'
            )
        out.append("</feed>\n")
        return "\n".join(out)


class Farm:
    def __init__(self, feeds: int, items: int, ports: int, latency: float) -> None:
        pool = paragraph_pool()
        self.items = items
        self.feeds = [Feed(i, items, pool) for i in range(feeds)]
        self.nports = ports
        self.latency = latency
        self.ports: list[int] = []
        self.requests = 0

    def reset(self) -> None:
        for feed in self.feeds:
            if feed.count != self.items:
                feed.count = self.items
                feed.render()

    def grow(self) -> int:
        grown = 0
        for feed in self.feeds[::10]:
            feed.count += 3
            feed.render()
            grown += 1
        return grown

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.ports[i % self.nports]}/feed/{i}.xml"
                for i in range(len(self.feeds))]

    def respond(self, path: str, headers: dict[str, str]) -> bytes:
        self.requests += 1
        if path == "/__grow":
            return _response(200, str(self.grow()).encode(), "text/plain")
        if path == "/__reset":
            self.reset()
            return _response(200, b"ok", "text/plain")
        if path == "/__stats":
            return _response(200, str(self.requests).encode(), "text/plain")
        try:
            feed = self.feeds[int(path.removeprefix("/feed/").removesuffix(".xml"))]
        except (ValueError, IndexError):
            return _response(404, b"not found", "text/plain")
        validators = {"ETag": feed.etag, "Last-Modified": feed.last_modified}
        inm, ims = headers.get("if-none-match"), headers.get("if-modified-since")
        if (inm and feed.etag in inm) or (not inm and ims == feed.last_modified):
            return _response(304, b"", None, validators)
        ctype = "application/atom+xml" if feed.atom else "application/rss+xml"
        return _response(200, feed.body, ctype, validators)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                await asyncio.sleep(self.latency)
                writer.write(self.respond(path, headers))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def serve(self) -> None:
        servers = []
        for _ in range(self.nports):
            server = await asyncio.start_server(self.handle, "127.0.0.1", 0, backlog=512)
            servers.append(server)
            self.ports.append(server.sockets[0].getsockname()[1])
        sys.stdout.write(json.dumps({"ports": self.ports, "urls": self.urls()}) + "\n")
        sys.stdout.flush()
        await asyncio.gather(*(s.serve_forever() for s in servers))


def _response(status: int, body: bytes, ctype: str | None, extra: dict | None = None) -> bytes:
    reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
    lines = [f"HTTP/1.1 {status} {reason}", "Server: bench-farm"]
    if ctype:
        lines.append(f"Content-Type: {ctype}")
    for name, value in (extra or {}).items():
        lines.append(f"{name}: {value}")
    if status != 304:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--ports", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    farm = Farm(args.feeds, args.items, args.ports, args.latency)
    try:
        asyncio.run(farm.serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
