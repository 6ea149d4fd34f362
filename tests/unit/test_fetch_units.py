"""feeds.fetch pieces that need no network: the capped inflater, origins, URLs."""

from __future__ import annotations

import zlib

import pytest

from feeds.fetch import ContentEncodingError, Inflater, TooLarge, origin
from feeds.opml import OPMLError, Subscription, read_opml, write_opml

TEXT = b"<rss>" + b"analysis " * 20000 + b"</rss>"


def feed_in_chunks(inflater: Inflater, data: bytes, size: int = 1000) -> bytes:
    for start in range(0, len(data), size):
        inflater.feed(data[start : start + size])
    return inflater.finish()


@pytest.mark.parametrize("wbits", [31, 15, -15])
def test_inflates_gzip_zlib_and_raw_deflate(wbits):
    coding = "gzip" if wbits == 31 else "deflate"
    comp = zlib.compressobj(6, zlib.DEFLATED, wbits)
    data = comp.compress(TEXT) + comp.flush()
    assert feed_in_chunks(Inflater(coding, 10**7), data) == TEXT


def test_multi_member_gzip():
    data = zlib.compress(b"abc", wbits=31) + zlib.compress(b"def", wbits=31)
    assert feed_in_chunks(Inflater("gzip", 100), data, 3) == b"abcdef"


def test_cap_counts_decompressed_bytes_and_never_expands_past_it():
    bomb = zlib.compress(b"\0" * (50 * 1024 * 1024), 9, wbits=31)
    inflater = Inflater("gzip", 1024 * 1024)
    with pytest.raises(TooLarge):
        inflater.feed(bomb)  # one chunk that would expand to 50 MiB
    assert inflater.size <= 1024 * 1024 + 1


def test_identity_cap():
    inflater = Inflater(None, 10)
    inflater.feed(b"12345")
    with pytest.raises(TooLarge):
        inflater.feed(b"678901")


@pytest.mark.parametrize("coding", ["br", "zstd", "gzip, gzip", "compress"])
def test_unsupported_encodings(coding):
    with pytest.raises(ContentEncodingError):
        Inflater(coding, 100)


def test_corrupt_gzip():
    with pytest.raises(ContentEncodingError):
        feed_in_chunks(Inflater("gzip", 100), b"\x1f\x8b\x08\x00garbagegarbage")


def test_origin_is_scheme_host_port():
    assert origin("http://Example.org/a") == ("http", "example.org", 80)
    assert origin("https://example.org/a") == ("https", "example.org", 443)
    assert origin("http://127.0.0.1:8080/x") == ("http", "127.0.0.1", 8080)


def test_opml_nested_outlines_and_safe_parsing():
    doc = b"""<?xml version="1.0"?>
    <opml version="1.0"><head><title>x</title></head><body>
      <outline text="Folder">
        <outline text="War &amp; Peace" xmlUrl="https://a.example/feed"/>
        <outline text="Deep"><outline title="B" xmlUrl="https://b.example/rss" htmlUrl="https://b.example/"/></outline>
      </outline>
      <outline text="no url"/>
      <outline text="C" xmlUrl="https://c.example/"/>
    </body></opml>"""
    subs = read_opml(doc)
    assert [s.url for s in subs] == ["https://a.example/feed", "https://b.example/rss",
                                     "https://c.example/"]
    assert subs[0].title == "War & Peace"
    assert subs[1].site_url == "https://b.example/"


def test_opml_refuses_entity_declarations():
    laughs = b"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">
    <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
    <opml><body><outline text="&c;" xmlUrl="https://a.example/"/></body></opml>"""
    with pytest.raises(OPMLError, match="entities"):
        read_opml(laughs)


def test_opml_rejects_non_opml():
    with pytest.raises(OPMLError):
        read_opml(b"<rss/>")
    with pytest.raises(OPMLError):
        read_opml(b"not xml at all <")


def test_opml_written_is_read_back():
    subs = [Subscription("https://a.example/?x=1&y=2", 'Quotes "and" <tags>\nnewline'),
            Subscription("http://b.example/", None, "https://b.example/home")]
    back = read_opml(write_opml(subs).encode())
    assert [s.url for s in back] == [s.url for s in subs]
    assert back[0].title == 'Quotes "and" <tags> newline'
    assert back[1].title == "http://b.example/" and back[1].site_url == "https://b.example/home"
