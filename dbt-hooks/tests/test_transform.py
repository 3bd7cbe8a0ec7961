"""The exactly-once rules, with a fake dbt: skip, order, gaps, coalescing, failures."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import FakeArchive, FakeDbt

from archiver_dbt import cli
from archiver_dbt.archive import Archive
from archiver_dbt.dbt_runner import DbtProject
from archiver_dbt.manifest import ManifestError
from archiver_dbt.plan import Policy, groups, pending
from archiver_dbt.transform import DbtFailed, Transformer


def transformer(archive: FakeArchive, project: str, dbt: FakeDbt, **policy: int) -> Transformer:
    return Transformer(Archive.at(archive.uri), DbtProject(project), Policy(**policy), invoke=dbt)


def ledger_lines(archive: FakeArchive) -> list[dict]:
    path = archive.root / "_archiver/dbt-ledgers/demo_project.default.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_batch_is_transformed_once_and_a_replay_is_skipped(archive, dbt_project, fake_dbt):
    uri = archive.commit(0)
    t = transformer(archive, dbt_project, fake_dbt)
    assert [e.batch_ids for e in t.run_batch(0)] == [(0,)]
    assert t.run_batch(Archive.of_manifest(uri)[1]) == []
    assert fake_dbt.batches_run() == [[0]]
    assert [line["batchIds"] for line in ledger_lines(archive)] == [[0]]


def test_run_batch_first_applies_the_pending_batches_before_it_in_order(archive, dbt_project, fake_dbt):
    for b in range(4):
        archive.commit(b)
    t = transformer(archive, dbt_project, fake_dbt)
    t.run_batch(0)
    t.run_batch(3)  # 1 and 2 were never announced: a gap
    assert fake_dbt.batches_run() == [[0], [1], [2], [3]]
    assert t.status().pending == ()


def test_run_batch_leaves_later_batches_for_their_own_run(archive, dbt_project, fake_dbt):
    for b in range(3):
        archive.commit(b)
    t = transformer(archive, dbt_project, fake_dbt)
    t.run_batch(1)
    assert fake_dbt.batches_run() == [[0], [1]]
    assert t.status().pending == (2,)


def test_a_backlog_above_the_threshold_is_coalesced_into_one_run(archive, dbt_project, fake_dbt):
    for b in range(5):
        archive.commit(b, rows=10, files=2)
    entries = transformer(archive, dbt_project, fake_dbt, coalesce_above=3).catch_up()
    assert fake_dbt.batches_run() == [[0, 1, 2, 3, 4]]
    assert [(e.batch_ids, e.coalesced, e.num_archived) for e in entries] == [((0, 1, 2, 3, 4), True, 50)]
    assert ledger_lines(archive)[0]["coalesced"] is True
    dbt_vars = fake_dbt.vars(0)
    assert len(dbt_vars["files"]) == 10 and dbt_vars["coalesced"] is True and dbt_vars["batch_id"] == 4
    assert dbt_vars["offsets"] == [{"topic": "t", "partition": 0, "start_offset": 0, "end_offset": 410}]
    args = fake_dbt.calls[0]
    assert args[args.index("--event-time-start") + 1] == "2026-11-25T06:00:01"
    assert args[args.index("--event-time-end") + 1] == "2026-11-25T06:05:00"  # max 06:04:59.999 + 1 s, exclusive


def test_late_partitions_get_a_dbt_run_per_late_window_and_leave_the_main_window_narrow(archive, dbt_project, fake_dbt):
    late = {"event_date=2026-11-19": 2, "event_date=2026-11-20": 3, "event_date=2026-11-23": 1}
    archive.commit(0, late=late, late_before="2026-11-23T06:30:00Z")
    transformer(archive, dbt_project, fake_dbt).catch_up()
    windows = [(a[a.index("--event-time-start") + 1], a[a.index("--event-time-end") + 1]) for a in fake_dbt.calls]
    assert windows == [
        ("2026-11-23T06:30:00", "2026-11-25T06:01:00"),  # on time: from the horizon, not from the oldest late event
        ("2026-11-19T00:00:00", "2026-11-21T00:00:00"),  # the two adjacent late days, merged
        ("2026-11-23T00:00:00", "2026-11-24T00:00:00"),  # the day the horizon cuts
    ]
    first = fake_dbt.vars(0)
    assert first["late_rows"] == 6 and first["late_run"] is False
    assert first["late_partitions"][0] == {
        "partition": "event_date=2026-11-19",
        "rows": 2,
        "start": "2026-11-19T00:00:00",
        "end": "2026-11-20T00:00:00",
    }
    assert [w["start"] for w in first["late_windows"]] == ["2026-11-19T00:00:00", "2026-11-23T00:00:00"]
    assert [fake_dbt.vars(i)["late_run"] for i in (1, 2)] == [True, True]
    assert [line["batchIds"] for line in ledger_lines(archive)] == [[0]]


def test_a_failed_late_run_leaves_the_batch_pending(archive, dbt_project, fake_dbt):
    archive.commit(0, late={"event_date=2026-11-20": 3})
    fails_late_runs = FakeDbt()
    fails_late_runs_call = fails_late_runs.__call__

    def invoke(args: list[str]) -> bool:
        ok = fails_late_runs_call(args)
        return ok and not (args[0] != "deps" and fails_late_runs.vars(len(fails_late_runs.calls) - 1)["late_run"])

    t = Transformer(Archive.at(archive.uri), DbtProject(dbt_project), Policy(), invoke=invoke)
    with pytest.raises(DbtFailed):
        t.catch_up()
    assert t.status().pending == (0,)
    assert ledger_lines(archive) == []


def test_without_late_partitions_one_run_covers_every_event(archive, dbt_project, fake_dbt):
    archive.commit(0)
    transformer(archive, dbt_project, fake_dbt).catch_up()
    assert len(fake_dbt.calls) == 1
    assert fake_dbt.vars(0)["late_rows"] == 0 and fake_dbt.vars(0)["late_windows"] == []


def test_coalesced_runs_are_capped(archive, dbt_project, fake_dbt):
    for b in range(7):
        archive.commit(b)
    transformer(archive, dbt_project, fake_dbt, coalesce_above=2, max_coalesced=3).catch_up()
    assert fake_dbt.batches_run() == [[0, 1, 2], [3, 4, 5], [6]]


def test_a_failed_dbt_run_leaves_the_batch_pending_and_a_retry_applies_it(archive, dbt_project, fake_dbt):
    for b in range(3):
        archive.commit(b)
    t = transformer(archive, dbt_project, fake_dbt)
    fake_dbt.fail_on = {1}
    with pytest.raises(DbtFailed, match=r"dbt failed on batch\(es\) 1; they stay pending"):
        t.catch_up()
    assert [line["batchIds"] for line in ledger_lines(archive)] == [[0]]  # 2 is not run past the failure
    assert t.status().pending == (1, 2)
    fake_dbt.fail_on = set()
    t.catch_up()
    assert fake_dbt.batches_run() == [[0], [1], [1], [2]]
    assert t.status().pending == ()


def test_batches_that_archived_nothing_are_recorded_without_running_dbt(archive, dbt_project, fake_dbt):
    archive.commit(0, rows=0)
    archive.commit(1)
    entries = transformer(archive, dbt_project, fake_dbt).catch_up()
    assert [(e.batch_ids, e.outcome) for e in entries] == [((0,), "empty"), ((1,), "transformed")]
    assert fake_dbt.batches_run() == [[1]]


def test_announcing_an_uncommitted_batch_fails(archive, dbt_project, fake_dbt):
    with pytest.raises(ManifestError, match="batch 5 is not committed"):
        transformer(archive, dbt_project, fake_dbt).run_batch(5)


def test_concurrent_runs_apply_each_batch_once(archive, dbt_project, fake_dbt):
    for b in range(6):
        archive.commit(b)
    runs = [threading.Thread(target=transformer(archive, dbt_project, fake_dbt).catch_up) for _ in range(3)]
    for r in runs:
        r.start()
    for r in runs:
        r.join()
    assert sorted(b for batch in fake_dbt.batches_run() for b in batch) == [0, 1, 2, 3, 4, 5]


def test_an_archive_recreated_at_the_same_root_gets_its_batches_transformed(archive, dbt_project, fake_dbt):
    for b in range(2):
        archive.commit(b, query_id="query-a")
    transformer(archive, dbt_project, fake_dbt).catch_up()
    # The archive is recreated: its checkpoint and manifests deleted, a new streaming query starts again at batch 0.
    for manifest in (archive.root / "_archiver" / "manifests").iterdir():
        manifest.unlink()
    for b in range(3):
        archive.commit(b, query_id="query-b")
    t = transformer(archive, dbt_project, fake_dbt)
    assert t.status().pending == (0, 1, 2)
    t.run_batch(1)
    assert fake_dbt.batches_run() == [[0], [1], [0], [1]], "query-b's batches are new, not 'already applied'"
    assert [(line["batchIds"], line["queryId"]) for line in ledger_lines(archive)] == [
        ([0], "query-a"), ([1], "query-a"), ([0], "query-b"), ([1], "query-b"),
    ]  # fmt: skip
    assert t.status().pending == (2,)


def test_a_recreated_archive_whose_ids_have_not_passed_the_old_ones_gets_its_batches_transformed(
    archive, dbt_project, fake_dbt
):
    for b in range(4):
        archive.commit(b, query_id="query-a")
    transformer(archive, dbt_project, fake_dbt).catch_up()
    for manifest in (archive.root / "_archiver" / "manifests").iterdir():
        manifest.unlink()
    for b in range(2):  # the new query's batches 0 and 1: none after the ledger's newest applied batch, 3
        archive.commit(b, query_id="query-b")
    transformer(archive, dbt_project, fake_dbt).catch_up()
    assert fake_dbt.batches_run() == [[0], [1], [2], [3], [0], [1]]
    assert [line["queryId"] for line in ledger_lines(archive)][-2:] == ["query-b", "query-b"]


def test_manifests_of_two_queries_in_one_archive_are_refused(archive, dbt_project, fake_dbt):
    archive.commit(0, query_id="query-a")
    archive.commit(1, query_id="query-b")
    with pytest.raises(ManifestError, match="batch 0 was committed by query query-a, the archive's newest batch by"):
        transformer(archive, dbt_project, fake_dbt).catch_up()
    assert fake_dbt.batches_run() == []


@pytest.mark.parametrize("target", ["../../../../tmp/evil", "a/b", "..", "", " prod"])
def test_a_target_that_is_not_a_name_is_refused_before_it_names_a_ledger(archive, dbt_project, tmp_path, target):
    with pytest.raises(ValueError, match=r"names the ledger file, so no '/' or '\.\.' path"):
        DbtProject(dbt_project, target=target)
    archive.commit(0)
    code = cli.main(["catch-up", "--output", archive.uri, "--project-dir", dbt_project, "--target", target])
    assert code == 2
    assert not list(tmp_path.rglob("*.jsonl")), "no ledger file was written anywhere"


def test_packages_are_installed_once_when_the_project_has_some(archive, dbt_project, fake_dbt):
    Path(dbt_project, "packages.yml").write_text("packages: []\n")
    archive.commit(0)
    transformer(archive, dbt_project, fake_dbt).catch_up()
    assert [c[0] for c in fake_dbt.calls] == ["deps", "build"]


def test_dbt_args_carry_project_profiles_target_and_selection(archive, dbt_project, fake_dbt, tmp_path):
    (tmp_path / "profiles.yml").write_text("p: {}\n")
    archive.commit(0)
    project = DbtProject(dbt_project, str(tmp_path), "prod", "run", ("--select", "tag:archiver"))
    Transformer(Archive.at(archive.uri), project, invoke=fake_dbt).catch_up()
    args = fake_dbt.calls[0]
    assert args[:7] == ["run", "--project-dir", dbt_project, "--profiles-dir", str(tmp_path), "--target", "prod"]
    assert args[-2:] == ["--select", "tag:archiver"]
    assert (archive.root / "_archiver/dbt-ledgers/demo_project.prod.jsonl").exists()


def test_project_settings_validate_on_construction(tmp_path, dbt_project):
    with pytest.raises(ValueError, match=r"no dbt_project\.yml there"):
        DbtProject(str(tmp_path))
    with pytest.raises(ValueError, match=r"no profiles\.yml there"):
        DbtProject(dbt_project, profiles_dir=str(tmp_path))
    with pytest.raises(ValueError, match="dbt command must be one of"):
        DbtProject(dbt_project, command="seed")
    with pytest.raises(ValueError, match="coalesce_above must be >= 1"):
        Policy(coalesce_above=0)


def test_planning_is_pure():
    assert pending([3, 1, 2, 0], {0, 2}) == [1, 3]
    assert pending([0, 1, 2, 3], {0}, up_to=2) == [1, 2]
    assert groups([4, 5], Policy(coalesce_above=2)) == [(4,), (5,)]
    assert groups([4, 5, 6], Policy(coalesce_above=2)) == [(4, 5, 6)]


def test_cli_exit_codes_for_bad_input(archive, dbt_project, tmp_path, capsys):
    assert cli.main(["run-batch", "--manifest", str(tmp_path / "x.json"), "--project-dir", dbt_project]) == 2
    assert cli.main(["catch-up", "--output", archive.uri, "--project-dir", str(tmp_path / "none")]) == 2
    archive.commit(0)
    assert cli.main(["status", "--output", archive.uri, "--project-dir", dbt_project]) == 0
    assert json.loads(capsys.readouterr().out) == {"committed": 1, "applied": 0, "pending": [0], "replays": []}


def no_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails the test when the manifests directory is listed (every name would be read); others may be."""
    import os

    def guard(real: Any) -> Any:
        def listing(directory: str) -> Any:
            if str(directory).rstrip("/").endswith("_archiver/manifests"):
                pytest.fail(f"{directory} was listed")
            return real(directory)

        return listing

    monkeypatch.setattr(Archive, "committed", lambda *_: pytest.fail("every manifest was listed"))
    monkeypatch.setattr(os, "scandir", guard(os.scandir))
    monkeypatch.setattr(os, "listdir", guard(os.listdir))


