"""archiver_dbt_batch: transforms one committed archiver batch with dbt, then catches up any batch still pending.

Triggered per commit by the archiver (notify.airflow.url) with conf {"manifest": "<manifest URI>", ...}. The work
is archiver-dbt's, run from the dbt virtualenv (Variable archiver_dbt_bin), because dbt and Airflow do not share one
Python environment. Variables: archiver_dbt_bin, archiver_dbt_project_dir, archiver_dbt_profiles_dir,
archiver_dbt_target; the params of the same meaning override them per run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Param, Variable, task

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
    params={
        "manifest": Param("", type="string", description="the batch's manifest URI (the archiver sends it)"),
        "executable": Param("", type="string", description="archiver-dbt (default: Variable archiver_dbt_bin)"),
        "project_dir": Param("", type="string", description="dbt project (default: Variable)"),
        "profiles_dir": Param("", type="string", description="dbt profiles dir (default: Variable or dbt's)"),
        "target": Param("", type="string", description="dbt target (default: Variable or the profile's)"),
    },
) as dag:

    @task
    def run_batch(params: dict | None = None) -> str:
        assert params is not None
        with dbt.failing_fast():
            output = dbt.archive_of(params["manifest"])
            dbt.run(dbt.HookSettings.resolve(params, _variable).command("run-batch", "--manifest", params["manifest"]))
        return output

    @task
    def catch_up(output: str, params: dict | None = None) -> None:
        """Batches committed since this run was triggered, or whose announcements were dropped, are applied here."""
        assert params is not None
        with dbt.failing_fast():
            dbt.run(dbt.HookSettings.resolve(params, _variable).command("catch-up", "--output", output))

    catch_up(run_batch())
