"""TUI benchmark on a 100k-item file: ``python -m bench.tui``.

1. First screen, in a real terminal: each app runs in a pty whose output feeds a pyte
   screen; we time launch → the first screen that shows item rows, for triage and for a
   bare Textual app (an App with one Static), alternating, in the same run. The time is
   the arrival of the output chunk that completed the screen (pyte's parsing excluded).
2. In process (Pilot): cursor move → reader shows the item, p50/p95; search (Enter →
   the list shows the first rows of the results), p50/p95.
3. Peak memory: the TUI process in the pty run (launch, first screen, End, a search).

Targets (DESIGN.md "Budget"): first screen ≤ 1.5 × the bare app; cursor → reader p95
≤ 50 ms; search p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from . import tui_data
from .tui_pty import app_argv, bare_app_argv, cli_argv, compile_project, first_screen

ROOT = Path(__file__).resolve().parent.parent
SEARCHES = [
    "drones", '"patriot systems"', "sanctions +labor", "is:unread", 'feed:"Bench source 07"',
    "+labor", "tanker -cyber", "due:<7d", "@2024-06-01..2024-06-30", "title:resolution",
    "karo", "is:followup sort:due", "ceasefire OR corridor", "-drones is:read", "sort:old",
]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def summary(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"p50 {pct(ms, 50):6.1f} ms  p95 {pct(ms, 95):6.1f} ms  max {max(ms):6.1f} ms"
            f"  (n={len(ms)})")


async def _wait(pilot, predicate, timeout: float = 10.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not answer in time")
        await asyncio.sleep(0.0005)


async def interactive(db: Path, moves: int, rounds: int) -> dict[str, list[float]]:
    from tui.app import TriageApp

    app = TriageApp(db)
    out: dict[str, list[float]] = {"cursor": [], "search": [], "search_complete": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await _wait(pilot, lambda: app.main_screen is not None and app.main_screen.complete)
        main = app.main_screen
        items = main.items
        await _wait(pilot, lambda: app.last_reader_item == items.cursor_id)
        keys = (["j"] * 8 + ["k"] * 2) * (moves // 10) + ["pagedown"] * 10 + ["end", "home"] * 5
        for key in keys:
            t0 = time.perf_counter()
            await pilot.press(key)
            await _wait(pilot, lambda t0=t0: app.last_reader_item == items.cursor_id
                        and app.last_reader_at > t0)
            out["cursor"].append(app.last_reader_at - t0)
        for _ in range(rounds):
            for query in SEARCHES:
                await pilot.press("slash")
                main.search_bar.input.value = query
                await pilot.pause(0.05)
                t0 = time.perf_counter()
                await pilot.press("enter")
                await _wait(pilot, lambda q=query, t0=t0: main.shown is not None
                            and main.shown[0] == q and main.shown[1] > t0)
                out["search"].append(main.shown[1] - t0)
                await _wait(pilot, lambda q=query, t0=t0: main.completed is not None
                            and main.completed[0] == q and main.completed[1] > t0)
                out["search_complete"].append(main.completed[1] - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tui", description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="first-screen runs per app")
    parser.add_argument("--moves", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the search list")
    parser.add_argument("--db", type=Path, default=None, help="reuse this file instead")
    args = parser.parse_args(argv)

    db = args.db or ROOT / ".bench" / f"tui-{args.items // 1000}k.db"
    if args.db is None:
        t = time.perf_counter()
        tui_data.ensure(db, args.items)
        print(f"file: {db} ({db.stat().st_size / 2**20:,.0f} MiB, {args.items:,} items;"
              f" ready in {time.perf_counter() - t:.1f} s)")

    print(f"first screen in a pty (120x40), {args.runs} runs each, order rotated per run:")
    rows = r"\d{4}-\d\d-\d\d Bench source \d\d"
    variants = {
        "bare Textual app": (bare_app_argv(), "Hello from a bare Textual app", False),
        "triage --db FILE (the CLI)": (cli_argv(db), rows, True),
        "TriageApp(FILE).run()": (app_argv(db), rows, True),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    peaks = []
    compile_project()
    for argv, pattern, regex in variants.values():  # warm-up: OS file cache, bytecode
        first_screen(argv, pattern, regex=regex)
    names = list(variants)
    for run_no in range(args.runs):
        # Rotate the order every run: whichever app starts right after another one exits
        # pays ~30 ms more (measured here), so no variant may always come second.
        shift = run_no % len(names)
        for name in names[shift:] + names[:shift]:
            argv, pattern, regex = variants[name]
            run = first_screen(argv, pattern, regex=regex,
                               then=[b"G", b"/", b"drones", b"\r"] if regex else [])
            times[name].append(run.seconds)
            if regex:
                peaks.append(run.peak_rss_mb)
    bare = statistics.median(times["bare Textual app"])
    bare_best = min(times["bare Textual app"])
    for name, values in times.items():
        ratio = statistics.median(values) / bare
        verdict = "" if name.startswith("bare") else (
            f"\n  {'':28} ratio {ratio:.2f}x median, {min(values) / bare_best:.2f}x best"
            f" (target <= 1.5x) {'OK' if ratio <= 1.5 else 'MISSED'}")
        print(f"  {name:28} median {statistics.median(values):.3f} s  best {min(values):.3f} s"
              f"  runs " + " ".join(f"{v:.3f}" for v in values) + verdict)
    print(f"  peak RSS of the TUI process (launch, first screen, End, a search):"
          f" {max(peaks):.0f} MB")

    found = asyncio.run(interactive(db, args.moves, args.rounds))
    cursor95 = pct(found["cursor"], 95) * 1000
    search95 = pct(found["search"], 95) * 1000
    print("in process (Pilot), 120x40:")
    print(f"  cursor move -> reader  {summary(found['cursor'])}  target p95 <= 50 ms "
          f"{'OK' if cursor95 <= 50 else 'MISSED'}")
    print(f"  search -> results      {summary(found['search'])}  target p95 <= 100 ms "
          f"{'OK' if search95 <= 100 else 'MISSED'}")
    print(f"  search -> full id list {summary(found['search_complete'])}  (scrollbar exact)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of the benchmark process (app in process): {rss:.0f} MB")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
