"""archiver_stream on a real Spark standalone cluster: the Spark connection Variable names a spark:// connection, and
spark-submit runs the driver in client mode with the executors on the cluster's worker (bin/archiver local-cluster).
The run finishes with available-now, every offset is in exactly one committed manifest, and the executors that the
worker launched ran the tasks."""

from __future__ import annotations

import json

import archiver_testkit as kit
import pytest

from live.conftest import STREAM_DAG, Deployment
from live.test_stream import SPARK_SECONDS, TASK

pytestmark = pytest.mark.slow


def test_archiver_stream_runs_its_executors_on_a_spark_cluster(deployment: Deployment):
    airflow, api = deployment.airflow, deployment.airflow.api("admin")
    archive = deployment.archive("on-cluster")
    kit.produce(deployment.bootstrap, archive.topic, 3000, "--malformed-ratio", "0.02")
    config = deployment.config(archive, {"backpressure.max-records-per-batch": 700})
    with kit.local_cluster(deployment.tmp / "cluster") as master:
        host, port = master.rsplit(":", 1)
        airflow.cli("connections", "add", "spark_cluster", "--conn-json",
                    json.dumps({"conn_type": "spark", "host": host, "port": int(port)}))  # fmt: skip
        previous = {"archiver_config": str(deployment.stream_config), "archiver_spark_conn_id": "spark_default"}
        airflow.cli("variables", "set", "archiver_config", str(config))
        airflow.cli("variables", "set", "archiver_spark_conn_id", "spark_cluster")
        try:
            api.trigger(STREAM_DAG, "on-cluster", {"mode": "available-now", "driver_memory": "1g"})
            run = api.wait_for_run(STREAM_DAG, "on-cluster", SPARK_SECONDS)
            log = airflow.task_log(STREAM_DAG, "on-cluster", TASK)
            assert run["state"] == "success", log[-5000:]
        finally:
            for key, value in previous.items():
                airflow.cli("variables", "set", key, value)
        assert f"--master {master}" in log, log[-3000:]
        executor_logs = "".join(
            p.read_text(errors="replace") for p in (deployment.tmp / "cluster" / "work").glob("*/app-*/*/stderr")
        )
        assert "Finished task" in executor_logs, "the worker's executors ran the batches' tasks"
    committed = archive.manifests()
    covered = kit.offsets_exactly_once(committed)
    assert sum(end - start for start, end in covered.values()) == 3000 == sum(m["numRecords"] for m in committed)
