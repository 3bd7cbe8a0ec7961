#!/usr/bin/env python3
"""Summarises a bench/profile directory: Spark's event log (time per stage, by call site), the jstack samples
(what the executor's task threads were doing, waits included, by the first recognisable frame from the top of each
stack) and the Java Flight Recorder's CPU samples of the same threads (where their CPU went) and allocations."""
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

# Frame patterns, most specific first: a stack goes to the first rule any of its frames matches, top frame first.
RULES = [
    ("Kafka: waiting on the broker (epoll)", r"sun\.nio\.ch\.EPoll|EPollSelectorImpl"),
    ("Kafka: lz4 decompression", r"net\.jpountz|KafkaLZ4Block|org\.apache\.kafka\.common\.compress"),
    ("Kafka: fetch and record decoding", r"org\.apache\.kafka\.|org\.apache\.spark\.sql\.kafka010"),
    ("timestamps: zone looked up per value (two regex compiles)", r"DateTimeUtils\$?\.getZoneId"),
    ("timestamps: parse (JSON) / format (event_date)", r"TimestampFormatter|stringToTimestamp|java\.time\.|"
                                                       r"DateTimeUtils|DateFormatter|UtcTimestamps"),
    ("JSON: a java.io.Reader per value (from_json)", r"java\.io\.InputStreamReader|sun\.nio\.cs\.StreamDecoder"),
    ("JSON: column defaults looked up per record", r"ResolveDefaultColumns"),
    ("JSON parsing", r"JacksonParser|com\.fasterxml\.jackson|JsonToStructs|FailureSafeParser|JsonValues"),
    ("Parquet: compression", r"org\.xerial\.snappy|com\.github\.luben\.zstd|io\.airlift\.compress|"
                             r"hadoop\.io\.compress|CodecFactory\$HeapBytesCompressor"),
    ("Parquet: encoding and writing", r"org\.apache\.parquet|ParquetOutputWriter|ParquetWriteSupport"),
    ("sort before the partitioned write", r"UnsafeExternalSorter|UnsafeInMemorySorter|UnsafeSorter|SortExec|"
                                          r"RadixSort|UnsafeExternalRowSorter"),
    ("disk cache (persist DISK_ONLY): build, write, read", r"InMemoryRelation|CachedRDDBuilder|CachedBatch|"
                                                          r"sql\.execution\.columnar|DiskStore|storage\.BlockManager|"
                                                          r"spark\.serializer\.|spark\.io\."),
    ("shuffle", r"org\.apache\.spark\.shuffle|ShuffleExternalSorter|ShuffleBlockFetcher"),
    ("generated code (projections, casts, filters)", r"GeneratedClass|UTF8String|catalyst\.expressions"),
]
COMPILED = [(name, re.compile(p)) for name, p in RULES]
# Checked first, anywhere in the stack: Spark's Kafka reader asks the broker for the partition's earliest and
# latest offsets (seekToBeginning/seekToEnd + position, two ListOffsets round trips) after every poll.
WHOLE_STACK = [("Kafka: offset-range lookups after each poll (ListOffsets)", re.compile(r"getAvailableOffsetRange"))]
TASK_THREAD = re.compile(r'^"Executor task launch worker')


def classify(frames):
    for name, pattern in WHOLE_STACK:
        if any(pattern.search(frame) for frame in frames):
            return name
    for frame in frames:
        for name, pattern in COMPILED:
            if pattern.search(frame):
                return name
    return "other: " + (frames[0] if frames else "?")


def stacks(directory):
    """Per sample, the RUNNABLE task threads' frames."""
    samples = []
    for dump in sorted((directory / "stacks").glob("*.txt")):
        threads, current = [], None
        for line in dump.read_text(errors="replace").splitlines():
            if line.startswith('"'):
                current = {"task": bool(TASK_THREAD.match(line)), "state": "", "frames": []}
                threads.append(current)
            elif current is not None and "java.lang.Thread.State:" in line:
                current["state"] = line.split(":", 1)[1].split()[0]
            elif current is not None and line.strip().startswith("at "):
                current["frames"].append(line.strip()[3:])
        samples.append([t["frames"] for t in threads if t["task"] and t["state"] == "RUNNABLE"])
    return samples


def jfr_events(recording, event):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "128", "--events", event, str(recording)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["recording"]["events"]


