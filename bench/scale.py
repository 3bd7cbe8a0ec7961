#!/usr/bin/env python3
"""The log's growth (issue 17): status, the dbt hook's catch-up and vacuum --dry-run on synthetic manifest logs.

For each size N it writes N manifests (consecutive batch ids and offsets, running totals, one archive file each) under
WORK/N/archive/_archiver/manifests, the archive files of the newest 2,000 batches (empty files; older batches' files
are not on disk, as after a compaction) plus 3 orphans, and a dbt ledger that applied every batch but the last 10.
Then it times, each in its own process under /usr/bin/time (wall seconds, peak RSS):
  status     bin/archiver status --no-lag (JVM start included)
  catch-up   archiver-dbt's Transformer.catch_up() in-process with dbt stubbed out: the hook's own work (listing,
             ledger, manifests) for 10 pending batches, not dbt's
  vacuum     bin/archiver vacuum --dry-run --older-than 2d
Writes WORK/scale.json, WORK/scale.md (the table) and WORK/scale.svg (the chart).

  bench/scale [--sizes 10000,100000,500000] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
FILES_ON_DISK = 2000
PENDING = 10
QUERY = "5f0c7a52-1b7e-4f43-9d55-3c1e0cbd0a11"
OLD = time.time() - 10 * 86400


def manifest(b: int, totals: dict) -> dict:
    path = f"event_date=2026-11-25/part-{b:020d}-00000-5e6f70-0.c000.snappy.parquet"
    return {
        "formatVersion": 1,
        "batchId": b,
        "queryId": QUERY,
        "committedAt": f"2026-11-{1 + b // 86400 % 28:02d}T{b // 3600 % 24:02d}:{b // 60 % 60:02d}:{b % 60:02d}Z",
        "archiveRoot": "ROOT",
        "quarantineRoot": "ROOT/_quarantine",
        "offsets": [{"topic": "events", "partition": 0, "startOffset": b * 100, "endOffset": b * 100 + 100}],
        "numRecords": 100,
        "numArchived": 100,
        "numQuarantined": 0,
        "files": [{"path": path, "rows": 100, "bytes": 0}],
        "quarantineFiles": [],
        "eventTime": {"min": "2026-11-25T05:00:00Z", "max": "2026-11-25T05:59:00Z"},
        "partitions": ["event_date=2026-11-25"],
        "intake": {"maxRecordsPerBatch": "100", "policy": "fixed", "reason": "bench"},
        "writerEpoch": 1,
        "totals": totals,
    }


def generate(root: Path, n: int) -> None:
    """N manifests, the newest batches' files, orphans and a ledger; skipped when WORK/N is complete."""
    done = root.parent / "generated"
    if done.exists():
        return
    manifests = root / "_archiver/manifests"
    manifests.mkdir(parents=True, exist_ok=True)
    uri = f"file:{root}"
    started = time.monotonic()
    for b in range(n):
        totals = {
            "batches": b + 1,
            "records": 100 * (b + 1),
            "archived": 100 * (b + 1),
            "quarantined": 0,
            "files": b + 1,
            "bytes": 0,
            "quarantineFiles": 0,
            "lostRecords": 0,
            "lateRecords": 0,
            "lateBatches": 0,
            "committedOffsets": {"events-0": b * 100 + 100},
        }
        text = json.dumps(manifest(b, totals)).replace('"ROOT', '"' + uri)
        (manifests / f"{b:020d}.json").write_text(text)
    part = root / "event_date=2026-11-25"
    part.mkdir(exist_ok=True)
    for b in range(max(0, n - FILES_ON_DISK), n):
        f = part / f"part-{b:020d}-00000-5e6f70-0.c000.snappy.parquet"
        f.touch()
        os.utime(f, (OLD, OLD))
    for b in (n - 1, n - 2, n + 1):  # a failed attempt of two committed batches, an old one of no batch
        f = part / f"part-{b:020d}-00000-deadbe-0.c000.snappy.parquet"
        f.touch()
        os.utime(f, (OLD, OLD))
    ledger = root / "_archiver/dbt-ledgers/bench.default.jsonl"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with ledger.open("w") as out:
        for b in range(n - PENDING):
            out.write(
                json.dumps({"batchIds": [b], "outcome": "transformed", "coalesced": False, "numArchived": 100,
                            "appliedAt": "2026-11-25T06:00:00.000Z", "queryId": QUERY, "dbtCommand": "run"})
                + "\n"
            )
    done.write_text(f"{time.monotonic() - started:.1f}\n")


def timed(cmd: list[str], env: dict | None = None) -> dict:
    """Wall seconds and peak RSS (MiB) of one command under GNU time."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %M", *cmd], capture_output=True, text=True, env=env, check=False
    )
    m = re.search(r"TIME ([\d.]+) (\d+)", out.stderr)
    if out.returncode != 0 or not m:
        raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return {"seconds": float(m[1]), "rss_mib": int(m[2]) / 1024, "stdout": out.stdout}


CATCH_UP = """
import sys
from archiver_dbt.archive import Archive
from archiver_dbt.dbt_runner import DbtProject
from archiver_dbt.plan import Policy
from archiver_dbt.transform import Transformer
done = Transformer(Archive.at(sys.argv[1]), DbtProject(sys.argv[2]), Policy(coalesce_above=100),
                   ledger_uri=sys.argv[3], invoke=lambda args: True).catch_up()
