"""SparkSubmitOperator with a templated connection id, so a param picks the cluster per run."""

from __future__ import annotations

from collections.abc import Sequence

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator


class ArchiverSparkSubmitOperator(SparkSubmitOperator):
    template_fields: Sequence[str] = (*SparkSubmitOperator.template_fields, "conn_id")

    @property
    def conn_id(self) -> str:
        return self._conn_id

    @conn_id.setter
    def conn_id(self, value: str) -> None:
        self._conn_id = value
