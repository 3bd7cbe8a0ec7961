#!/usr/bin/env python3
"""Prints the benchmark table (Markdown) from the run directories bench/run leaves under WORK/runs.

Throughput is records (and value bytes) over the processing time: for Spark jobs from the query's start to its end,
the Spark session's start-up excluded (the same for every job, and paid once by a long-running archiver); for the
perf tool its own fetch time. Wall time (whole JVM) is shown too.
"""
import argparse
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

MiB = 1024 * 1024
TICK = 100  # clock ticks per second of /proc/stat (getconf CLK_TCK)
METRIC = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) INFO\s+metrics: (\{.*\})\s*$")
START = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) INFO\s+ArchiveJob: intake limit")


def read(path, default=None):
    return path.read_text().strip() if path.exists() else default


def gnu_time(run):
    """Wall seconds, CPU seconds and peak RSS bytes from /usr/bin/time -v."""
    text = read(run / "time.txt", "")
    out = {}
    if m := re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text):
        out["wall"] = int(m[1] or 0) * 3600 + int(m[2]) * 60 + float(m[3])
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    if user and system:
        out["cpu"] = float(user[1]) + float(system[1])
    if m := re.search(r"Maximum resident set size \(kbytes\): (\d+)", text):
        out["rss"] = int(m[1]) * 1024
    return out


def gc_log(run):
    """From -Xlog:gc: the largest heap left after a collection, the time spent in pauses, full collections."""
    units = {"K": 1024, "M": MiB, "G": 1024 * MiB}
    after, pauses, full = [], 0.0, 0
    for line in read(run / "gc.log", "").splitlines():
        if m := re.search(r"Pause.* \d+([KMG])->(\d+)([KMG])\(\d+[KMG]\) ([\d.]+)ms", line):
            after.append(int(m[2]) * units[m[3]])
            pauses += float(m[4]) / 1000
            full += "Pause Full" in line
    return {"gcAfterPeakBytes": max(after), "gcPauseSeconds": pauses, "fullGcs": full} if after else {}


def archiver_metrics(run):
    """Records, value bytes, processing seconds and heap peaks from the archiver's JSON metrics lines."""
    start, end, batches = None, None, []
    for line in read(run / "stderr", "").splitlines():
        if m := START.match(line):
            start = start or m[1]
        elif m := METRIC.match(line):
            end = m[1]
            batches.append(json.loads(m[2]))
    if not batches:
        return {}
    t0, t1 = (datetime.strptime(t, "%H:%M:%S.%f") for t in (start or end, end))
    seconds = (t1 - t0 + (timedelta(days=1) if t1 < t0 else timedelta())).total_seconds()
    return {
        "records": sum(b["records"] for b in batches),
        "valueBytes": sum(b["inputBytes"] for b in batches),
        "seconds": seconds,
        "batchSeconds": sum(b["durationMs"] for b in batches) / 1000,
        "batches": len(batches),
        "heapUsedPeakBytes": max(b["heapUsedPeakBytes"] for b in batches),
        "heapLivePeakBytes": max(b["heapLivePeakBytes"] for b in batches),
        "limits": [b["intakeLimit"] for b in batches],
    }


