"""SparkSubmitOperator for the archiver: a templated connection id, and a kill that lets the archiver stop itself."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

# Airflow's task supervisor SIGKILLs a task this long after SIGTERM (Airflow 3.3: 5 s); stop within it.
STOP_GRACE_SECONDS = 4.0


class ArchiverSparkSubmitOperator(SparkSubmitOperator):
    template_fields: Sequence[str] = (*SparkSubmitOperator.template_fields, "conn_id")

    @property
    def conn_id(self) -> str:
        return self._conn_id

    @conn_id.setter
    def conn_id(self, value: str) -> None:
        self._conn_id = value

    def on_kill(self) -> None:
        """Stops spark-submit as Ctrl-C does before the provider's SIGKILL: a task marked failed, cleared or timed out.

        With SIGTERM the archiver's JVM stops its streaming query and Spark, and exits; with the provider's SIGKILL
        alone it would die mid-write. Either cut is safe for the data (the checkpoint and the manifests make a
        replay rewrite, never duplicate), but only the first ends the job cleanly. On a cluster (driver on the
        cluster), the provider's on_kill still kills the driver afterwards.
        """
        hook = self._hook  # the provider keeps the running spark-submit on its hook; its own on_kill reads it too
        process = getattr(hook, "_submit_sp", None)
        if process is not None and process.poll() is None:
            # Signal and wait before logging: on_kill runs in a SIGTERM handler, and a log call there can block on
            # the log channel the interrupted task was writing to, until Airflow's SIGKILL.
            process.terminate()
            try:
                code = process.wait(timeout=STOP_GRACE_SECONDS)
                self.log.info(
                    "The archiver stopped after SIGTERM to spark-submit (pid %s, exit code %s)", process.pid, code
                )
            except subprocess.TimeoutExpired:
                self.log.warning("The archiver did not stop within %.0f s of SIGTERM; killing it", STOP_GRACE_SECONDS)
        super().on_kill()
