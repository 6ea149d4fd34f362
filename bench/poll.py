"""Poll benchmark: triage vs newsboat on one loopback farm, in the same run.

    python -m bench.poll [--feeds 500] [--items 40] [--ports 50] [--latency 0.05]

Starts ``bench.farm`` (500 feeds × 40 items, ≈160 KB each, over 50 ports of
127.0.0.1, 50 ms added per response, ETag/Last-Modified/304), then measures:

1. cold import: newsboat ``-x reload`` (``reload-threads 16``) on an empty cache, and
   ``triage poll --all`` on a file with the feeds subscribed and nothing fetched;
2. incremental: every tenth feed gains 3 items, then both poll again.

Our polls run as the real command (a subprocess: interpreter start, worker spawn and
all). Memory is sampled with psutil every 20 ms over the poll process and its
children: the largest single process and the whole tree. Targets (DESIGN.md):
cold ≤ 0.5 × newsboat, incremental ≤ 0.15 ×, largest process ≤ 150 MB, tree ≤ 300 MB.
Fails loudly when newsboat is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


@dataclass
class Run:
    seconds: float
    peak_process_mb: float = 0.0
    peak_tree_mb: float = 0.0
    returncode: int = 0
    user_s: float = 0.0  # CPU of the whole process tree (waited-for children)
    sys_s: float = 0.0


def _sample(proc: psutil.Process, stop: threading.Event, run: Run) -> None:
    while not stop.is_set():
        try:
            procs = [proc, *proc.children(recursive=True)]
            rss = []
            for p in procs:
                try:
                    rss.append(p.memory_info().rss)
                except psutil.Error:
                    pass
            if rss:
                run.peak_process_mb = max(run.peak_process_mb, max(rss) / MB)
                run.peak_tree_mb = max(run.peak_tree_mb, sum(rss) / MB)
        except psutil.Error:
            pass
        stop.wait(0.02)


def settle() -> None:
    """Flush the previous run's dirty pages so it does not slow the next one's fsyncs."""
    os.sync()
    time.sleep(1.0)


def measure(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> Run:
    settle()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    popen = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    run = Run(0.0)
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(psutil.Process(popen.pid), stop, run))
    sampler.start()
    out, err = popen.communicate()
    run.seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    run.returncode = popen.returncode
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run.user_s = after.ru_utime - before.ru_utime
    run.sys_s = after.ru_stime - before.ru_stime
    if popen.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({popen.returncode}):\n{out[-2000:]}\n{err[-2000:]}")
    return run


def start_farm(args) -> tuple[subprocess.Popen, list[str]]:
    farm = subprocess.Popen(
        [sys.executable, "-m", "bench.farm", "--feeds", str(args.feeds), "--items",
         str(args.items), "--ports", str(args.ports), "--latency", str(args.latency)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    line = farm.stdout.readline()
    if not line:
        raise SystemExit("the farm did not start")
    return farm, json.loads(line)["urls"]


def control(urls: list[str], action: str) -> None:
    base = urls[0].rsplit("/feed/", 1)[0]
    with urllib.request.urlopen(f"{base}/__{action}", timeout=30) as response:
        response.read()


class Newsboat:
    def __init__(self, work: Path, urls: list[str]) -> None:
        exe = shutil.which("newsboat")
        if exe is None:
            raise SystemExit("newsboat is missing: apt-get install newsboat (the benchmark needs it)")
        self.exe = exe
        self.work = work
        self.urls = work / "urls"
        self.urls.write_text("\n".join(urls) + "\n")
        self.config = work / "newsboat.conf"
        self.config.write_text("reload-threads 16\n")
        self.cache = work / "newsboat-cache.db"
        self.env = {**os.environ, "HOME": str(work)}

    def fresh(self) -> None:
        for path in self.work.glob("newsboat-cache.db*"):
            path.unlink()

    def reload(self) -> Run:
        return measure([self.exe, "-x", "reload", "-u", str(self.urls), "-c", str(self.cache),
                        "-C", str(self.config)], env=self.env, cwd=self.work)

    def items(self) -> int:
        with sqlite3.connect(self.cache) as conn:
            return conn.execute("SELECT count(*) FROM rss_item").fetchone()[0]


class Triage:
    def __init__(self, work: Path, urls: list[str], python: str) -> None:
        self.work = work
        self.urls = urls
        self.db = work / "triage.db"
        self.env = {**os.environ, "TRIAGE_DB": str(self.db), "PYTHONPATH": str(ROOT)}
        self.python = python

    def fresh(self) -> None:
        """A file with every feed subscribed and nothing fetched yet."""
        for path in self.work.glob("triage.db*"):
            path.unlink()
        sys.path.insert(0, str(ROOT))
        from store import Store

        with Store(self.db, actor="bench") as store:
            for url in self.urls:
                store.add_feed(url)

    def poll(self) -> Run:
        return measure([self.python, "-m", "cli.main", "poll", "--all", "--quiet"],
                       env=self.env, cwd=ROOT)

    def counts(self) -> tuple[int, int]:
        with sqlite3.connect(self.db) as conn:
            items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
            failed = conn.execute("SELECT count(*) FROM feeds WHERE error_count > 0").fetchone()[0]
        return items, failed


def one_round(urls: list[str], newsboat: Newsboat, triage: Triage) -> tuple[Run, ...]:
    control(urls, "reset")
    newsboat.fresh()
    triage.fresh()
    cold_nb, cold_us = newsboat.reload(), triage.poll()
    items, failed = triage.counts()
    print(f"  cold: newsboat stored {newsboat.items()} items, triage {items} ({failed} feeds failed);"
          f" {cold_nb.seconds:.2f} s vs {cold_us.seconds:.2f} s")
    control(urls, "grow")
    inc_nb, inc_us = newsboat.reload(), triage.poll()
    items2, failed = triage.counts()
    print(f"  incremental: triage +{items2 - items} items ({failed} feeds failed);"
          f" {inc_nb.seconds:.2f} s vs {inc_us.seconds:.2f} s")
    return cold_nb, cold_us, inc_nb, inc_us


def verdict(ratio: float, target: float) -> str:
    return "OK " if ratio <= target else "MISS"


def report(label: str, ours: Run, theirs: Run, target: float) -> None:
    ratio = ours.seconds / theirs.seconds
    print(f"{label:<12} newsboat {theirs.seconds:6.2f} s   triage {ours.seconds:6.2f} s   "
          f"ratio {ratio:.3f} (target ≤ {target})  {verdict(ratio, target)}")
    print(f"{'':<12} CPU (user+sys): newsboat {theirs.user_s:.1f}+{theirs.sys_s:.1f} s, "
          f"triage {ours.user_s:.1f}+{ours.sys_s:.1f} s")
    print(f"{'':<12} triage memory: largest process {ours.peak_process_mb:6.1f} MB (≤ 150) "
          f"{verdict(ours.peak_process_mb, 150)}, tree {ours.peak_tree_mb:6.1f} MB (≤ 300) "
          f"{verdict(ours.peak_tree_mb, 300)};  newsboat {theirs.peak_tree_mb:6.1f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description="triage poll vs newsboat on a loopback farm")
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--ports", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--python", default=sys.executable, help="interpreter for triage")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat cold+incremental; the round with the median ratio is shown")
    args = parser.parse_args()
    farm, urls = start_farm(args)
    try:
        with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp:
            work = Path(tmp)
            newsboat, triage = Newsboat(work, urls), Triage(work, urls, args.python)
            print(f"farm: {len(urls)} feeds × {args.items} items over {args.ports} ports, "
                  f"{args.latency * 1000:.0f} ms latency; {os.cpu_count()} cores; "
                  f"load average {os.getloadavg()[0]:.2f}")
            rounds = []
            for n in range(args.rounds):
                print(f"round {n + 1}:")
                rounds.append(one_round(urls, newsboat, triage))
    finally:
        farm.terminate()
        farm.wait(10)
    for label, index, target in (("cold", 0, 0.5), ("incremental", 2, 0.15)):
        ranked = sorted(rounds, key=lambda r: r[index + 1].seconds / r[index].seconds)
        median = ranked[len(ranked) // 2]
        report(label, median[index + 1], median[index], target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