def perf_tool(run):
    """kafka-consumer-perf-test's CSV line: records and its fetch time (the group join excluded)."""
    lines = [line for line in read(run / "stdout", "").splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    row = dict(zip([h.strip() for h in lines[0].split(",")], [v.strip() for v in lines[-1].split(",")]))
    return {"records": int(row["data.consumed.in.nMsg"]), "seconds": float(row["fetch.time.ms"]) / 1000,
            "toolMB": float(row["data.consumed.in.MB"])}


def load(run):
    r = {"name": run.name, "description": read(run / "description", ""), "rc": int(read(run / "rc", "-1"))}
    r.update(gnu_time(run))
    r.update(gc_log(run))
    if r["name"].split(".")[0] == "ceiling":
        r.update(perf_tool(run))
    elif (run / "result.json").exists():
        r.update(json.loads(read(run / "result.json")))
    else:
        r.update(archiver_metrics(run))
    for kind in ("files", "quarantine-files"):
        if count_bytes := read(run / kind):
            r[kind] = tuple(int(x) for x in count_bytes.split())
    before, after = read(run / "cpu-before"), read(run / "cpu-after")
    if before and after and "cpu" in r:
        (busy0, broker0), (busy1, broker1) = ([int(x) for x in s.split()] for s in (before, after))
        r["brokerCpu"] = (broker1 - broker0) / TICK
        r["otherCpu"] = max(0.0, (busy1 - busy0) / TICK - r["cpu"] - r["brokerCpu"])
    r["finished"] = r["rc"] == 0 and r.get("records", 0) > 0
    return r


def fmt_mib(b):
    return "—" if b is None or b < 0 else f"{b / MiB:,.0f}"


def table(runs, value_bytes, ratios):
    def rate(r):
        return r["records"] / r["seconds"] if r and r.get("finished") and r.get("seconds") else None

    bases = [rate(next((r for r in runs if r["name"] == name), None)) for name in ratios]
    rows = ["| run | finished | processing s (wall s) | records/s | MiB/s | "
            + "".join(f"x {name} | " for name in ratios)
            + "CPU s (broker, other) | records per CPU s | peak RSS MiB | heap after GC, max MiB (GC pauses s) "
            "| sampler heap used / live MiB | files (avg MiB) |",
            "|---" * (11 + len(ratios)) + "|"]
    for r in runs:
        rr = rate(r)
        finished = "yes" if r["finished"] else ("no: time limit" if r["rc"] == 124 else f"no: exit {r['rc']}")
        files = "—"
        if "files" in r and r["files"][0]:
            files = f"{r['files'][0]} ({r['files'][1] / r['files'][0] / MiB:.1f})"
            if r.get("quarantine-files", (0, 0))[0]:
                files += f" + {r['quarantine-files'][0]} quarantine"
        sampler = "—" if "heapUsedPeakBytes" not in r else \
            f"{fmt_mib(r['heapUsedPeakBytes'])} / {fmt_mib(r['heapLivePeakBytes'])}"
        gc = "—" if "gcAfterPeakBytes" not in r else f"{fmt_mib(r['gcAfterPeakBytes'])} ({r['gcPauseSeconds']:.1f}" \
            + (f", {r['fullGcs']} full)" if r["fullGcs"] else ")")
        cpu = "—" if "cpu" not in r else f"{r['cpu']:.0f} ({r.get('brokerCpu', 0):.0f}, {r.get('otherCpu', 0):.0f})"
        rows.append("| " + " | ".join([
            r["name"], finished,
            f"{r['seconds']:.1f} ({r.get('wall', 0):.0f})" if r.get("seconds") else f"— ({r.get('wall', 0):.0f})",
            f"{rr:,.0f}" if rr else "—",
            f"{value_bytes / r['seconds'] / MiB:.1f}" if rr and value_bytes else "—",
            *(f"{rr / base:.2f}" if rr and base else "—" for base in bases),
            cpu, f"{r['records'] / r['cpu']:,.0f}" if rr and r.get("cpu") else "—",
            fmt_mib(r.get("rss")), gc, sampler, files]) + " |")
    return "\n".join(rows)


def targets(runs, budget):
    by = {r["name"]: r for r in runs}
    out = []
    parse = by.get("parse")
    for name in ("archiver-fixed", "archiver-adaptive"):
        a = by.get(name)
        if a and parse and a["finished"] and parse["finished"]:
            x = (a["records"] / a["seconds"]) / (parse["records"] / parse["seconds"])
            out.append(f"- {name} ≥ 1.2x the plain parsing job: {x:.2f}x — {'MET' if x >= 1.2 else 'NOT MET'}")
    a, n = by.get("burst-archiver"), by.get("burst-naive-shuffle")

    def heap(r):  # both readings: the GC log's (an upper bound of the live heap) and the sampler's "live"
        return (f"heap after GC max {fmt_mib(r.get('gcAfterPeakBytes'))} MiB, sampler live "
                f"{fmt_mib(r.get('heapLivePeakBytes'))} MiB")

    if a:
        under = [reading for reading in ("gcAfterPeakBytes", "heapLivePeakBytes") if a.get(reading, budget) < budget]
        ok = a["finished"] and len(under) == 2
        out.append(f"- burst, archiver under its {fmt_mib(budget)} MiB budget: finished={a['finished']}, {heap(a)} — "
                   + ("MET" if ok else "NOT MET" if not under else "MET on one reading only"))
    if n:
        over = [reading for reading in ("gcAfterPeakBytes", "heapLivePeakBytes") if n.get(reading, 0) > budget]
        out.append(f"- burst, naive shuffle fails or exceeds the budget: finished={n['finished']}, {heap(n)} — "
                   + ("fails" if not n["finished"] else "exceeds it on both readings" if len(over) == 2
                      else "exceeds it on the GC log's reading only" if over == ["gcAfterPeakBytes"]
                      else "exceeds it on the sampler's reading only" if over else "stays under it"))
    return "\n".join(out)


def best_rounds(runs):
    """One row per job: its fastest finished round (else its last), with every round's records/s."""
    groups = {}
    for r in runs:
        base, _, round_no = r["name"].rpartition(".")
        r["name"], r["round"] = (base, int(round_no)) if round_no.isdigit() else (r["name"], 1)
        groups.setdefault(r["name"], []).append(r)
    out = []
    for name, rounds in groups.items():
        rounds.sort(key=lambda r: r["round"])
        done = [r for r in rounds if r["finished"] and r.get("seconds")]
        best = max(done, key=lambda r: r["records"] / r["seconds"]) if done else rounds[-1]
        if len(rounds) > 1:
            best["rounds"] = [f"{r['records'] / r['seconds']:,.0f}" if r in done else "failed" for r in rounds]
        out.append(best)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--runs", default="runs", help="directory under WORK holding one directory per run")
    ap.add_argument("--budget-bytes", type=int, default=512 * MiB)
    ap.add_argument("--ratios", default="ceiling,naive", help="runs whose records/s the others are compared to")
    args = ap.parse_args()
    order = ["ceiling", "naive", "parse", "parse-foreach", "parse-cached", "archiver-fixed", "archiver-adaptive",
             "burst-naive-shuffle", "burst-archiver"]
    dirs = sorted((d for d in (args.work / args.runs).iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime)
    runs = best_rounds([load(d) for d in dirs])
    runs.sort(key=lambda r: order.index(r["name"]) if r["name"] in order else len(order))
    # Every job reads the same topic: its value bytes come from a job that measured them (naive, or the archiver).
    value_bytes = next((r["valueBytes"] for r in runs if r.get("finished") and r.get("valueBytes", -1) > 0), None)
    data = read(args.work / "data", "")
    print(f"Topic: {data}, value bytes {value_bytes or 0:,} ({(value_bytes or 0) / MiB:,.0f} MiB)\n")
    print(table(runs, value_bytes, args.ratios.split(",")))
    notes = []
    for r in runs:
        notes.append(f"- {r['name']}: {r['description']}; {r.get('records', 0):,} records")
        if "rounds" in r:
            notes.append(f"- {r['name']}: best of {len(r['rounds'])} rounds (records/s: {', '.join(r['rounds'])})")
        if "batches" in r and r.get("files", (0, 0))[0]:
            n, size = r["files"]
            notes.append(f"- {r['name']}: {n / r['batches']:.1f} files per batch, {size / n / MiB:.2f} MiB per file")
        if "batches" in r:
            limits = ", ".join(f"{x:,}" for x in r["limits"][:10]) + (" ..." if len(r["limits"]) > 10 else "")
            notes.append(f"- {r['name']}: {r['batches']} batches, {r['batchSeconds']:.1f} s inside batches of "
                         f"{r['seconds']:.1f} s processing; intake limits {limits}")
    if notes:
        print("\n" + "\n".join(notes))
    if t := targets(runs, args.budget_bytes):
        print("\nTargets:\n" + t)


if __name__ == "__main__":
    main()
