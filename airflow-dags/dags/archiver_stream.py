"""archiver_stream: archives a Kafka topic to Parquet with the archiver's Spark job (spark-submit).

Nightly with mode=available-now (archive what is there, then finish); trigger it with mode=processing-time to run
continuously. ARCHIVER_STREAM_SCHEDULE in the DAG processor's environment replaces the schedule (a cron expression or
preset; empty: triggered runs only). What runs comes from Variables: archiver_jar (the shaded jar), archiver_config
(the YAML config on the worker) and archiver_spark_conn_id (default spark_default: its host is the master, e.g. yarn,
local[2], spark://host:7077). A run's conf may set only mode, interval, driver_memory and batch-sizing overrides.
"""

from __future__ import annotations

import os
from datetime import datetime

from airflow.sdk import DAG, Param, Variable, get_current_context, task

from archiver_airflow import spark
from archiver_airflow.operators import ArchiverSparkSubmitOperator

with DAG(
    dag_id="archiver_stream",
    description="Archive Kafka to Parquet with the archiver's Spark job",
    schedule=os.environ.get("ARCHIVER_STREAM_SCHEDULE", "@daily") or None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # two queries on one checkpoint would fail each other
    tags=["archiver"],
    # Exactly spark.STREAM_CONF_KEYS: a param is something any trigger's conf may set.
    params={
        "mode": Param("available-now", enum=list(spark.MODES), description="available-now: catch up, then finish"),
        "interval": Param("30s", type="string", description="processing-time: batch interval"),
        "driver_memory": Param("2g", type="string", description="spark.driver.memory"),
        "overrides": Param(
            {}, type="object", description="batch sizing to override, e.g. {'backpressure.max-records-per-batch': 5000}"
        ),
    },
) as dag:

    @task(multiple_outputs=True)
    def resolve_arguments(params: dict | None = None) -> dict:
        """Checks the run's conf, then reads the Variables here, at run time, rather than on every parse."""
        assert params is not None
        spark.check_conf(get_current_context()["dag_run"].conf)
        return {
            "application": spark.application(Variable.get(spark.VARIABLES["jar"], default="")),
            "application_args": spark.run_args(
                Variable.get(spark.VARIABLES["config"], default=""),
                params["mode"],
                params["interval"],
                params["overrides"],
            ),
        }

    resolved = resolve_arguments()
    ArchiverSparkSubmitOperator(
        task_id="archive",
        conn_id="{{ var.value.get('" + spark.VARIABLES["spark_conn_id"] + "', 'spark_default') }}",
        application=resolved["application"],
        application_args=resolved["application_args"],
        java_class=spark.MAIN_CLASS,
        conf=spark.spark_conf("{{ params.driver_memory }}"),
        name="archiver",
        execution_timeout=None,  # processing-time runs until stopped
    )
