"""archiver_stream: archives a Kafka topic to Parquet with the archiver's Spark job (spark-submit).

Nightly with mode=available-now (archive what is there, then finish); trigger it with mode=processing-time to run
continuously. Set the Variables archiver_jar (the shaded jar) and archiver_config (the YAML config on the worker), and
the Spark connection (default spark_default: its host is the master, e.g. yarn, local[2], spark://host:7077).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Param, Variable, task

from archiver_airflow import spark
from archiver_airflow.operators import ArchiverSparkSubmitOperator

with DAG(
    dag_id="archiver_stream",
    description="Archive Kafka to Parquet with the archiver's Spark job",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # two queries on one checkpoint would fail each other
    tags=["archiver"],
    params={
        "mode": Param("available-now", enum=list(spark.MODES), description="available-now: catch up, then finish"),
        "interval": Param("30s", type="string", description="processing-time: batch interval"),
        "config": Param("", type="string", description="archiver YAML config on the worker (default: Variable)"),
        "jar": Param("", type="string", description="shaded archiver jar (default: Variable archiver_jar)"),
        "overrides": Param({}, type="object", description="config keys to override, e.g. {'source.topic': 't'}"),
        "driver_memory": Param("2g", type="string"),
        "spark_conn_id": Param("spark_default", type="string", description="Spark connection (master, deploy mode)"),
    },
) as dag:

    @task(multiple_outputs=True)
    def resolve_arguments(params: dict | None = None) -> dict:
        """Params win over Variables, read here at run time rather than on every parse."""
        assert params is not None
        return {
            "application": spark.application(params["jar"] or Variable.get("archiver_jar", default="")),
            "application_args": spark.run_args(
                params["config"] or Variable.get("archiver_config", default=""),
                params["mode"],
                params["interval"],
                params["overrides"],
            ),
        }

    resolved = resolve_arguments()
    ArchiverSparkSubmitOperator(
        task_id="archive",
        conn_id="{{ params.spark_conn_id }}",
        application=resolved["application"],
        application_args=resolved["application_args"],
        java_class=spark.MAIN_CLASS,
        conf=spark.spark_conf("{{ params.driver_memory }}"),
        name="archiver",
        execution_timeout=None,  # processing-time runs until stopped
    )
