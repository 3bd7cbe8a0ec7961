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


def test_spark_conf_sizes_and_opens_the_driver_and_passes_extra_confs():
    conf = spark.spark_conf("4g", {"spark.sql.shuffle.partitions": 8})
    assert conf.pop("spark.driver.extraJavaOptions") == spark.JAVA_17_OPTIONS
    assert "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED" in spark.JAVA_17_OPTIONS
    assert conf == {"spark.driver.memory": "4g", "spark.sql.shuffle.partitions": "8"}
    with pytest.raises(ValueError, match="set the Airflow Variable archiver_jar"):
        spark.application("")


def test_hook_settings_come_from_variables():
    variables = {"archiver_dbt_project_dir": "/dbt/project", "archiver_dbt_target": "prod"}
    settings = dbt.HookSettings.from_variables(lambda key, default: variables.get(key, default))
    assert settings.command("catch-up", "--output=s3a://b/a") == [
        "archiver-dbt", "catch-up", "--output=s3a://b/a", "--project-dir", "/dbt/project", "--target", "prod",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="set the Variable archiver_dbt_project_dir"):
        dbt.HookSettings.from_variables(lambda key, default: default)


MANIFEST = "s3a://b/a/_archiver/manifests/00000000000000000042.json"


def test_the_batch_conf_the_archiver_sends_is_accepted():
    conf = {"manifest": MANIFEST, "batch_id": 42, "archive_root": "s3a://b/a", "query_id": "q"}
    batch = dbt.BatchConf.parse(conf)
    assert (batch.manifest, batch.batch_id, batch.output) == (MANIFEST, 42, "s3a://b/a")


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"manifest": MANIFEST, "executable": "/tmp/x"}, "conf key.s. executable refused: .* set the Variables"),
        ({"manifest": MANIFEST, "project_dir": "/p", "target": "t"}, "project_dir, target refused"),
        ({"manifest": MANIFEST, "profiles_dir": "/p"}, "profiles_dir refused"),
        ({}, "conf 'manifest' is missing"),
        ({"manifest": "s3a://b/a/00000000000000000042.json"}, "it must be a manifest URI"),
        ({"manifest": MANIFEST, "batch_id": 7}, "'batch_id' 7 is not the batch of the manifest"),
        ({"manifest": MANIFEST, "batch_id": "42"}, "'batch_id' must be an integer"),
    ],
)
def test_a_batch_conf_may_not_choose_what_runs(conf, message):
    with pytest.raises(dbt.BadInput, match=message):
        dbt.BatchConf.parse(conf)


def test_a_stream_conf_may_set_how_but_not_what_runs():
    overrides = {"backpressure.max-records-per-batch": 500, "commit.retry.num-retries": 2}
    spark.check_conf({"mode": "processing-time", "interval": "5s", "driver_memory": "1g", "overrides": overrides})
    spark.check_conf(None)


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"jar": "/tmp/evil.jar"}, "conf key.s. jar refused: .*Variables archiver_jar, archiver_config"),
        ({"config": "/tmp/evil.yaml", "spark_conn_id": "x"}, "config, spark_conn_id refused"),
        ({"overrides": {"notify.command": "touch /tmp/owned"}}, "override.s. notify.command refused"),
        ({"overrides": {"spark.driver.extraJavaOptions": "-javaagent:x"}}, "spark.driver.extraJavaOptions refused"),
        ({"overrides": {"output.path": "/elsewhere", "source.kafka.sasl.jaas.config": "x"}}, "output.path, source"),
        ({"overrides": ["notify.command=x"]}, "'overrides' must be an object"),
        ({"driver_memory": "2g --conf x"}, "is not a JVM memory size"),
    ],
)
def test_a_stream_conf_that_chooses_what_runs_is_refused(conf, message):
    with pytest.raises(ValueError, match=message):
        spark.check_conf(conf)


@pytest.mark.parametrize(("code", "error"), [(1, dbt.DbtFailed), (2, AirflowFailException), (3, dbt.DbtFailed)])
def test_exit_codes_map_to_retry_or_fail_fast(code, error):
    with pytest.raises(error), dbt.failing_fast():
        dbt.run(["sh", "-c", f"echo working; exit {code}"])


def test_a_successful_command_passes():
    with dbt.failing_fast():
        dbt.run(["sh", "-c", "echo done"])


def test_a_replay_conf_runs_archiver_dbt_replay_under_the_run_id():
    replay = dbt.parse_conf({"archive_root": "s3a://b/a", "batches": "120..130"})
    assert isinstance(replay, dbt.ReplayConf) and replay.output == "s3a://b/a"
    assert replay.args("manual__1") == ["replay", "--output=s3a://b/a", "--batches=120..130", "--request-id=manual__1"]
    since = dbt.parse_conf({"archive_root": "/a", "since": "2026-11-20T00:00Z"})
    assert isinstance(since, dbt.ReplayConf) and since.args("r")[2] == "--since=2026-11-20T00:00Z"
    assert isinstance(dbt.parse_conf({"manifest": MANIFEST, "batch_id": 42}), dbt.BatchConf)


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"batches": "1..2"}, "needs 'archive_root'"),
        ({"archive_root": "/a", "batches": "1..2", "since": "2026-11-20"}, "exactly one of 'batches'"),
        ({"archive_root": "/a", "batches": "--select x"}, "conf 'batches' is '--select x'"),
        ({"archive_root": "/a", "since": "yesterday"}, "conf 'since' is 'yesterday'"),
        ({"archive_root": "/a", "batches": "1", "manifest": MANIFEST}, "manifest do not go with a replay"),
        ({"archive_root": "/a", "batches": "1", "executable": "x"}, "executable refused"),
    ],
)
def test_a_replay_conf_is_checked(conf, message):
    with pytest.raises(dbt.BadInput, match=message):
        dbt.parse_conf(conf)
