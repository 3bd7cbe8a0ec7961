"""Replays (archiver-dbt replay, run-batch --force): exactly the chosen batches, once per request, each recorded."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from conftest import FakeArchive, FakeDbt

from archiver_dbt import cli
from archiver_dbt.archive import Archive
from archiver_dbt.dbt_runner import DbtProject
from archiver_dbt.ledger import Ledger, LedgerEntry
from archiver_dbt.plan import Policy
from archiver_dbt.replay import Selection, parse_batches, parse_since
from archiver_dbt.storage import LocalStorage
from archiver_dbt.transform import DbtFailed, Transformer


def transformer(archive: FakeArchive, project: str, dbt: FakeDbt) -> Transformer:
    return Transformer(Archive.at(archive.uri), DbtProject(project), Policy(), invoke=dbt)


def ledger_lines(archive: FakeArchive) -> list[dict]:
    path = archive.root / "_archiver/dbt-ledgers/demo_project.default.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def commit_at(archive: FakeArchive, batch_id: int, committed_at: str) -> None:
    path = archive.root / "_archiver" / "manifests" / f"{batch_id:020d}.json"
    archive.commit(batch_id)
    doc = json.loads(path.read_text())
    doc["committedAt"] = committed_at
    path.write_text(json.dumps(doc))


def test_batch_ranges_parse_and_bad_ones_say_the_form():
    assert parse_batches("120..123") == (120, 121, 122, 123)
    assert parse_batches("7") == (7,)
    assert parse_batches(" 1..2, 9,2 ") == (1, 2, 9)
    for bad in ("", "a..b", "5..3", "1..", "-1"):
        with pytest.raises(ValueError, match=r"--batches"):
            parse_batches(bad)
    utc = timezone.utc
    assert parse_since("2026-11-20T00:00Z") == datetime(2026, 11, 20, tzinfo=utc)
    assert parse_since("2026-11-20") == datetime(2026, 11, 20, tzinfo=utc)
    assert parse_since("2026-11-20T01:00:00+01:00") == datetime(2026, 11, 20, tzinfo=utc)
    with pytest.raises(ValueError, match=r"--since 'yesterday': expected an instant like 2026-11-20T00:00Z"):
        parse_since("yesterday")
    with pytest.raises(ValueError, match="exactly one of --batches or --since"):
        Selection()


def test_a_replay_applies_exactly_the_chosen_batches_again_once_per_request(archive, dbt_project, fake_dbt):
    for b in range(5):
        archive.commit(b)
    t = transformer(archive, dbt_project, fake_dbt)
    t.catch_up()
    assert fake_dbt.batches_run() == [[0], [1], [2], [3], [4]]

    entries = t.replay(Selection(batch_ids=(1, 2, 3)), "fix-model")
    assert [e.batch_ids for e in entries] == [(1,), (2,), (3,)]
    assert fake_dbt.batches_run()[5:] == [[1], [2], [3]]
    assert t.replay(Selection(batch_ids=(1, 2, 3)), "fix-model") == [], "a retried request applies nothing twice"
    assert [e.batch_ids for e in t.replay(Selection(batch_ids=(2,)), "second")] == [(2,)]
    assert fake_dbt.batches_run()[5:] == [[1], [2], [3], [2]]

    lines = ledger_lines(archive)
    assert [(line["batchIds"], line.get("replay")) for line in lines] == [
        ([0], None), ([1], None), ([2], None), ([3], None), ([4], None),
        ([1], "fix-model"), ([2], "fix-model"), ([3], "fix-model"), ([2], "second"),
    ]  # fmt: skip
    assert t.status().pending == () and len(t.status().history) == 9


def test_a_replay_refuses_batches_not_applied_yet_and_they_stay_pending(archive, dbt_project, fake_dbt):
    for b in range(3):
        archive.commit(b)
    t = transformer(archive, dbt_project, fake_dbt)
    t.run_batch(0)
    with pytest.raises(ValueError, match=r"batch\(es\) 1, 2 are not applied yet: run catch-up"):
        t.replay(Selection(batch_ids=(0, 1, 2)), "r")
    assert fake_dbt.batches_run() == [[0]]
    # --since replays the applied ones and leaves the pending ones to catch-up, which applies them in order.
    assert [e.batch_ids for e in t.replay(Selection(since=parse_since("2026-01-01")), "s")] == [(0,)]
    assert t.status().pending == (1, 2), "a replay line is not a first application"
    assert [e.batch_ids for e in t.catch_up()] == [(1,), (2,)]


def test_a_failed_replay_records_nothing_and_its_retry_applies_the_rest(archive, dbt_project, fake_dbt):
    for b in range(3):
        archive.commit(b)
    t = transformer(archive, dbt_project, fake_dbt)
    t.catch_up()
    fake_dbt.fail_on = {2}
    with pytest.raises(DbtFailed, match=r"batch\(es\) 2; rerun with --request-id req to apply the batches"):
        t.replay(Selection(batch_ids=(1, 2)), "req")
    assert [line.get("replay") for line in ledger_lines(archive)] == [None, None, None, "req"]
    fake_dbt.fail_on = set()
    assert [e.batch_ids for e in t.replay(Selection(batch_ids=(1, 2)), "req")] == [(2,)]


def test_since_selects_the_batches_committed_at_or_after_it(archive, dbt_project, fake_dbt):
    for b, at in enumerate(["2026-11-19T23:59:59.9Z", "2026-11-20T00:00:00Z", "2026-11-21T08:00:00Z"]):
        commit_at(archive, b, at)
    t = transformer(archive, dbt_project, fake_dbt)
    t.catch_up()
    assert [e.batch_ids for e in t.replay(Selection(since=parse_since("2026-11-20T00:00Z")), "s")] == [(1,), (2,)]


def test_replaying_an_uncommitted_batch_names_it(archive, dbt_project, fake_dbt):
    archive.commit(0)
    t = transformer(archive, dbt_project, fake_dbt)
    t.catch_up()
    with pytest.raises(ValueError, match=r"batch\(es\) 1, 2 are not committed.*committed: 0..0"):
        t.replay(Selection(batch_ids=(0, 1, 2)), "r")
    assert fake_dbt.batches_run() == [[0]]


def test_replay_lines_round_trip_and_older_lines_read_as_first_applications(tmp_path):
    ledger = Ledger(LocalStorage(), str(tmp_path / "l.jsonl"))
    ledger.record(LedgerEntry((4,), "transformed", False, 1, "t", query_id="q", replay="airflow-run-1"))
    assert '"replay":"airflow-run-1"' in (tmp_path / "l.jsonl").read_text()
    assert ledger.replayed("airflow-run-1", "q") == {4} and ledger.replayed("other", "q") == set()
    assert LedgerEntry.from_json('{"batchIds":[1],"outcome":"empty","coalesced":false,"numArchived":0,'
                                 '"appliedAt":"t"}').replay is None  # fmt: skip
    with pytest.raises(ValueError, match="replay must be a non-empty request id"):
        LedgerEntry((1,), "empty", False, 0, "t", replay="")


def test_cli_force_and_replay_and_status_history(archive, dbt_project, capsys, monkeypatch):
    fake = FakeDbt()
    monkeypatch.setattr("archiver_dbt.transform.invoke_dbt", fake)
    monkeypatch.setattr(Transformer.__init__, "__defaults__", (None, None, fake))
    uris = [archive.commit(b) for b in range(3)]
    common = ["--project-dir", dbt_project]
    assert cli.main(["run-batch", "--manifest", uris[0], "--force", *common]) == 0, "pending: applied as usual"
    assert cli.main(["run-batch", "--manifest", uris[2], *common]) == 0
    assert cli.main(["run-batch", "--manifest", uris[1], *common]) == 0, "applied already: a no-op"
    assert cli.main(["run-batch", "--manifest", uris[1], "--force", "--request-id", "f", *common]) == 0
    assert cli.main(["run-batch", "--manifest", uris[1], "--force", "--request-id", "f", *common]) == 0
    assert fake.batches_run() == [[0], [1], [2], [1]]
    capsys.readouterr()
    assert cli.main(["replay", "--output", archive.uri, "--batches", "0..1", *common]) == 0
    assert json.loads(capsys.readouterr().out)["applied"] == [[0], [1]]
    assert cli.main(["status", "--output", archive.uri, "--history", *common]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["replays"][0]["batchIds"], status["replays"][0]["replay"]) == ([1], "f")
    assert len(status["replays"]) == 3 and len(status["history"]) == 6
    assert all(line["appliedAt"] for line in status["history"])
    assert cli.main(["replay", "--output", archive.uri, "--batches", "0..9", *common]) == 2
    assert cli.main(["run-batch", "--manifest", uris[0], "--request-id", "x", *common]) == 2


def test_catch_up_after_a_replay_applies_only_the_new_batches(archive, dbt_project, fake_dbt):
    # catch-up lists from the newest first application in the ledger's tail: a replay line of an older batch written
    # after it must not be taken for it, or every batch since the replayed one would be applied a second time.
    for b in range(4):
        archive.commit(b)
    t = transformer(archive, dbt_project, fake_dbt)
    t.catch_up()
    t.replay(Selection(batch_ids=(0,)), "fix-model")
    archive.commit(4)
    assert [e.batch_ids for e in t.catch_up()] == [(4,)]
    assert fake_dbt.batches_run() == [[0], [1], [2], [3], [0], [4]]
