"""archiver_dbt_batch: transforms one committed archiver batch with dbt, then catches up any batch still pending.

Triggered per commit by the archiver (notify.airflow.url) with conf {"manifest": "<manifest URI>", "batch_id": ...,
"archive_root": ..., "query_id": ...}; conf may hold nothing else. A replay (after fixing a model) is triggered by
hand with {"archive_root": ..., "batches": "120..130"} or {"archive_root": ..., "since": "2026-11-20T00:00Z"}:
archiver-dbt replay applies those batches again, once per DAG run (the run id is the replay's request id, so a retried
task skips what it applied). What runs comes from Variables: archiver_dbt_bin
(archiver-dbt of the dbt virtualenv, because dbt and Airflow do not share one Python environment),
archiver_dbt_project_dir, archiver_dbt_profiles_dir, archiver_dbt_target.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Param, Variable, get_current_context, task

from archiver_airflow import dbt


def _variable(key: str, default: str) -> str:
    return Variable.get(key, default=default)


with DAG(
    dag_id="archiver_dbt_batch",
    description="dbt over one committed archiver batch, exactly once, then catch up",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # archiver-dbt serializes anyway (a lock); this keeps workers from waiting on it
    tags=["archiver", "dbt"],
    default_args={"retries": 3, "retry_delay": timedelta(minutes=1), "retry_exponential_backoff": True},
    # Exactly what the archiver sends (dbt.BATCH_CONF_KEYS) and what a replay names (dbt.REPLAY_CONF_KEYS): a param
    # is something any trigger's conf may set.
    params={
        "manifest": Param("", type="string", description="the batch's manifest URI (the archiver sends it)"),
        "batch_id": Param(None, type=["null", "integer"], description="the batch id, checked against the manifest"),
        "archive_root": Param(None, type=["null", "string"], description="informational"),
        "query_id": Param(None, type=["null", "string"], description="informational"),
        "batches": Param(None, type=["null", "string"], description="a replay: batch ids, e.g. 120..130"),
        "since": Param(
            None, type=["null", "string"], description="a replay: batches committed since, e.g. 2026-11-20T00:00Z"
        ),
    },
) as dag:

    @task
    def run_batch() -> str:
        with dbt.failing_fast():
            dag_run = get_current_context()["dag_run"]
            request = dbt.parse_conf(dag_run.conf)
            settings = dbt.HookSettings.from_variables(_variable)
            if isinstance(request, dbt.ReplayConf):
                dbt.run(settings.command(*request.args(dag_run.run_id)))
            else:
                dbt.run(settings.command("run-batch", f"--manifest={request.manifest}"))
        return request.output

    @task
    def catch_up(output: str) -> None:
        """Batches committed since this run was triggered, or whose announcements were dropped, are applied here."""
        with dbt.failing_fast():
            dbt.run(dbt.HookSettings.from_variables(_variable).command("catch-up", f"--output={output}"))

    catch_up(run_batch())
