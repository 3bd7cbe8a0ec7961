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
With --s3 N it also writes N manifests (and the same files and ledger) to the S3 test server (S3Mock, as the ITs
start it: archiver-spark/target/s3mock/s3mock.jar, its own JVM on loopback) and times the same three through S3A and,
for the hook, s3fs (installed into .venv/dbt when missing).
Writes WORK/scale.json, WORK/scale.md (the table) and WORK/scale.svg (the chart).

  bench/scale [--sizes 10000,100000,500000] [--s3 50000] [--work DIR]
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
# Parallel PUT connections to S3Mock: one connection does ~10 PUTs/s there, so the log is written by many at once.
S3_WRITERS = int(os.environ.get("SCALE_S3_WRITERS", "16"))


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


def generate(done: Path, writer: Writer, uri: str, n: int) -> None:
    """N manifests, the newest batches' files, orphans and a ledger; skipped when done exists (generated before)."""
    if done.exists():
        return
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
        writer.put(f"_archiver/manifests/{b:020d}.json", text.encode())
    for b in range(max(0, n - FILES_ON_DISK), n):
        writer.put(f"event_date=2026-11-25/part-{b:020d}-00000-5e6f70-0.c000.snappy.parquet", b"", old=True)
    for b in (n - 1, n - 2, n + 1):  # a failed attempt of two committed batches, an old one of no batch
        writer.put(f"event_date=2026-11-25/part-{b:020d}-00000-deadbe-0.c000.snappy.parquet", b"", old=True)
    writer.put("_archiver/dbt-ledgers/bench.default.jsonl", ledger(n - PENDING).encode())
    writer.flush()
    done.write_text(f"{time.monotonic() - started:.1f}\n")


def ledger(applied: int) -> str:
    entry = {
        "outcome": "transformed",
        "coalesced": False,
        "numArchived": 100,
        "appliedAt": "2026-11-25T06:00:00.000Z",
        "queryId": QUERY,
        "dbtCommand": "run",
    }
    return "".join(json.dumps({"batchIds": [b], **entry}) + "\n" for b in range(applied))


class Writer:
    """Writes the log: files on local disk, or objects on S3Mock (path-style PUTs over SCALE_S3_WRITERS kept-alive connections)."""

    def __init__(self, root: str, endpoint: str | None = None) -> None:
        self.root, self.endpoint = root, endpoint
        self.pending: list[tuple[str, bytes]] = []

    def put(self, relative: str, data: bytes, old: bool = False) -> None:
        if self.endpoint is None:
            path = Path(self.root) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            if old:
                os.utime(path, (OLD, OLD))
            return
        self.pending.append((relative, data))
        if len(self.pending) >= 8000:
            self.flush()

    def put_now(self, key: str, text: str) -> None:
        self.pending.append((key, text.encode()))
        self.flush()

    def flush(self) -> None:
        if self.endpoint is None or not self.pending:
            return
        import http.client
        from concurrent.futures import ThreadPoolExecutor
        from urllib.parse import urlparse

        host = urlparse(self.endpoint)
        chunks = [self.pending[i::S3_WRITERS] for i in range(S3_WRITERS)]

        def send(chunk: list[tuple[str, bytes]]) -> None:
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
            for key, data in chunk:
                conn.request("PUT", f"/{self.root}/{key}", body=data)
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    raise SystemExit(f"PUT {key}: {r.status}")
            conn.close()

        with ThreadPoolExecutor(S3_WRITERS) as pool:
            list(pool.map(send, chunks))
        self.pending = []


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


