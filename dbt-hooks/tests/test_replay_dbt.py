"""A replay with real dbt on DuckDB: a model that appends one row per application shows each replay applied once per
request, and the ledger records it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from archiver_testkit import replay_probe_project
from conftest import FakeArchive

from archiver_dbt import cli


def _archive(tmp_path: Path) -> FakeArchive:
    archive = FakeArchive(tmp_path / "archive")
    con = duckdb.connect()
    for b in range(3):
        archive.commit(b)
        path = archive.root / f"event_date=2026-11-25/part-{b:020d}-00000.c000.snappy.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            "COPY (SELECT 't' AS _kafka_topic, 0 AS _kafka_partition, i::BIGINT AS _kafka_offset "
            f"FROM range({b * 100}, {b * 100 + 10}) r(i)) TO '{path}' (FORMAT parquet)"
        )
    return archive


def _applications(tmp_path: Path) -> list[tuple[int, int, int]]:
    with duckdb.connect(str(tmp_path / "probe.duckdb")) as con:
        rows = con.execute("select batch_id, n, first_offset from applications order by all").fetchall()
    return [tuple(r) for r in rows]


def test_a_replay_runs_dbt_once_per_request_on_exactly_the_batchs_files(tmp_path: Path, capsys) -> None:
    archive, project = _archive(tmp_path), replay_probe_project(tmp_path)
    common = ["--project-dir", str(project)]
    assert cli.main(["catch-up", "--output", archive.uri, *common]) == 0
    assert _applications(tmp_path) == [(0, 10, 0), (1, 10, 100), (2, 10, 200)]

    replay = ["replay", "--output", archive.uri, "--batches", "1..2", "--request-id", "fix-1", *common]
    assert cli.main(replay) == 0
    assert cli.main(replay) == 0, "the same request again (a retried Airflow task) applies nothing"
    manifest = str(archive.root / "_archiver/manifests/00000000000000000000.json")
    assert cli.main(["run-batch", "--manifest", manifest, "--force", *common]) == 0
    assert _applications(tmp_path) == [(0, 10, 0), (0, 10, 0), (1, 10, 100), (1, 10, 100), (2, 10, 200), (2, 10, 200)]

    capsys.readouterr()
    assert cli.main(["status", "--output", archive.uri, *common]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["pending"] == [] and status["applied"] == 3
    assert [(r["batchIds"], r["replay"]) for r in status["replays"]][:2] == [([1], "fix-1"), ([2], "fix-1")]
    assert status["replays"][2]["batchIds"] == [0] and status["replays"][2]["replay"].startswith("cli-")
    assert all(r["outcome"] == "transformed" and r["numArchived"] == 10 for r in status["replays"])