assert sum(len(e.batch_ids) for e in done) == int(sys.argv[4]), done
"""


def measure(root: Path, n: int) -> dict:
    archiver = str(ROOT / "bin/archiver")
    common = ["--output", f"file:{root}", "--bootstrap-servers", "127.0.0.1:9", "--topic", "events",
              "--schema", "id STRING"]
    status = timed([archiver, "status", *common, "--no-lag"])
    assert f"committed batches:   {n} " in status["stdout"], status["stdout"]
    project = root.parent / "dbt-project"
    project.mkdir(exist_ok=True)
    (project / "dbt_project.yml").write_text("name: bench\nversion: '1'\nprofile: bench\n")
    ledger = root / "_archiver/dbt-ledgers/bench.default.jsonl"
    lines = ledger.read_text().splitlines(keepends=True)[: n - PENDING]  # undo an earlier round's catch-up
    ledger.write_text("".join(lines))
    python = str(ROOT / ".venv/dbt/bin/python")
    catch_up = timed([python, "-c", CATCH_UP, str(root), str(project), str(ledger), str(PENDING)])
    vacuum = timed([archiver, "vacuum", *common[:2], "--dry-run", "--older-than", "2d"])
    assert "3 orphan file(s)" in vacuum["stdout"], vacuum["stdout"]
    return {
        "manifests": n,
        "status_s": status["seconds"],
        "status_rss_mib": status["rss_mib"],
        "catch_up_s": catch_up["seconds"],
        "catch_up_rss_mib": catch_up["rss_mib"],
        "vacuum_s": vacuum["seconds"],
        "vacuum_rss_mib": vacuum["rss_mib"],
        "generate_s": float((root.parent / "generated").read_text()),
    }


def table(rows: list[dict]) -> str:
    head = (
        "| manifests | status s (peak RSS MiB) | catch-up s, 10 pending (peak RSS MiB) | vacuum --dry-run s"
        " (peak RSS MiB) | generating the log s |\n|---|---|---|---|---|\n"
    )
    return head + "".join(
        f"| {r['manifests']:,} | {r['status_s']:.2f} ({r['status_rss_mib']:.0f}) | {r['catch_up_s']:.2f}"
        f" ({r['catch_up_rss_mib']:.0f}) | {r['vacuum_s']:.2f} ({r['vacuum_rss_mib']:.0f}) | {r['generate_s']:.0f} |\n"
        for r in rows
    )


def chart(rows: list[dict]) -> str:
    """Seconds (left) and peak RSS (right) against the log's size, as a plain SVG (no plotting library needed)."""
    w, h, pad = 720, 320, 50
    xs = [r["manifests"] for r in rows]
    series = [("status_s", "#1f77b4", "status s"), ("catch_up_s", "#2ca02c", "catch-up s"),
              ("vacuum_s", "#d62728", "vacuum s"), ("vacuum_rss_mib", "#9467bd", "vacuum RSS (/100 MiB)")]
    top = max(max(r[k] / (100 if k.endswith("mib") else 1) for r in rows) for k, _, _ in series) * 1.15

    def px(i: int, v: float) -> tuple[float, float]:
        x = pad + (w - 2 * pad) * (i / max(1, len(xs) - 1))
        return x, h - pad - (h - 2 * pad) * v / top

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{pad}" y="20">status, catch-up and vacuum --dry-run against the number of manifests</text>',
           f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="black"/>',
           f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="black"/>',
           f'<text x="5" y="{pad}">{top:.1f}</text><text x="30" y="{h - pad}">0</text>']
    for i, n in enumerate(xs):
        x, _ = px(i, 0)
        out.append(f'<text x="{x - 20}" y="{h - pad + 18}">{n:,}</text>')
    for j, (key, color, label) in enumerate(series):
        scale = 100 if key.endswith("mib") else 1
        pts = [px(i, r[key] / scale) for i, r in enumerate(rows)]
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
                   + " ".join(f"{x:.0f},{y:.0f}" for x, y in pts) + '"/>')
        out.append(f'<text x="{w - 190}" y="{pad + 16 * j}" fill="{color}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10000,100000,500000")
    p.add_argument("--work", default=str(BENCH / "work/scale"))
    args = p.parse_args()
    work = Path(args.work)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        root = work / str(n) / "archive"
        print(f"scale: {n:,} manifests: generating (once) ...", file=sys.stderr, flush=True)
        generate(root, n)
        print(f"scale: {n:,} manifests: measuring ...", file=sys.stderr, flush=True)
        rows.append(measure(root, n))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    (work / "scale.json").write_text(json.dumps(rows, indent=2) + "\n")
    (work / "scale.md").write_text(table(rows))
    (work / "scale.svg").write_text(chart(rows))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