def test_catch_up_on_local_disk_probes_the_manifests_after_the_newest_applied_batch(
    archive, dbt_project, fake_dbt, monkeypatch
):
    for b in range(30):
        archive.commit(b)
    t = transformer(archive, dbt_project, fake_dbt, coalesce_above=100)
    t.run_batch(19)
    read: list[str] = []
    storage = type(t.archive.storage)
    real_read = storage.read_text

    def read_text(self: object, uri: str) -> str | None:
        read.append(uri)
        return real_read(self, uri)

    monkeypatch.setattr(storage, "read_text", read_text)
    no_listing(monkeypatch)
    t.catch_up()
    assert fake_dbt.batches_run()[-10:] == [[b] for b in range(20, 30)]
    manifests_read = {u for u in read if "/_archiver/manifests/" in u}
    assert {u.rsplit("/", 1)[1] for u in manifests_read} == {f"{b:020d}.json" for b in range(20, 30)}
    read.clear()
    assert t.catch_up() == []  # idle (monitoring every minute): two probes and the newest applied manifest
    assert [u.rsplit("/", 1)[1] for u in read if "/_archiver/manifests/" in u] == ["00000000000000000029.json"]


def test_a_lost_manifest_after_the_newest_applied_batch_falls_back_to_listing(archive, dbt_project, fake_dbt, caplog):
    for b in range(8):
        archive.commit(b)
    t = transformer(archive, dbt_project, fake_dbt)
    t.run_batch(2)
    (archive.root / "_archiver/manifests" / f"{5:020d}.json").unlink()  # by hand: the archiver never leaves a gap
    t.catch_up()
    assert fake_dbt.batches_run() == [[0], [1], [2], [3], [4], [6], [7]], "as a full listing would apply them"
    assert "no manifest of batch 5 but one of batch 6" in caplog.text