def frame_names(event):
    trace = event["values"].get("stackTrace") or {"frames": []}
    return [f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"] for f in trace["frames"]]


def jfr_summary(recording):
    """CPU samples of the task threads by rule, and the largest allocation sites."""
    cpu = Counter()
    for e in jfr_events(recording, "jdk.ExecutionSample"):
        if e["values"]["sampledThread"]["javaName"].startswith("Executor task launch worker"):
            cpu[classify(frame_names(e))] += 1
    n = sum(cpu.values())
    print(f"\nJava Flight Recorder: {n} CPU samples of the task threads (running Java code only):\n")
    print("| task threads' CPU went to | share |\n|---|---|")
    for name, count in cpu.most_common(16):
        print(f"| {name} | {100 * count / max(n, 1):.0f}% |")
    alloc, total = Counter(), 0
    for e in jfr_events(recording, "jdk.ObjectAllocationSample"):
        weight = e["values"]["weight"]
        total += weight
        frames = frame_names(e)
        alloc[e["values"]["objectClass"]["name"] + " in " + (frames[0] if frames else "?")] += weight
    print(f"\nAllocated: {total / 2**30:.1f} GiB in all (sampled); the largest sites:\n")
    print("| object, allocated in | GiB |\n|---|---|")
    for name, weight in alloc.most_common(8):
        print(f"| `{name}` | {weight / 2**30:.1f} |")


def event_log(directory):
    """Stage wall time and executor run/CPU time summed by call site; the application's span."""
    logs = [p for p in directory.iterdir() if p.is_file() and p.name.startswith(("local-", "app-"))]
    if not logs:
        return None
    by_site = defaultdict(lambda: {"stages": 0, "wall": 0.0, "run": 0.0, "cpu": 0.0, "gc": 0.0})
    app, stage_label, jobs_in_batch = {}, {}, Counter()
    for line in logs[0].read_text().splitlines():
        e = json.loads(line)
        kind = e.get("Event")
        if kind == "SparkListenerJobStart":
            # A streaming query's jobs all share one call site; the n-th job of a micro-batch tells them apart
            # (the archiver: 1st = Kafka, parse, cache, archive write; 2nd = quarantine write from the cache).
            props = e.get("Properties", {})
            batch = props.get("streaming.sql.batchId")
            site = props.get("callSite.short")
            if site is None:
                continue
            if batch is not None:
                jobs_in_batch[batch] += 1
                site += f", job {jobs_in_batch[batch]} of a micro-batch"
            for stage in e.get("Stage IDs", []):
                stage_label[stage] = site
        elif kind == "SparkListenerApplicationStart":
            app["start"] = e["Timestamp"]
        elif kind == "SparkListenerApplicationEnd":
            app["end"] = e["Timestamp"]
        elif kind == "SparkListenerStageCompleted":
            info = e["Stage Info"]
            acc = {a.get("Name"): a.get("Value") for a in info.get("Accumulables", [])}
            site = stage_label.get(info["Stage ID"], info["Stage Name"]).replace(" at ", " @ ")
            s = by_site[site]
            s["stages"] += 1
            s["wall"] += (info.get("Completion Time", 0) - info.get("Submission Time", 0)) / 1000
            s["run"] += float(acc.get("internal.metrics.executorRunTime", 0)) / 1000
            s["cpu"] += float(acc.get("internal.metrics.executorCpuTime", 0)) / 1e9
            s["gc"] += float(acc.get("internal.metrics.jvmGCTime", 0)) / 1000
    return by_site, app


def main():
    directory = Path(sys.argv[1])
    print(f"## Profile of {directory.name}\n")
    log = event_log(directory)
    if log:
        by_site, app = log
        span = (app.get("end", 0) - app.get("start", 0)) / 1000
        print(f"Spark application: {span:.1f} s from start to stop. Stages by call site (wall = stage submit to "
              "complete; task run and CPU summed over tasks, 2 run at once):\n")
        print("| stage call site | stages | wall s | task run s | task CPU s | task GC s |\n|---|---|---|---|---|---|")
        total = 0.0
        for site, s in sorted(by_site.items(), key=lambda kv: -kv[1]["wall"]):
            total += s["wall"]
            print(f"| {site} | {s['stages']} | {s['wall']:.1f} | {s['run']:.1f} | {s['cpu']:.1f} | {s['gc']:.1f} |")
        print(f"\nStages cover {total:.1f} s of the application's {span:.1f} s; the rest is the driver alone "
              "(session start, query planning, commits and manifests between stages).\n")
    samples = stacks(directory)
    if samples:
        buckets = Counter()
        idle = sum(1 for s in samples if not s)
        for sample in samples:
            for frames in sample:
                buckets[classify(frames)] += 1
        n = sum(buckets.values())
        print(f"jstack: {len(samples)} samples; {idle} with no task running (driver only, or between batches); "
              f"{n} running task-thread stacks:\n")
        print("| task threads were in | share |\n|---|---|")
        for name, count in buckets.most_common(14):
            print(f"| {name} | {100 * count / n:.0f}% |")
    if (directory / "rec.jfr").exists():
        jfr_summary(directory / "rec.jfr")


if __name__ == "__main__":
    main()
