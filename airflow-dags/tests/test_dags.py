"""The DAG files parse, and wire what they should: ids, tasks, dependencies, params."""

from __future__ import annotations

import pytest
from airflow.dag_processing.dagbag import BundleDagBag

from archiver_airflow import dbt, spark
from conftest import DAGS


@pytest.fixture(scope="module")
def dagbag() -> BundleDagBag:
    # BundleDagBag is DagBag plus the bundle root on sys.path, as Airflow 3 parses a DAG bundle.
    return BundleDagBag(dag_folder=DAGS, bundle_path=DAGS)


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert sorted(dagbag.dag_ids) == ["archiver_dbt_batch", "archiver_stream"]


def test_archiver_stream_resolves_arguments_then_submits(dagbag):
    dag = dagbag.dags["archiver_stream"]
    assert {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks} == {
        "resolve_arguments": ["archive"],
        "archive": [],
    }
    assert dag.max_active_runs == 1 and not dag.catchup
    assert dag.params["mode"] == "available-now"
    assert set(dag.params) == set(spark.STREAM_CONF_KEYS), "a param is what any trigger's conf may set"
    assert dag.params.get_param("mode").schema["enum"] == ["available-now", "processing-time"]
    submit = dag.get_task("archive")
    assert type(submit).__name__ == "ArchiverSparkSubmitOperator"
    assert submit._java_class == "dev.archiver.cli.ArchiverCli"
    assert "archiver_spark_conn_id" in submit.conn_id and "conn_id" in submit.template_fields
    assert submit.conf["spark.driver.extraJavaOptions"] == spark.JAVA_17_OPTIONS
    assert submit.conf["spark.driver.memory"] == "{{ params.driver_memory }}"


def test_archiver_dbt_batch_runs_the_batch_then_catches_up(dagbag):
    dag = dagbag.dags["archiver_dbt_batch"]
    assert {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks} == {"run_batch": ["catch_up"], "catch_up": []}
    assert dag.schedule is None and dag.max_active_runs == 1
    assert set(dag.params) == set(dbt.CONF_KEYS), "a param is what any trigger's conf may set"
    assert all(t.retries == 3 for t in dag.tasks)
