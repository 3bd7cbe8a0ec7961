"""Writes archives of fake manifests, so the ledger logic is tested without Spark or dbt."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

# The end-to-end helpers shared with airflow-dags/tests (a broker, the archiver, the example project).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "testkit"))

QUERY_ID = "6d51e93b-3076-45fa-8f91-d0a19f1b095a"


def manifest_doc(
    batch_id: int,
    root: str,
    rows: int = 10,
    files: int = 1,
    minute: int | None = None,
    query_id: str = QUERY_ID,
    late: dict[str, int] | None = None,
    late_before: str | None = None,
) -> dict[str, Any]:
    """A valid format-1 manifest; rows 0 means an empty batch (nothing archived, no eventTime). late: the
    latePartitions of a batch with output.late-after (its oldest partition's day becomes eventTime.min)."""
    minute = batch_id % 60 if minute is None else minute
    doc: dict[str, Any] = {
        "formatVersion": 1,
        "batchId": batch_id,
        "queryId": query_id,
        "committedAt": "2026-11-25T06:47:57.503020043Z",
        "archiveRoot": root,
        "quarantineRoot": root + "/_quarantine",
        "offsets": [{"topic": "t", "partition": 0, "startOffset": batch_id * 100, "endOffset": batch_id * 100 + rows}],
        "numRecords": rows,
        "numArchived": rows,
        "numQuarantined": 0,
        "files": [
            {
                "path": f"event_date=2026-11-25/part-{batch_id:020d}-{i:05d}.c000.snappy.parquet",
                "rows": rows // files,
                "bytes": 100,
            }
            for i in range(files if rows else 0)
        ],
        "quarantineFiles": [],
        "partitions": ["event_date=2026-11-25"] if rows else [],
        "intake": {"maxRecordsPerBatch": "10000", "policy": "fixed", "reason": "test"},
    }
    if rows:
        doc["eventTime"] = {
            "min": f"2026-11-25T06:{minute:02d}:01.5Z",
            "max": f"2026-11-25T06:{minute:02d}:59.999999999Z",
        }
    if late:
        doc["latePartitions"] = late
        doc["lateBefore"] = late_before or "2026-11-23T06:30:00Z"
        oldest = min(late)[len("event_date=") :][:10]
        doc["eventTime"]["min"] = f"{oldest}T03:00:00Z"
        doc["partitions"] = sorted(set(doc["partitions"]) | {p.split("/")[0] for p in late})
    return doc


class FakeArchive:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "_archiver" / "manifests").mkdir(parents=True)

    @property
    def uri(self) -> str:
        return "file:" + str(self.root)

    def commit(self, batch_id: int, **kwargs: Any) -> str:
        path = self.root / "_archiver" / "manifests" / f"{batch_id:020d}.json"
        path.write_text(json.dumps(manifest_doc(batch_id, self.uri, **kwargs), indent=2))
        return "file:" + str(path)

    def compact(self, sequence: int, batch_ids: list[int], name: str = "part-compacted-w-00000") -> str:
        """A compaction replacing the files of these batches (as committed) by one new file; returns its path."""
        replaced = []
        for b in batch_ids:
            doc = json.loads((self.root / "_archiver" / "manifests" / f"{b:020d}.json").read_text())
            replaced.extend(doc["files"])
        rows = sum(f["rows"] for f in replaced)
        new = f"event_date=2026-11-25/{name}.c000.snappy.parquet"
        directory = self.root / "_archiver" / "compactions"
        directory.mkdir(parents=True, exist_ok=True)
        doc = {
            "formatVersion": 1,
            "kind": "compaction",
            "sequence": sequence,
            "committedAt": "2026-11-27T00:00:00.1Z",
            "archiveRoot": self.uri,
            "afterBatchId": max(batch_ids),
            "partitions": ["event_date=2026-11-25"],
            "replaced": replaced,
            "files": [{"path": new, "rows": rows, "bytes": 1000}],
            "rows": rows,
        }
        (directory / f"{sequence:020d}.json").write_text(json.dumps(doc, indent=2))
        return new


class FakeDbt:
    """Records each dbt invocation; fails those whose batch ids are listed in fail_on."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.fail_on: set[int] = set()

    def __call__(self, args: list[str]) -> bool:
        self.calls.append(args)
        if args[0] == "deps":
            return True
        return not (set(self.vars(len(self.calls) - 1)["batch_ids"]) & self.fail_on)

    def vars(self, call: int) -> dict[str, Any]:
        args = self.calls[call]
        return json.loads(args[args.index("--vars") + 1])

    def batches_run(self) -> list[list[int]]:
        return [self.vars(i)["batch_ids"] for i, a in enumerate(self.calls) if a[0] != "deps"]


@pytest.fixture
def archive(tmp_path: Path) -> FakeArchive:
    return FakeArchive(tmp_path / "archive")


@pytest.fixture
def dbt_project(tmp_path: Path) -> str:
    project = tmp_path / "project"
    project.mkdir()
    (project / "dbt_project.yml").write_text("name: demo_project\nprofile: demo\n")
    return os.fspath(project)


@pytest.fixture
def fake_dbt() -> FakeDbt:
    return FakeDbt()