def measure(where: str, n: int, work: Path, s3: dict | None = None) -> dict:
    """Times status, catch-up and vacuum on the log at where (file:/... or s3a://bucket/prefix)."""
    archiver = str(ROOT / "bin/archiver")
    common = ["--output", where, "--bootstrap-servers", "127.0.0.1:9", "--topic", "events", "--schema", "id STRING"]
    for key, value in (s3 or {}).items():
        if key.startswith("spark."):
            common += ["--set", f"{key}={value}"]
    status = timed([archiver, "status", *common, "--no-lag"])
    assert f"committed batches:   {n} " in status["stdout"], status["stdout"]
    project = work / "dbt-project"
    project.mkdir(parents=True, exist_ok=True)
    (project / "dbt_project.yml").write_text("name: bench\nversion: '1'\nprofile: bench\n")
    python = str(ROOT / ".venv/dbt/bin/python")
    hook_root = where.replace("file:", "").replace("s3a://", "s3://")
    ledger_uri = hook_root + "/_archiver/dbt-ledgers/bench.default.jsonl"
    env = dict(os.environ)
    if s3:
        env.update(
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_ENDPOINT_URL=s3["endpoint"],
            AWS_DEFAULT_REGION="us-east-1",
        )
        Writer(where.split("/")[2], s3["endpoint"]).put_now(
            "/".join(where.split("/")[3:]) + "/_archiver/dbt-ledgers/bench.default.jsonl", ledger(n - PENDING)
        )
    else:
        Path(ledger_uri).write_text(ledger(n - PENDING))  # undo an earlier round's catch-up
    catch_up = timed([python, "-c", CATCH_UP, hook_root, str(project), ledger_uri, str(PENDING)], env=env)
    vacuum = timed([archiver, "vacuum", *common[:2], *common[8:], "--dry-run", "--older-than", "2d"])
    # S3 objects cannot be made old: there the orphans are young and kept, the work is the same.
    assert ("0" if s3 else "3") + " orphan file(s)" in vacuum["stdout"], vacuum["stdout"]
    return {
        "manifests": n,
        "storage": "S3 (S3Mock)" if s3 else "local disk",
        "status_s": status["seconds"],
        "status_rss_mib": status["rss_mib"],
        "catch_up_s": catch_up["seconds"],
        "catch_up_rss_mib": catch_up["rss_mib"],
        "vacuum_s": vacuum["seconds"],
        "vacuum_rss_mib": vacuum["rss_mib"],
        "generate_s": float((work / "generated").read_text()),
    }


def s3mock(work: Path) -> tuple[subprocess.Popen, str]:
    """S3Mock as the ITs start it (S3MockServer): its own JVM on a free loopback port, objects on disk."""
    import socket

    jar = ROOT / "archiver-spark/target/s3mock/s3mock.jar"
    if not jar.exists():
        raise SystemExit(f"{jar} is missing: build archiver-spark first (mvn -q -DskipTests install)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = work / "s3mock"
    data.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        ["java", "-Xmx384m", "-jar", str(jar), "--server.port=0", f"--http.port={port}",
         "--server.address=127.0.0.1", f"--com.adobe.testing.s3mock.store.root={data}",
         "--com.adobe.testing.s3mock.store.retainFilesOnExit=true",
         "--com.adobe.testing.s3mock.store.initialBuckets=archive", "--logging.level.root=WARN"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("S3Mock did not start within 90 s")


def s3_conf(endpoint: str) -> dict:
    return {
        "endpoint": endpoint,
        "spark.hadoop.fs.s3a.endpoint": endpoint,
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
        "spark.hadoop.fs.s3a.access.key": "bench",
        "spark.hadoop.fs.s3a.secret.key": "bench",
        "spark.hadoop.fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
    }


def ensure_s3fs() -> None:
    python = str(ROOT / ".venv/dbt/bin/python")
    if subprocess.run([python, "-c", "import s3fs"], check=False, capture_output=True).returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "-q", "s3fs"], check=True)


def table(rows: list[dict]) -> str:
    head = (
        "| storage | manifests | status s (peak RSS MiB) | catch-up s, 10 pending (peak RSS MiB) | vacuum --dry-run s"
        " (peak RSS MiB) | generating the log s |\n|---|---|---|---|---|---|\n"
    )
    return head + "".join(
        f"| {r['storage']} | {r['manifests']:,} | {r['status_s']:.2f} ({r['status_rss_mib']:.0f}) | {r['catch_up_s']:.2f}"
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
    p.add_argument("--s3", type=int, default=0, help="also this many manifests on S3Mock (0: none)")
    p.add_argument("--work", default=str(BENCH / "work/scale"))
    args = p.parse_args()
    work = Path(args.work)
    rows = []
    for n in (int(s) for s in args.sizes.split(",") if s):
        root = work / str(n) / "archive"
        print(f"scale: {n:,} manifests on local disk: generating (once) ...", file=sys.stderr, flush=True)
        root.mkdir(parents=True, exist_ok=True)
        generate(work / str(n) / "generated", Writer(str(root)), f"file:{root}", n)
        rows.append(measure(f"file:{root}", n, work / str(n)))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if args.s3:
        ensure_s3fs()
        n = args.s3
        proc, endpoint = s3mock(work / f"s3-{n}")
        try:
            prefix = f"scale-{n}"
            print(f"scale: {n:,} manifests on S3Mock: generating ...", file=sys.stderr, flush=True)
            (work / f"s3-{n}" / "generated").unlink(missing_ok=True)  # S3Mock's objects do not outlive a run
            generate(work / f"s3-{n}" / "generated", Writer(f"archive/{prefix}", endpoint),
                     f"s3a://archive/{prefix}", n)
            rows.append(measure(f"s3a://archive/{prefix}", n, work / f"s3-{n}", s3_conf(endpoint)))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
    (work / "scale.json").write_text(json.dumps(rows, indent=2) + "\n")
    (work / "scale.md").write_text(table(rows))
    (work / "scale.svg").write_text(chart(rows))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
