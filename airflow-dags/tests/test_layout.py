"""The DAG helpers' copy of the archive layout must be archiver-dbt's (Airflow's environment cannot install it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archiver_airflow import dbt, layout

REPO = Path(__file__).resolve().parents[2]
HOOK_LAYOUT = REPO / "dbt-hooks/src/archiver_dbt/layout.py"


def test_the_copy_is_the_hooks_layout_verbatim():
    copy = Path(layout.__file__).read_text()
    assert copy == HOOK_LAYOUT.read_text(), (
        f"airflow-dags/dags/archiver_airflow/layout.py differs from {HOOK_LAYOUT.relative_to(REPO)}: copy it over"
    )


def test_manifest_uris_give_their_archive_and_batch():
    uri = "s3a://lake/a/" + layout.MANIFESTS_DIR + "/" + layout.numbered_name(42)
    assert uri == "s3a://lake/a/_archiver/manifests/00000000000000000042.json"
    assert dbt.archive_of(uri) == "s3a://lake/a"
    with pytest.raises(dbt.BadInput, match=re.escape(layout.MANIFEST_URI_FORM)):
        dbt.archive_of("s3a://lake/a/_archiver/compactions/00000000000000000042.json")
