"""One live Airflow per test session, deployed as README's recipe says: Variables and the Spark connection imported
with the CLI, the DAGs unpaused, the archiver's API user with the `user` role. Plus a Kafka broker and the example
dbt project on DuckDB. Needs SPARK_HOME (a Spark 3.5 with bin/spark-submit) and ARCHIVER_DBT_BIN (the dbt
virtualenv's archiver-dbt); bin/test-python sets both."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import archiver_testkit as kit
import pytest

from conftest import REPO
from live.airflow_server import LiveAirflow
from live.tls_api_server import TlsApiServer

DBT_DAG = "archiver_dbt_batch"
STREAM_DAG = "archiver_stream"
DBT_RUN_SECONDS = 900  # every run of a test, serialized (max_active_runs=1), each a few tasks and a dbt build


def shaded_jar() -> Path:
    jars = sorted((REPO / "archiver-app" / "target").glob("archiver-app-*-all.jar"))
    if not jars:
        pytest.fail("no archiver-app/target/archiver-app-*-all.jar: build the Java side first (mvn package)")
    return jars[-1]


@dataclass(frozen=True)
class Archive:
    """One archiver output and the topic it archives; each test has its own."""

    topic: str
    output: Path

    @property
    def ledger(self) -> Path:
        return self.output / "_archiver" / "dbt-ledgers" / "archiver_example.default.jsonl"

    def manifests(self) -> list[dict[str, Any]]:
        return kit.manifests(self.output)

    def ledger_entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.ledger.read_text().splitlines()] if self.ledger.exists() else []

    def expected_conf(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """The conf README documents for the batch's run."""
        return {
            "manifest": f"{self.output}/_archiver/manifests/{manifest['batchId']:020d}.json",
            "batch_id": manifest["batchId"],
            "archive_root": manifest["archiveRoot"],
            "query_id": manifest["queryId"],
        }

    @staticmethod
    def run_id(manifest: dict[str, Any]) -> str:
        """archiver__<first 12 hex digits of sha256(archive root + "\\n" + query id)>__<batch id, 20 digits>."""
        digest = hashlib.sha256(f"{manifest['archiveRoot']}\n{manifest['queryId']}".encode()).hexdigest()
        return f"archiver__{digest[:12]}__{manifest['batchId']:020d}"