def test_remote_stores_list_from_the_start_key_and_never_probe(monkeypatch):
    import fsspec

    fs = fsspec.filesystem("memory")
    for b in range(5):
        fs.pipe(f"memory://remote/_archiver/manifests/{b:020d}.json", b"{}")
    listed: list[str] = []
    storage = type(Archive.at("memory://remote").storage)
    real_after = storage.list_names_after

    def names_after(self: object, directory: str, start_after: str) -> list[str]:
        listed.append(start_after)
        return real_after(self, directory, start_after)

    monkeypatch.setattr(storage, "list_names_after", names_after)
    monkeypatch.setattr(storage, "exists", lambda *_: pytest.fail("a HEAD per batch on S3"))
    assert Archive.at("memory://remote").committed_after(2) == [3, 4]
    assert listed == ["00000000000000000002.json"]


def test_catch_up_of_a_compacted_archive_reads_the_pending_manifests_only(archive, dbt_project, fake_dbt):
    for b in range(4):
        archive.commit(b, rows=10, files=2)
    t = transformer(archive, dbt_project, fake_dbt)
    t.run_batch(1)
    archive.compact(0, [0, 1, 2])  # rewrites applied batches' files and a pending one's
    t.catch_up()
    assert fake_dbt.batches_run() == [[0], [1], [2], [3]]
    runs = [fake_dbt.vars(i) for i, a in enumerate(fake_dbt.calls) if a[0] != "deps"]
    assert runs[2]["files"] == [str(archive.root / "event_date=2026-11-25/part-compacted-w-00000.c000.snappy.parquet")]
    assert runs[2]["filter_offsets"] is True
    assert runs[3]["filter_offsets"] is False
