"""The real thing: the archiver (a JVM, Spark, a local Kafka broker) archives events, its notify.command calls
archiver-dbt after each commit, and dbt-duckdb must hold every archived row exactly once through replays, gaps,
coalescing, a crash between dbt and the ledger, and a failed dbt run that is retried.

Needs the Java build (bin/test runs Maven first). ARCHIVER_BIN overrides the launcher (default: bin/archiver).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import archiver_testkit as kit
import pytest
from archiver_testkit import SCHEMA, archiver, copy_example_project, local_kafka, produce

duckdb = pytest.importorskip("duckdb")

pytestmark = pytest.mark.slow

ARCHIVER_DBT = str(Path(sys.executable).parent / "archiver-dbt")
FAIL_MODEL = """\
{#- Test only: fails after staging and the marts were built, like a run that dies half way. -#}
{% if execute and env_var('ARCHIVER_E2E_FAIL', '') == '1' %}
  {{ exceptions.raise_compiler_error('failing on purpose: ARCHIVER_E2E_FAIL=1') }}
{% endif %}
select count(*) as events from {{ ref('service_hourly') }}
"""


class Env:
    def __init__(self, tmp: Path, bootstrap: str) -> None:
        self.tmp, self.bootstrap = tmp, bootstrap
        self.output = tmp / "archive"
        self.project = copy_example_project(tmp / "dbt")
        self.duckdb = tmp / "warehouse.duckdb"
        self.ledger = self.output / "_archiver" / "dbt-ledgers" / "archiver_example.default.jsonl"

    def run_archiver(self, notify: bool) -> None:
        args = ["run", "--bootstrap-servers", self.bootstrap, "--topic", "events", "--output", str(self.output)]
        args += ["--schema", SCHEMA, "--event-time-column", "event_time", "--trigger", "available-now"]
        args += ["--set", "schema.required-columns=event_id,event_time,service", "--max-records-per-batch", "7000"]
        if notify:
            # The contract with the Java side: /bin/sh -c, {manifest} replaced by the shell-quoted manifest URI.
            command = f"{ARCHIVER_DBT} run-batch --manifest {{manifest}} --project-dir {self.project}"
            args += ["--set", f"notify.command={command}"]
        archiver(*args, env={**os.environ, "ARCHIVER_DUCKDB_PATH": str(self.duckdb)})  # the command inherits it

    def hooks(self, *args: str, fail: bool = False) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ARCHIVER_DUCKDB_PATH": str(self.duckdb), "ARCHIVER_E2E_FAIL": "1" if fail else ""}
        return subprocess.run(
            [ARCHIVER_DBT, *args, "--project-dir", str(self.project)], env=env, capture_output=True, text=True
        )

    def manifests(self) -> list[dict]:
        return kit.manifests(self.output)

    def ledger_entries(self) -> list[dict]:
        return [json.loads(line) for line in self.ledger.read_text().splitlines()]

    def assert_exactly_once(self) -> None:
        manifests = self.manifests()
        kit.offsets_exactly_once(manifests)
        files = [f"{self.output}/{f['path']}" for m in manifests for f in m["files"]]
        with duckdb.connect(str(self.duckdb), read_only=True) as db:
            staged, distinct = db.execute(
                "select count(*), count(distinct (_kafka_topic, _kafka_partition, _kafka_offset)) "
                "from staging.stg_archiver_events"
            ).fetchone()
            hourly = db.execute("select sum(events) from marts.service_hourly").fetchone()[0]
            # Both ways: every archived record is staged, and nothing else is.
            differ = db.execute(
                "select count(*) from ((select _kafka_topic, _kafka_partition, _kafka_offset "
                f"from read_parquet({files!r}) except all "
                "select _kafka_topic, _kafka_partition, _kafka_offset from staging.stg_archiver_events) union all "
                "(select _kafka_topic, _kafka_partition, _kafka_offset from staging.stg_archiver_events except all "
                f"select _kafka_topic, _kafka_partition, _kafka_offset from read_parquet({files!r})))"
            ).fetchone()[0]
        archived = sum(m["numArchived"] for m in manifests)
        assert (staged, distinct, hourly, differ) == (archived, archived, archived, 0)
        applied = [b for e in self.ledger_entries() for b in e["batchIds"]]
        assert applied == [m["batchId"] for m in manifests], "each committed batch once in the ledger, in order"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("e2e")
    with local_kafka(tmp / "broker") as bootstrap:
        env = Env(tmp, bootstrap)
        (env.project / "models" / "zz_fail_on_demand.sql").write_text(FAIL_MODEL)
        yield env


def test_every_archived_row_reaches_dbt_exactly_once(env: Env) -> None:
    # 1. The archiver announces each commit through notify.command; catch-up then covers anything it missed.
    produce(env.bootstrap, "events", 20000, "--malformed-ratio", "0.01")
    env.run_archiver(notify=True)
    assert len(env.manifests()) >= 3
    assert env.hooks("catch-up", "--output", str(env.output)).returncode == 0
    env.assert_exactly_once()

    # 2. A replayed announcement is skipped.
    before = env.ledger_entries()
    replay = env.hooks("run-batch", "--manifest", f"file:{env.output}/_archiver/manifests/{2:020d}.json")
    assert replay.returncode == 0, replay.stderr
    assert env.ledger_entries() == before
    env.assert_exactly_once()

    # 3. Batches committed without announcements (a gap): run-batch of the last applies all, coalesced.
    produce(env.bootstrap, "events", 12000)
    env.run_archiver(notify=False)
    last = env.manifests()[-1]["batchId"]
    gap = env.hooks("run-batch", "--manifest", f"{env.output}/_archiver/manifests/{last:020d}.json",
                    "--coalesce-above", "1")  # fmt: skip
    assert gap.returncode == 0, gap.stderr
    assert env.ledger_entries()[-1]["coalesced"] is True and env.ledger_entries()[-1]["batchIds"][-1] == last
    env.assert_exactly_once()

    # 4. A crash after dbt but before the ledger write: the batches are pending again and re-run. This time dbt fails
    #    half way (staging and marts rebuilt, then a model fails): exit 1, still pending, and no row doubled.
    lines = env.ledger.read_text().splitlines(keepends=True)
    env.ledger.write_text("".join(lines[:-1]))
    failed = env.hooks("catch-up", "--output", str(env.output), fail=True)
    assert failed.returncode == 1, failed.stderr
    assert "stay pending" in failed.stderr
    status = json.loads(env.hooks("status", "--output", str(env.output)).stdout)
    assert status["pending"] and status["pending"][-1] == last

    # 5. The retry applies them, exactly once.
    retried = env.hooks("catch-up", "--output", str(env.output))
    assert retried.returncode == 0, retried.stderr
    env.assert_exactly_once()

    # 6. row-counts answers through dbt itself what the warehouse holds.
    counted = env.hooks("row-counts", "--model", "stg_archiver_events")
    assert counted.returncode == 0, counted.stderr
    archived = sum(m["numArchived"] for m in env.manifests())
    assert json.loads(counted.stdout.strip().splitlines()[-1]) == {"stg_archiver_events": archived}


class IcebergEnv(Env):
    """The same archive as an Iceberg table (output.format: iceberg, the embedded Hadoop catalog)."""

    def run_archiver(self, notify: bool) -> None:
        args = ["run", "--bootstrap-servers", self.bootstrap, "--topic", "iceberg-events"]
        args += ["--output", str(self.output), "--schema", SCHEMA, "--event-time-column", "event_time"]
        args += ["--trigger", "available-now", "--max-records-per-batch", "3000"]
        args += ["--set", "schema.required-columns=event_id,event_time,service"]
        args += ["--set", "output.format=iceberg", "--set", "output.iceberg.table=raw.events"]
        if notify:
            command = f"{ARCHIVER_DBT} run-batch --manifest {{manifest}} --project-dir {self.project}"
            args += ["--set", f"notify.command={command}"]
        archiver(*args, env={**os.environ, "ARCHIVER_DUCKDB_PATH": str(self.duckdb)})

    def assert_exactly_once(self) -> None:
        manifests = self.manifests()
        kit.offsets_exactly_once(manifests)
        files = [f"{m['archiveRoot'].removeprefix('file:')}/{f['path']}" for m in manifests for f in m["files"]]
        with duckdb.connect(str(self.duckdb), read_only=True) as db:
            staged, distinct = db.execute(
                "select count(*), count(distinct (_kafka_topic, _kafka_partition, _kafka_offset)) "
                "from staging.stg_archiver_events"
            ).fetchone()
            differ = db.execute(
                "select count(*) from ((select _kafka_topic, _kafka_partition, _kafka_offset "
                f"from read_parquet({files!r}) except all "
                "select _kafka_topic, _kafka_partition, _kafka_offset from staging.stg_archiver_events) union all "
                "(select _kafka_topic, _kafka_partition, _kafka_offset from staging.stg_archiver_events except all "
                f"select _kafka_topic, _kafka_partition, _kafka_offset from read_parquet({files!r})))"
            ).fetchone()[0]
        archived = sum(m["numArchived"] for m in manifests)
        assert (staged, distinct, differ) == (archived, archived, 0)
        applied = [b for e in self.ledger_entries() for b in e["batchIds"]]
        assert applied == [m["batchId"] for m in manifests], "each committed batch once in the ledger, in order"


def test_an_iceberg_archive_reaches_dbt_once_per_batch(env: Env) -> None:
    tmp = env.tmp / "iceberg"
    tmp.mkdir()
    iceberg = IcebergEnv(tmp, env.bootstrap)
    produce(env.bootstrap, "iceberg-events", 8000, "--malformed-ratio", "0.01")
    iceberg.run_archiver(notify=True)
    manifests = iceberg.manifests()
    assert len(manifests) >= 2
    assert all("/_warehouse/raw/events" in m["archiveRoot"] for m in manifests), "the table's location"
    iceberg.assert_exactly_once()
    # A replayed announcement is skipped.
    before = iceberg.ledger_entries()
    replay = iceberg.hooks("run-batch", "--manifest", f"file:{iceberg.output}/_archiver/manifests/{1:020d}.json")
    assert replay.returncode == 0, replay.stderr
    assert iceberg.ledger_entries() == before
    iceberg.assert_exactly_once()
