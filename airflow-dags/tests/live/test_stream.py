"""archiver_stream triggered through the API: spark-submit (local master) runs the archiver; clearing the running task
or marking it failed stops the Spark job through the operator's on_kill, cleanly and without losing a batch; an
available-now run then finishes the topic, and every offset is in exactly one committed manifest."""

from __future__ import annotations

from pathlib import Path

import archiver_testkit as kit
import psutil
import pytest

from live.conftest import STREAM_DAG, Deployment

pytestmark = pytest.mark.slow

TASK = "archive"
SPARK_SECONDS = 600  # a spark-submit JVM starting Spark and a Kafka consumer on two busy cores


def archiver_jvms(deployment: Deployment) -> list[psutil.Process]:
    """The spark-submit JVMs running the archiver on archiver_stream's config."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if "dev.archiver.cli.ArchiverCli" in cmdline and str(deployment.stream_config) in cmdline:
            found.append(process)
    return found


def lease_epochs(output: Path, kind: str) -> list[int]:
    """The writer-lease epochs with a file of this kind: each driver claims one, and releases it on a clean stop."""
    return sorted(int(p.name.split(".")[0]) for p in (output / "_archiver" / "lease").glob(f"*.{kind}"))


def gone(processes: list[psutil.Process]) -> bool:
    return not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes)


def test_a_killed_stream_stops_cleanly_and_available_now_finishes_without_a_lost_batch(deployment: Deployment):
    api, stream = deployment.airflow.api("admin"), deployment.stream
    kit.produce(deployment.bootstrap, stream.topic, 4000)
    small_batches = {"backpressure.max-records-per-batch": 300}
    api.trigger(STREAM_DAG, "processing", {"mode": "processing-time", "interval": "2s", "driver_memory": "1g",
                                           "overrides": small_batches})  # fmt: skip

    # Clearing the running task stops its Spark job, then runs the task again as a new try.
    kit.wait_for(lambda: stream.manifests(), SPARK_SECONDS, "the first batch of the processing-time run", 1)
    first_try = archiver_jvms(deployment)
    assert first_try, "the committed batch came from a spark-submit JVM running the archiver"
    api.clear_task(STREAM_DAG, "processing", TASK)
    kit.wait_for(lambda: gone(first_try), 60, "the cleared try's JVM to exit")
    at_clear = len(stream.manifests())
    kit.wait_for(lambda: len(stream.manifests()) > at_clear, SPARK_SECONDS, "a batch of the second try", 1)

    # Marking it failed stops it for good.
    second_try = archiver_jvms(deployment)
    api.set_task_state(STREAM_DAG, "processing", TASK, "failed")
    kit.wait_for(lambda: gone(second_try), 60, "the failed try's JVM to exit")
    assert api.wait_for_run(STREAM_DAG, "processing", 120)["state"] == "failed"
    # A driver that stops cleanly (query stopped, then Spark) releases its writer lease; one SIGKILLed mid-stop
    # (the provider's own on_kill) leaves it to time out.
    assert lease_epochs(stream.output, "claim.json") == lease_epochs(stream.output, "released") == [1, 2]

    # available-now archives the rest and finishes; every offset is in exactly one committed manifest.
    kit.produce(deployment.bootstrap, stream.topic, 1000)
    api.trigger(STREAM_DAG, "catch-up", {"mode": "available-now", "driver_memory": "1g", "overrides": small_batches})
    run = api.wait_for_run(STREAM_DAG, "catch-up", SPARK_SECONDS)
    assert run["state"] == "success", deployment.airflow.task_log(STREAM_DAG, "catch-up", TASK)[-5000:]
    committed = stream.manifests()
    covered = kit.offsets_exactly_once(committed)
    assert all(start == 0 for start, _ in covered.values()), covered
    assert sum(end for _, end in covered.values()) == 5000 == sum(m["numRecords"] for m in committed)
    assert lease_epochs(stream.output, "released") == [1, 2, 3]
