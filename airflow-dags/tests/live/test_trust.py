"""The bridge's trust boundary on the live Airflow: whoever may trigger a DAG (the archiver's API user, say) chooses
which batch to transform or how to archive, never what runs. A conf that tries fails the run, without retries,
before anything it named ran."""

from __future__ import annotations

from pathlib import Path

import pytest

from live.conftest import DBT_DAG, STREAM_DAG, Deployment

pytestmark = pytest.mark.slow


def marker_command(tmp_path: Path) -> tuple[Path, Path]:
    """An executable that leaves a file behind if it ever runs."""
    marker, script = tmp_path / "ran", tmp_path / "not-archiver-dbt"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    return script, marker


def test_a_batch_run_whose_conf_names_the_executable_or_project_fails_without_running_them(
    deployment: Deployment, tmp_path: Path
):
    script, marker = marker_command(tmp_path)
    manifest = f"file:{tmp_path}/archive/_archiver/manifests/{0:020d}.json"
    conf = {"manifest": manifest, "executable": str(script), "project_dir": str(tmp_path)}
    deployment.airflow.api("archiver").trigger(DBT_DAG, "trust-executable", conf)

    admin = deployment.airflow.api("admin")
    assert admin.wait_for_run(DBT_DAG, "trust-executable", 300)["state"] == "failed"
    task = admin.task_instances(DBT_DAG, "trust-executable")["run_batch"]
    assert (task["state"], task["try_number"]) == ("failed", 1), "bad input is not retried"
    assert not marker.exists(), "the executable named in conf never ran"
    log = deployment.airflow.task_log(DBT_DAG, "trust-executable", "run_batch")
    assert "conf key(s) executable, project_dir refused" in log and "set the Variables archiver_dbt_bin" in log


def test_a_stream_run_whose_conf_sets_notify_command_fails_before_spark_submit(deployment: Deployment, tmp_path: Path):
    _, marker = marker_command(tmp_path)
    conf = {"overrides": {"notify.command": f"touch {marker}"}}
    deployment.airflow.api("admin").trigger(STREAM_DAG, "trust-notify", conf)

    admin = deployment.airflow.api("admin")
    assert admin.wait_for_run(STREAM_DAG, "trust-notify", 300)["state"] == "failed"
    tasks = admin.task_instances(STREAM_DAG, "trust-notify")
    assert (tasks["resolve_arguments"]["state"], tasks["archive"]["state"]) == ("failed", "upstream_failed")
    assert not marker.exists()
    log = deployment.airflow.task_log(STREAM_DAG, "trust-notify", "resolve_arguments")
    assert "override(s) notify.command refused" in log