@dataclass(frozen=True)
class Deployment:
    tmp: Path
    bootstrap: str
    airflow: LiveAirflow
    warehouse: Path
    dbt_bin: Path
    stream: Archive  # what archiver_stream archives: its config file is the Variable archiver_config
    stream_config: Path

    def archive(self, name: str) -> Archive:
        return Archive(name, self.tmp / name)

    def config(self, archive: Archive, settings: dict[str, Any] | None = None, path: Path | None = None) -> Path:
        """The archiver's config file for archive, plus settings as dotted keys (notify.airflow.password and the like
        stay in the file, off the command line). Batches of at most 1000 records: a few thousand events make a few."""
        doc = {
            "source.bootstrap-servers": self.bootstrap,
            "source.topic": archive.topic,
            "schema.ddl": kit.SCHEMA,
            "schema.event-time-column": "event_time",
            "schema.required-columns": kit.REQUIRED_COLUMNS,
            "output.path": str(archive.output),
            "backpressure.max-records-per-batch": 1000,
            **(settings or {}),
        }
        path = path or self.tmp / f"{archive.topic}-{len(list(self.tmp.glob(archive.topic + '-*.json')))}.json"
        path.write_text(json.dumps(doc, indent=2))
        path.chmod(0o600)
        return path

    def staged(self, archive: Archive) -> tuple[int, int]:
        """Rows of the archive's topic in the example project's staging model, and distinct Kafka offsets among
        them, read with the dbt virtualenv's DuckDB."""
        script = (
            "import duckdb, json, sys\n"
            "db = duckdb.connect(sys.argv[1], read_only=True)\n"
            "print(json.dumps(db.execute('select count(*), count(distinct (_kafka_partition, _kafka_offset)) "
            "from staging.stg_archiver_events where _kafka_topic = ?', [sys.argv[2]]).fetchone()))\n"
        )
        done = kit.run([str(self.dbt_bin.parent / "python"), "-c", script, str(self.warehouse), archive.topic])
        assert done.returncode == 0, done.stderr
        rows, distinct = json.loads(done.stdout)
        return rows, distinct

    def runs_of(self, archive: Archive) -> dict[str, dict[str, Any]]:
        """archiver_dbt_batch runs whose conf names this archive, by run id."""
        prefix = f"{archive.output}/_archiver/manifests/"
        runs = self.airflow.api("admin").dag_runs(DBT_DAG)
        return {r["dag_run_id"]: r for r in runs if str((r.get("conf") or {}).get("manifest", "")).startswith(prefix)}

    def wait_for_runs(self, archive: Archive, count: int) -> dict[str, dict[str, Any]]:
        """Waits until the archive has count runs, all finished; fails with the failed runs' task logs."""

        def finished() -> dict[str, dict[str, Any]] | None:
            runs = self.runs_of(archive)
            return (
                runs if len(runs) >= count and all(r["state"] in ("success", "failed") for r in runs.values()) else None
            )

        runs = kit.wait_for(finished, DBT_RUN_SECONDS, f"{count} finished {DBT_DAG} runs of {archive.topic}", 3)
        failed = [r for r in runs.values() if r["state"] != "success"]
        assert not failed, "\n".join(
            f"run {r['dag_run_id']} {r['state']}:\n"
            + self.airflow.task_log(DBT_DAG, r["dag_run_id"], "run_batch")[-3000:]
            + self.airflow.task_log(DBT_DAG, r["dag_run_id"], "catch_up")[-3000:]
            for r in failed
        )
        return runs


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    spark_home, dbt_bin = os.environ.get("SPARK_HOME", ""), os.environ.get("ARCHIVER_DBT_BIN", "")
    if not Path(spark_home, "bin", "spark-submit").exists():
        pytest.skip("SPARK_HOME has no bin/spark-submit; bin/test-python installs pyspark 3.5 there")
    if not Path(dbt_bin).exists():
        pytest.skip("ARCHIVER_DBT_BIN (archiver-dbt of the dbt virtualenv) is not set")
    tmp = tmp_path_factory.mktemp("live-airflow")
    project = kit.copy_example_project(tmp / "dbt")
    warehouse = tmp / "warehouse.duckdb"
    workers = {  # what the tasks need: spark-submit on PATH, the example profile's DuckDB file, no daily schedule
        "SPARK_HOME": spark_home,
        "PATH": f"{spark_home}/bin{os.pathsep}{os.environ['PATH']}",
        "ARCHIVER_DUCKDB_PATH": str(warehouse),
        "ARCHIVER_STREAM_SCHEDULE": "",
    }
    airflow = LiveAirflow.create(tmp / "airflow", workers)
    airflow.launch()
    try:
        with kit.local_kafka(tmp / "broker") as bootstrap:
            stream = Archive("stream", tmp / "stream")
            deployment = Deployment(tmp, bootstrap, airflow, warehouse, Path(dbt_bin), stream, tmp / "stream.json")
            deployment.config(stream, path=deployment.stream_config)
            # README's recipe: Variables and the Spark connection, imported with the CLI, then the DAGs unpaused.
            variables = {
                "archiver_dbt_bin": dbt_bin,
                "archiver_dbt_project_dir": str(project),
                "archiver_jar": str(shaded_jar()),
                "archiver_config": str(deployment.stream_config),
            }
            (tmp / "variables.json").write_text(json.dumps(variables))
            (tmp / "connections.json").write_text(
                json.dumps({"spark_default": {"conn_type": "spark", "host": "local[2]"}})
            )
            airflow.cli("variables", "import", str(tmp / "variables.json"))
            airflow.cli("connections", "import", "--overwrite", str(tmp / "connections.json"))
            airflow.wait_ready()
            admin = airflow.api("admin")
            for dag_id in (DBT_DAG, STREAM_DAG):
                admin.unpause(dag_id)
            yield deployment
    finally:
        airflow.stop()


@pytest.fixture(scope="session")
def tls_api_server(deployment: Deployment) -> Iterator[TlsApiServer]:
    """Started by the tests that need it (start() is idempotent), stopped at the end of the session."""
    server = TlsApiServer(deployment.airflow, deployment.tmp / "tls")
    try:
        yield server
    finally:
        server.stop()
