"""The archiver's notifier against a live Airflow 3.3: one archiver_dbt_batch run per committed batch, with the run id
and conf README documents; those runs transform each batch once with archiver-dbt on DuckDB; a replayed batch finds
its run; Airflow down while batches commit, then back: the missed batches are applied. Over plain http with the API
user's password (what failed in issue 15), and over https with a token."""

from __future__ import annotations

import os

import archiver_testkit as kit
import pytest

from live.conftest import Archive, Deployment
from live.tls_api_server import TlsApiServer

pytestmark = pytest.mark.slow

EVENTS = 3000


def notify(url: str, **credentials: str) -> dict[str, str]:
    return {"notify.airflow.url": url, **{f"notify.airflow.{k}": v for k, v in credentials.items()}}


def assert_applied_once(deployment: Deployment, archive: Archive) -> None:
    """The ledger lists every committed batch once, for this query, and staging holds every archived row once."""
    committed = archive.manifests()
    entries = archive.ledger_entries()
    assert sorted(b for e in entries for b in e["batchIds"]) == [m["batchId"] for m in committed]
    assert {e["queryId"] for e in entries} == {m["queryId"] for m in committed}
    archived = sum(m["numArchived"] for m in committed)
    assert deployment.staged(archive) == (archived, archived)


@pytest.fixture(scope="module")
def announced(deployment: Deployment) -> tuple[Archive, str]:
    """An archive whose batches the archiver announced over plain http, logging in as the API user; and its log."""
    archive = deployment.archive("announced")
    kit.produce(deployment.bootstrap, archive.topic, EVENTS, "--malformed-ratio", "0.01")
    password = deployment.airflow.passwords["archiver"]
    config = deployment.config(archive, notify(deployment.airflow.url, username="archiver", password=password))
    return archive, kit.archiver("run", "--config", str(config), "--trigger", "available-now")


def test_each_committed_batch_triggers_one_run_with_the_documented_run_id_and_conf(deployment, announced):
    archive, log = announced
    committed = archive.manifests()
    assert len(committed) >= 3 and sum(m["numRecords"] for m in committed) == EVENTS
    kit.offsets_exactly_once(committed)
    runs = deployment.runs_of(archive)
    assert sorted(runs) == sorted(Archive.run_id(m) for m in committed), log[-3000:]
    for m in committed:
        run = runs[Archive.run_id(m)]
        assert run["conf"] == archive.expected_conf(m)
        assert run["triggering_user_name"] == "archiver"
    assert deployment.airflow.passwords["archiver"] not in log, "the password is never logged"


def test_the_runs_apply_each_batch_once_to_the_example_project(deployment, announced):
    archive, _ = announced
    deployment.wait_for_runs(archive, len(archive.manifests()))
    assert_applied_once(deployment, archive)


def test_airflow_down_does_not_stop_the_stream_and_the_missed_batches_are_applied_when_it_is_back(
    deployment: Deployment, tls_api_server: TlsApiServer
):
    archive = deployment.archive("outage")
    tls_api_server.stop()  # the API server the archiver talks to is down
    with pytest.raises(OSError):
        tls_api_server.api("archiver").token()
    password = deployment.airflow.passwords["archiver"]
    settings = notify(tls_api_server.url, username="archiver", password=password)
    config = deployment.config(archive, {**settings, "notify.max-attempts": 2, "notify.initial-backoff": "200ms"})
    env = {**os.environ, "ARCHIVER_JAVA_OPTS": tls_api_server.java_options}

    kit.produce(deployment.bootstrap, archive.topic, 2500)
    log = kit.archiver("run", "--config", str(config), "--trigger", "available-now", env=env)
    missed = archive.manifests()
    assert len(missed) >= 3 and sum(m["numRecords"] for m in missed) == 2500, "the stream committed everything"
    assert "cannot reach Airflow" in log
    for m in missed:
        assert f"batch {m['batchId']} attempt 1 failed" in log
        assert f"giving up on batch {m['batchId']} after 2 attempts" in log
    assert deployment.runs_of(archive) == {}

    tls_api_server.start()  # Airflow is back; the next committed batch is announced and its run catches up
    kit.produce(deployment.bootstrap, archive.topic, 500)
    log = kit.archiver("run", "--config", str(config), "--trigger", "available-now", env=env)
    committed = archive.manifests()
    announced_now = committed[len(missed) :]
    assert announced_now, log[-3000:]
    runs = deployment.wait_for_runs(archive, len(announced_now))
    assert sorted(runs) == sorted(Archive.run_id(m) for m in announced_now)
    assert_applied_once(deployment, archive)
    assert password not in log


def test_a_replayed_batch_finds_its_run_and_new_batches_get_theirs_over_https_with_a_token(
    deployment: Deployment, announced: tuple[Archive, str], tls_api_server: TlsApiServer
):
    archive, _ = announced
    tls_api_server.start()
    before = archive.manifests()
    last = before[-1]
    # As the exactly-once tests do: without Spark's commit marker of the last batch, the restart replays it.
    (archive.output / "_archiver" / "checkpoint" / "commits" / str(last["batchId"])).unlink()
    kit.produce(deployment.bootstrap, archive.topic, 1500)
    token = tls_api_server.api("archiver").token()
    config = deployment.config(archive, notify(tls_api_server.url, token=token))
    env = {**os.environ, "ARCHIVER_JAVA_OPTS": tls_api_server.java_options}
    log = kit.archiver("run", "--config", str(config), "--trigger", "available-now", env=env)

    assert f"batch {last['batchId']}: Airflow run {Archive.run_id(last)} exists already" in log
    assert token not in log, "the token is never logged"
    committed = archive.manifests()
    assert len(committed) > len(before) and committed[: len(before)] == before, "the replay rewrote nothing"
    runs = deployment.wait_for_runs(archive, len(committed))
    assert sorted(runs) == sorted(Archive.run_id(m) for m in committed), "one run per batch, none for the replay"
    assert_applied_once(deployment, archive)
