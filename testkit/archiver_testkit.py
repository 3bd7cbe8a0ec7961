"""What the Python suites' end-to-end tests share: the archiver launcher, a local Kafka broker, the example dbt
project, polling, and the exactly-once checks on commit manifests.

Standard library only: the dbt suite imports it from the dbt virtualenv, the Airflow suite from Airflow's. Each suite's
conftest puts this directory on sys.path. ARCHIVER_BIN overrides the launcher (default: bin/archiver).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[1]
ARCHIVER = os.environ.get("ARCHIVER_BIN", str(REPO / "bin" / "archiver"))
SCHEMA = (
    "event_id STRING, event_time TIMESTAMP, service STRING, level STRING, user_id STRING, latency_ms INT, "
    "path STRING, status INT, message STRING"
)
REQUIRED_COLUMNS = "event_id,event_time,service"
T = TypeVar("T")


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run(argv: list[str], env: Mapping[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Runs argv to its end, capturing its output as text."""
    return subprocess.run(argv, capture_output=True, text=True, env=None if env is None else dict(env), timeout=timeout)


def archiver(*args: str, env: Mapping[str, str] | None = None, timeout: float = 300) -> str:
    """Runs bin/archiver; fails the test with its output unless it exits 0. Returns stdout and stderr."""
    done = run([ARCHIVER, *args], env=env, timeout=timeout)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"archiver {args[0]} exited {done.returncode}:\n{output[-6000:]}"
    return output


@contextlib.contextmanager
def local_kafka(directory: Path) -> Iterator[str]:
    """A real single-node KRaft broker on a free loopback port, in its own JVM; yields its bootstrap servers."""
    archiver("local-kafka", "start", "--port", "0", "--dir", str(directory))
    try:
        yield "127.0.0.1:" + (directory / "broker.port").read_text().strip()
    finally:
        run([ARCHIVER, "local-kafka", "stop", "--dir", str(directory)], timeout=120)


@contextlib.contextmanager
def local_cluster(directory: Path, workers: int = 1) -> Iterator[str]:
    """A real Spark standalone cluster on loopback (bin/archiver local-cluster): yields its spark:// master URL."""
    started = archiver("local-cluster", "start", "--dir", str(directory), "--workers", str(workers), timeout=300)
    master = re.search(r"spark://127\.0\.0\.1:\d+", started)
    assert master, f"local-cluster start printed no master URL:\n{started}"
    try:
        yield master.group()
    finally:
        run([ARCHIVER, "local-cluster", "stop", "--dir", str(directory)], timeout=120)


def produce(bootstrap: str, topic: str, events: int, *flags: str) -> None:
    """Realistic JSON log events (bin/archiver datagen); flags such as --malformed-ratio 0.01 pass through."""
    archiver("datagen", "--bootstrap-servers", bootstrap, "--topic", topic, "--events", str(events), *flags)


def copy_example_project(destination: Path) -> Path:
    """The dbt package and its example project, copied so dbt's target/ and test-only models stay out of the repo.
    Returns the example project's directory (its packages.yml finds the macros one level up)."""
    hooks = REPO / "dbt-hooks"
    shutil.copytree(hooks / "macros", destination / "macros")
    shutil.copy(hooks / "dbt_project.yml", destination / "dbt_project.yml")
    shutil.copytree(
        hooks / "example_project",
        destination / "example_project",
        ignore=shutil.ignore_patterns("target", "dbt_packages", "logs", "*.duckdb*", "package-lock.yml"),
    )
    return destination / "example_project"


def manifests(output: Path) -> list[dict[str, Any]]:
    """The committed batches' manifests, in batch order."""
    paths = sorted((output / "_archiver" / "manifests").glob("*.json"))
    return [json.loads(p.read_text()) for p in paths]


def offsets_exactly_once(committed: list[dict[str, Any]]) -> dict[tuple[str, int], tuple[int, int]]:
    """Checks that, per topic-partition, the batches' offset ranges follow each other without gap or overlap, and that
    each batch's records add up; returns each partition's covered [start, end)."""
    covered: dict[tuple[str, int], tuple[int, int]] = {}
    for m in sorted(committed, key=lambda m: m["batchId"]):
        assert m["numRecords"] == m["numArchived"] + m["numQuarantined"], f"batch {m['batchId']}: counts disagree"
        assert sum(f["rows"] for f in m["files"]) == m["numArchived"], f"batch {m['batchId']}: files != archived"
        for o in m["offsets"]:
            key = (o["topic"], o["partition"])
            if key in covered:
                start, end = covered[key]
                assert o["startOffset"] == end, f"batch {m['batchId']} {key}: starts at {o['startOffset']}, not {end}"
                covered[key] = (start, o["endOffset"])
            else:
                covered[key] = (o["startOffset"], o["endOffset"])
    return covered


def wait_for(condition: Callable[[], T | None], timeout: float, what: str, interval: float = 0.5) -> T:
    """Polls condition until it returns something truthy, and returns that; fails naming what it waited for."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def replay_probe_project(directory: Path, read_files: bool = True) -> Path:
    """A dbt project on DuckDB (directory/probe.duckdb) whose one model, applications, appends a row per application
    of a batch (batch_id, rows): unlike an idempotent model it shows every replay. read_files=False counts the files
    the manifest lists instead of reading them, for archives of manifests only."""
    project = directory / "probe"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: replay_probe\nversion: '0.1.0'\nconfig-version: 2\nprofile: replay_probe\nmodel-paths: ['models']\n"
        "flags:\n  send_anonymous_usage_stats: false\n"
    )
    (project / "profiles.yml").write_text(
        "replay_probe:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{directory / 'probe.duckdb'}'\n      threads: 1\n"
    )
    (project / "packages.yml").write_text(f"packages:\n  - local: '{REPO / 'dbt-hooks'}'\n")
    source = (
        "select count(*) as n, min(_kafka_offset) as first_offset from {{ archiver_dbt.archiver_batch_files() }}"
        if read_files
        else "select {{ var('files', []) | length }} as n, null::bigint as first_offset"
    )
    (project / "models" / "applications.sql").write_text(
        "{{ config(materialized='incremental', incremental_strategy='append') }}\n"
        f"select {{{{ var('batch_id') }}}}::integer as batch_id, s.n, s.first_offset from ({source}) s\n"
    )
    return project
