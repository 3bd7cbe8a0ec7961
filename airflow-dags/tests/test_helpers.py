"""What the DAGs compute: spark-submit arguments, archiver-dbt command lines and how their exit codes map."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from archiver_airflow import dbt, spark


def test_run_args_for_both_modes_with_overrides():
    assert spark.run_args("/etc/archiver.yaml", "available-now", "30s", {"source.topic": "t", "a.b": 5}) == [
        "run", "--config", "/etc/archiver.yaml", "--trigger", "available-now",
        "--set", "source.topic=t", "--set", "a.b=5",
    ]  # fmt: skip
    assert spark.run_args("", "processing-time", "5m", None) == ["run", "--trigger", "processing-time:5m"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("c", "continuous", "30s", {}), "mode must be one of"),
        (("c", "processing-time", "soon", {}), "interval 'soon' is not a duration"),
        (("c", "available-now", "30s", {"a=b": "c"}), "override key 'a=b' must be a config key"),
    ],
)
def test_run_args_refuse_what_the_archiver_would(args, message):
    with pytest.raises(ValueError, match=message):
        spark.run_args(*args)


def test_spark_conf_opens_the_jdk_for_driver_and_executors():
    conf = spark.spark_conf("4g", {"spark.sql.shuffle.partitions": 8})
    assert conf["spark.driver.memory"] == "4g" and conf["spark.sql.shuffle.partitions"] == "8"
    assert "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED" in conf["spark.executor.extraJavaOptions"]
    with pytest.raises(ValueError, match="set the Airflow Variable archiver_jar"):
        spark.application("")


def test_hook_settings_take_params_before_variables():
    variables = {"archiver_dbt_project_dir": "/dbt/project", "archiver_dbt_target": "prod"}
    settings = dbt.HookSettings.resolve({"target": "dev"}, lambda key, default: variables.get(key, default))
    assert settings.command("catch-up", "--output", "s3a://b/a") == [
        "archiver-dbt", "catch-up", "--output", "s3a://b/a", "--project-dir", "/dbt/project", "--target", "dev",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="set the Variable archiver_dbt_project_dir"):
        dbt.HookSettings.resolve({}, lambda key, default: default)


def test_the_archive_of_a_manifest():
    assert dbt.archive_of("s3a://b/a/_archiver/manifests/00000000000000000042.json") == "s3a://b/a"
    with pytest.raises(dbt.BadInput, match="is not a manifest URI"):
        dbt.archive_of("s3a://b/a/00000000000000000042.json")


@pytest.mark.parametrize(("code", "error"), [(1, dbt.DbtFailed), (2, AirflowFailException), (3, dbt.DbtFailed)])
def test_exit_codes_map_to_retry_or_fail_fast(code, error):
    with pytest.raises(error), dbt.failing_fast():
        dbt.run(["sh", "-c", f"echo working; exit {code}"])


def test_a_successful_command_passes():
    with dbt.failing_fast():
        dbt.run(["sh", "-c", "echo done"])
