"""Where the archiver keeps its commits under an archive root, and how it names them: the one Python copy.

The contract is manifest-schema/ (README "Commit manifests"); archiver-core's dev.archiver.commit.ArchiveLayout is
the Java side. airflow-dags/dags/archiver_airflow/layout.py is this file verbatim (Airflow's environment cannot
install archiver-dbt); a test of airflow-dags fails when the two differ. Standard library only.
"""

from __future__ import annotations

import re

# Every file of the archiver's own under an archive root lives below this directory.
ARCHIVER_DIR = "_archiver"
# Batch manifests, <batchId, 20 digits>.json: a batch is committed exactly when its manifest exists.
MANIFESTS_DIR = f"{ARCHIVER_DIR}/manifests"
# Compaction manifests, <sequence, 20 digits>.json, beside (never among) the batch manifests.
COMPACTIONS_DIR = f"{ARCHIVER_DIR}/compactions"
# Summaries of expired manifests (archiver expire-manifests), <through batch id, 20 digits>.json.
SUMMARY_DIR = f"{ARCHIVER_DIR}/summary"
# The dbt hook's ledgers of applied batches, one per project and target.
DBT_LEDGERS_DIR = f"{ARCHIVER_DIR}/dbt-ledgers"

# A manifest's (or compaction's) file name; anything else in the directory (temp files) is not a commit.
NUMBERED_NAME = re.compile(r"^(\d{20})\.json$")
# <archive root>/_archiver/manifests/<batchId, 20 digits>.json: groups are the root and the batch id.
MANIFEST_URI = re.compile(rf"^(.*)/{MANIFESTS_DIR}/(\d{{20}})\.json$")
MANIFEST_URI_FORM = f"<output>/{MANIFESTS_DIR}/<batch id, 20 digits>.json"


def numbered_name(number: int) -> str:
    """The file name of batch (or compaction) number: zero-padded to 20 digits, so names sort in number order."""
    if number < 0:
        raise ValueError(f"batch ids and compaction sequences are >= 0, got {number}")
    return f"{number:020d}.json"
