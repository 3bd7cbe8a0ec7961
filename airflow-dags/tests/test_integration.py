"""`airflow dags test` for real: archiver_stream runs spark-submit (Spark 3.5 from pyspark) against a local Kafka
broker; archiver_dbt_batch then runs archiver-dbt from the dbt virtualenv over what it archived.

Needs the Java build, SPARK_HOME (a Spark 3.5 with bin/spark-submit; bin/test-python installs pyspark for it) and,
for the dbt step, ARCHIVER_DBT_BIN (the dbt virtualenv's archiver-dbt). ARCHIVER_BIN overrides bin/archiver.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import DAGS, REPO

pytestmark = pytest.mark.slow

ARCHIVER = os.environ.get("ARCHIVER_BIN", str(REPO / "bin" / "archiver"))
AIRFLOW = str(Path(sys.executable).parent / "airflow")
EVENTS = 6000
SCHEMA = (
    "event_id STRING, event_time TIMESTAMP, service STRING, level STRING, user_id STRING, latency_ms INT, "
    "path STRING, status INT, message STRING"
)


def shaded_jar() -> Path:
    if os.environ.get("ARCHIVER_JAR"):
        return Path(os.environ["ARCHIVER_JAR"])
    jars = sorted((REPO / "archiver-spark" / "target").glob("archiver-spark-*-all.jar"))
    if not jars:
        pytest.fail("no archiver-spark/target/archiver-spark-*-all.jar: build the Java side first (mvn package)")
    return jars[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)


class Deployment:
    """An Airflow home with a migrated SQLite DB, a Spark connection and Variables, all through the environment."""

    def __init__(self, tmp: Path, bootstrap: str) -> None:
        self.tmp, self.bootstrap = tmp, bootstrap
        self.output = tmp / "archive"
        self.config = tmp / "archiver.yaml"
        spark_home = os.environ.get("SPARK_HOME", "")
        if not Path(spark_home, "bin", "spark-submit").exists():
            pytest.skip("SPARK_HOME has no bin/spark-submit; bin/test-python installs pyspark 3.5 there")
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(tmp / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW_CONN_SPARK_DEFAULT": json.dumps({"conn_type": "spark", "host": "local[2]"}),
            "AIRFLOW_VAR_ARCHIVER_JAR": str(shaded_jar()),
            "AIRFLOW_VAR_ARCHIVER_CONFIG": str(self.config),
            "PATH": f"{spark_home}/bin{os.pathsep}{os.environ['PATH']}",
        }

    def dags_test(self, dag_id: str, conf: dict, **env: str) -> subprocess.CompletedProcess[str]:
        done = run([AIRFLOW, "dags", "test", dag_id, "-c", json.dumps(conf)], env={**self.env, **env}, timeout=600)
        (self.tmp / f"{dag_id}.log").write_text(done.stdout + done.stderr)
        return done

    def manifests(self) -> list[dict]:
        return [json.loads(p.read_text()) for p in sorted((self.output / "_archiver" / "manifests").glob("*.json"))]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("airflow-it")
    port = free_port()
    deployment = Deployment(tmp, f"127.0.0.1:{port}")
    deployment.config.write_text(
        f"source:\n  bootstrap-servers: {deployment.bootstrap}\n  topic: events\n"
        f'schema:\n  ddl: "{SCHEMA}"\n  event-time-column: event_time\n'
        f"  required-columns: [event_id, event_time, service]\noutput:\n  path: {deployment.output}\n"
    )
    migrated = run([AIRFLOW, "db", "migrate"], env=deployment.env)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    broker = tmp / "broker"
    started = run([ARCHIVER, "local-kafka", "start", "--port", str(port), "--dir", str(broker)])
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        sent = run([ARCHIVER, "datagen", "--bootstrap-servers", deployment.bootstrap, "--topic", "events",
                    "--events", str(EVENTS)])  # fmt: skip
        assert sent.returncode == 0, sent.stdout + sent.stderr
        yield deployment
    finally:
        run([ARCHIVER, "local-kafka", "stop", "--dir", str(broker)], timeout=120)


def test_archiver_stream_archives_through_spark_submit(deployment: Deployment):
    # Params override the Variables' config: small batches, so the run commits several.
    done = deployment.dags_test(
        "archiver_stream", {"mode": "available-now", "driver_memory": "1g",
                            "overrides": {"backpressure.max-records-per-batch": "2500"}},
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    manifests = deployment.manifests()
    assert len(manifests) >= 3
    assert sum(m["numRecords"] for m in manifests) == EVENTS


def test_archiver_dbt_batch_transforms_the_announced_batch_and_catches_up(deployment: Deployment, tmp_path: Path):
    hook = os.environ.get("ARCHIVER_DBT_BIN")
    if not hook:
        pytest.skip("ARCHIVER_DBT_BIN (archiver-dbt of the dbt virtualenv) is not set")
    manifests = deployment.manifests()
    if not manifests:
        pytest.skip("archiver_stream archived nothing")
    project = tmp_path / "dbt"
    shutil.copytree(REPO / "dbt-hooks" / "macros", project / "macros")
    shutil.copy(REPO / "dbt-hooks" / "dbt_project.yml", project)
    shutil.copytree(REPO / "dbt-hooks" / "example_project", project / "example_project",
                    ignore=shutil.ignore_patterns("target", "dbt_packages", "logs", "*.duckdb*"))  # fmt: skip
    # The conf the archiver's Airflow listener sends; the first batch, so catch_up has the others to do.
    uri = f"file:{deployment.output}/_archiver/manifests/{0:020d}.json"
    conf = {"manifest": uri, "batch_id": 0, "archive_root": f"file:{deployment.output}", "query_id": "q"}
    done = deployment.dags_test(
        "archiver_dbt_batch", conf, AIRFLOW_VAR_ARCHIVER_DBT_BIN=hook,
        AIRFLOW_VAR_ARCHIVER_DBT_PROJECT_DIR=str(project / "example_project"),
        ARCHIVER_DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"),
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    ledger = deployment.output / "_archiver" / "dbt-ledgers" / "archiver_example.default.jsonl"
    entries = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert [b for e in entries for b in e["batchIds"]] == [m["batchId"] for m in manifests]
    assert sum(e["numArchived"] for e in entries) == sum(m["numArchived"] for m in manifests)


def test_bad_input_fails_the_run_without_retries(deployment: Deployment, tmp_path: Path):
    calls = tmp_path / "calls"
    stub = tmp_path / "archiver-dbt"
    stub.write_text(f"#!/bin/sh\necho \"$@\" >> {calls}\necho 'damaged manifest' >&2\nexit 2\n")
    stub.chmod(0o755)
    conf = {"manifest": f"file:{deployment.output}/_archiver/manifests/{7:020d}.json"}
    done = deployment.dags_test(
        "archiver_dbt_batch", conf, AIRFLOW_VAR_ARCHIVER_DBT_BIN=str(stub), AIRFLOW_VAR_ARCHIVER_DBT_PROJECT_DIR="/p"
    )
    assert done.returncode != 0
    assert calls.read_text().splitlines() == [f"run-batch --manifest {conf['manifest']} --project-dir /p"]
