"""Airflow reads its configuration when first imported: point it at a throwaway home before any test imports it."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

DAGS = Path(__file__).resolve().parents[1] / "dags"
REPO = DAGS.parents[1]

os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="airflow-home-")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
# What Airflow's DAG bundle does for the DAG folder: its helper package is importable by the DAG files and the tests.
sys.path.insert(0, str(DAGS))
# The end-to-end helpers shared with dbt-hooks/tests (a broker, the archiver, the example project).
sys.path.insert(0, str(REPO / "testkit"))
