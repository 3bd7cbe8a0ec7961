"""archiver_dbt_batch with a replay in its conf, run by dag.test(): archiver-dbt replay applies the batches again
(real dbt on DuckDB), recorded in the ledger under the DAG run's id. Needs ARCHIVER_DBT_BIN (bin/test-python
sets it)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import BundleDagBag
from archiver_testkit import replay_probe_project

from conftest import DAGS

QUERY = "6d51e93b-3076-45fa-8f91-d0a19f1b095a"


def _commit(root: Path, batch_id: int) -> None:
    """A committed batch's manifest (its one file is never opened: the probe project counts the listed files)."""
    doc = {
        "formatVersion": 1, "batchId": batch_id, "queryId": QUERY, "committedAt": "2026-11-25T06:47:57Z",
        "archiveRoot": f"file:{root}", "quarantineRoot": f"file:{root}/_quarantine",
        "offsets": [{"topic": "t", "partition": 0, "startOffset": batch_id * 10, "endOffset": batch_id * 10 + 10}],
        "numRecords": 10, "numArchived": 10, "numQuarantined": 0,
        "files": [{"path": f"event_date=2026-11-25/part-{batch_id:020d}.parquet", "rows": 10, "bytes": 100}],
        "quarantineFiles": [], "partitions": ["event_date=2026-11-25"], "intake": {},
        "eventTime": {"min": "2026-11-25T06:00:00Z", "max": "2026-11-25T06:00:59Z"},
    }  # fmt: skip
    path = root / "_archiver" / "manifests" / f"{batch_id:020d}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))


@pytest.mark.skipif(not os.environ.get("ARCHIVER_DBT_BIN"), reason="ARCHIVER_DBT_BIN is not set")
def test_a_replay_conf_applies_the_range_once_under_the_run_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from airflow.utils import db

    dbt_bin = os.environ["ARCHIVER_DBT_BIN"]
    root = tmp_path / "archive"
    for b in range(4):
        _commit(root, b)
    project = replay_probe_project(tmp_path, read_files=False)
    common = ["--project-dir", str(project)]
    subprocess.run([dbt_bin, "catch-up", "--output", str(root), *common], check=True)

    monkeypatch.setenv("AIRFLOW_VAR_ARCHIVER_DBT_BIN", dbt_bin)
    monkeypatch.setenv("AIRFLOW_VAR_ARCHIVER_DBT_PROJECT_DIR", str(project))
    db.resetdb()
    dag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS).dags["archiver_dbt_batch"]
    run = dag.test(run_conf={"archive_root": str(root), "batches": "1..2"})
    assert run.state == "success"

    ledger = root / "_archiver/dbt-ledgers/replay_probe.default.jsonl"
    lines = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert [(line["batchIds"], line.get("replay")) for line in lines] == [
        ([0], None), ([1], None), ([2], None), ([3], None), ([1], run.run_id), ([2], run.run_id),
    ]  # fmt: skip
    counts = subprocess.run(
        [dbt_bin, "row-counts", "--model", "applications", *common], check=True, capture_output=True, text=True
    )
    # 4 first applications and 2 replays, each once
    assert json.loads(counts.stdout.splitlines()[-1]) == {"applications": 6}
