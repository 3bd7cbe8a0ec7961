"""Applies committed batches to a dbt project exactly once and in order, recording each success in the ledger."""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, replace

import yaml

from archiver_dbt import layout, uris
from archiver_dbt.archive import Archive
from archiver_dbt.dbt_runner import DbtInvoker, DbtProject, ensure_packages, invoke_dbt
from archiver_dbt.ledger import Ledger, LedgerEntry, now_iso
from archiver_dbt.manifest import Manifest, ManifestError, parse_instant, parse_manifest
from archiver_dbt.plan import Policy, Work, groups, pending
from archiver_dbt.replay import Selection
from archiver_dbt.storage import storage_for

LOG = logging.getLogger(__name__)
_PROJECT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # dbt's own rule; the name is part of the ledger's file name


class DbtFailed(Exception):
    """dbt failed on these batches; they stay pending and the next run-batch or catch-up retries them."""

    def __init__(self, batch_ids: tuple[int, ...], what: str = "dbt", replay: str | None = None) -> None:
        then = (
            f"rerun with --request-id {replay} to apply the batches this replay has not applied yet"
            if replay is not None
            else "they stay pending, retried on the next run"
        )
        super().__init__(f"{what} failed on batch(es) {_ids(batch_ids)}; {then}")
        self.batch_ids = batch_ids


@dataclass(frozen=True)
class Status:
    committed: int
    applied: int
    pending: tuple[int, ...]
    # Every ledger line of the archive's query, oldest first: what was applied when, replays included.
    history: tuple[LedgerEntry, ...] = ()


class Transformer:
    def __init__(
        self,
        archive: Archive,
        project: DbtProject,
        policy: Policy | None = None,
        ledger_uri: str | None = None,
        invoke: DbtInvoker = invoke_dbt,
    ) -> None:
        self.archive, self.project, self.invoke = archive, project, invoke
        self.policy = policy or Policy()
        uri = uris.normalize(ledger_uri) if ledger_uri else archive.default_ledger(default_ledger_name(project))
        self.ledger = Ledger(storage_for(uri), uri)

    def run_batch(self, batch_id: int) -> list[LedgerEntry]:
        """Applies batch_id and, first, every earlier batch still pending; a batch already applied is skipped."""
        self.archive.manifest(batch_id)  # fails fast, with the URI, when the announced batch is not committed
        return self.catch_up(up_to=batch_id)

    def catch_up(self, up_to: int | None = None) -> list[LedgerEntry]:
        """Applies every pending batch (up to up_to, inclusive), oldest first; returns the entries recorded."""
        with self.ledger.storage.lock(self.ledger.uri):
            committed, query_id, applied = self._unapplied()
            todo = pending(committed, applied, up_to)
            if not todo:
                LOG.info("nothing pending%s", f" up to batch {up_to}" if up_to is not None else "")
                return []
            LOG.info("%d batch(es) of query %s pending: %s", len(todo), query_id, _ids(tuple(todo)))
            if not ensure_packages(self.project, self.invoke):
                raise DbtFailed(tuple(todo), "dbt deps")
            recorded = []
            manifests = {b: self._manifest_of(query_id, b) for b in todo}
            live = self.archive.live_files(list(manifests.values()))
            for group in groups(todo, self.policy):
                work = Work(tuple(manifests[b] for b in group), live)
                entry = self._apply(work)
                self.ledger.record(entry)
                recorded.append(entry)
            return recorded

    def replay(self, selection: Selection, request: str) -> list[LedgerEntry]:
        """Applies the selected batches again, each once per request: a retried request (same id) skips the batches
        it already applied. Only applied batches are replayed (first applications stay in batch order, run-batch's and
        catch-up's job): batches named by id that are still pending are refused, and --since leaves pending ones to
        catch-up. Each run is a ledger line with replay=request."""
        if not request:
            raise ValueError("a replay needs a request id (--request-id), so a retry does not apply it twice")
        with self.ledger.storage.lock(self.ledger.uri):
            committed = self.archive.committed()
            chosen = selection.choose(committed, lambda b: parse_instant(self.archive.manifest(b).committed_at))
            query_id = self._query_of(committed)
            applied = self.ledger.applied(query_id)
            not_applied = tuple(b for b in chosen if b not in applied)
            if not_applied and selection.since is None:
                raise ValueError(
                    f"batch(es) {_ids(not_applied)} are not applied yet: run catch-up (or run-batch) to apply them; "
                    "a replay applies again only batches that were applied"
                )
            if not_applied:
                LOG.info("batch(es) %s not applied yet: left to catch-up, not replayed", _ids(not_applied))
            chosen = tuple(b for b in chosen if b in applied)
            done = self.ledger.replayed(request, query_id)
            todo = [b for b in chosen if b not in done]
            if done & set(chosen):
                LOG.info("replay %s already applied batch(es) %s; skipped", request, _ids(tuple(sorted(done))))
            if not todo:
                LOG.info("replay %s: nothing to apply", request)
                return []
            LOG.info("replay %s of %d batch(es) of query %s: %s", request, len(todo), query_id, _ids(tuple(todo)))
            if not ensure_packages(self.project, self.invoke):
                raise DbtFailed(tuple(todo), "dbt deps", replay=request)
            recorded = []
            live = self.archive.live_files()
            for group in groups(todo, self.policy):
                work = Work(tuple(self._manifest_of(query_id, b) for b in group), live)
                try:
                    applied = self._apply(work)
                except DbtFailed as e:
                    raise DbtFailed(e.batch_ids, replay=request) from e
                entry = replace(applied, replay=request)
                self.ledger.record(entry)
                recorded.append(entry)
            return recorded

    def _unapplied(self) -> tuple[list[int], str | None, set[int]]:
        """The committed batches after the newest applied one, the archive's query, and the batches applied for it.
        Only manifest names after the newest applied batch are listed (a start key on S3) and only the ledger's tail
        is read, so the cost follows the backlog, not the archive's history: batches are applied oldest first, so
        none before the newest applied one is pending."""
        last = self.ledger.last_entry()
        newest_applied = max(last.batch_ids) if last is not None else -1
        committed = self.archive.committed_after(newest_applied)
        if not committed and (last is None or not self._recreated(newest_applied, last)):
            return [], None, set()
        query_id = self._query_of(committed) if committed else None
        if last is not None and (not committed or not last.applies_to(query_id)):
            # The ledger's newest batch is another query's (the archive was recreated under a new query): its ids
            # say nothing about this query's, so look at every name and entry.
            everything = self.archive.committed()
            query_id = self._query_of(everything)
            return everything, query_id, self.ledger.applied(query_id)
        return committed, query_id, set(last.batch_ids) if last is not None else set()

    def _recreated(self, newest_applied: int, last: LedgerEntry) -> bool:
        """Whether the ledger's newest applied batch is no longer this archive's (one read): its manifest is gone or
        another query's, as when the archive was recreated at the same root and the new query's ids have not yet
        passed the old ones. expire-manifests always keeps the newest manifest, so expiry alone never says yes."""
        uri = uris.join(self.archive.manifests_dir, layout.numbered_name(newest_applied))
        text = self.archive.storage.read_text(uri)
        return text is None or not last.applies_to(parse_manifest(text, uri).query_id)

    def status(self) -> Status:
        committed = self.archive.committed()
        query_id = self._query_of(committed)
        applied = self.ledger.applied(query_id)
        history = tuple(e for e in self.ledger.entries() if e.applies_to(query_id))
        return Status(
            len(committed), len([b for b in committed if b in applied]), tuple(pending(committed, applied)), history
        )

    def _query_of(self, committed: list[int]) -> str | None:
        """The streaming query that owns the archive: its newest manifest's. The archiver refuses to commit a batch of
        another query next to it, so all of an archive's manifests share it unless one was moved in by hand."""
        return self.archive.manifest(committed[-1]).query_id if committed else None

    def _manifest_of(self, query_id: str | None, batch_id: int) -> Manifest:
        manifest = self.archive.manifest(batch_id)
        if manifest.query_id != query_id:
            raise ManifestError(
                f"batch {batch_id} was committed by query {manifest.query_id}, the archive's newest batch by query "
                f"{query_id}: manifests of two streaming queries share {self.archive.manifests_dir}; move the older "
                "query's manifests away (the archiver itself never writes such a mix)"
            )
        return manifest

    def _apply(self, work: Work) -> LedgerEntry:
        coalesced = len(work.batch_ids) > 1
        if not work.files:
            LOG.info("batch(es) %s archived no rows; recorded without running dbt", _ids(work.batch_ids))
            return LedgerEntry(work.batch_ids, "empty", coalesced, 0, now_iso(), query_id=work.manifests[0].query_id)
        LOG.info(
            "dbt %s on batch(es) %s%s: %d files, %d rows",
            self.project.command,
            _ids(work.batch_ids),
            " (coalesced)" if coalesced else "",
            len(work.files),
            work.num_archived,
        )
        started = time.monotonic()
        invocations = self.project.invocations(work)
        if len(invocations) > 1:
            LOG.info(
                "batch(es) %s hold %d late rows: %d more dbt run(s) over their windows %s",
                _ids(work.batch_ids),
                sum(work.late_partitions().values()),
                len(invocations) - 1,
                ", ".join(f"[{s:%Y-%m-%dT%H:%M:%S}, {e:%Y-%m-%dT%H:%M:%S})" for s, e in work.late_windows()),
            )
        # All or nothing for the ledger: a failure leaves the batches pending and the retry runs every invocation
        # again, which models idempotent per batch (delete+insert, microbatch) absorb.
        for args in invocations:
            if not self.invoke(args):
                raise DbtFailed(work.batch_ids)
        return LedgerEntry(
            work.batch_ids,
            "transformed",
            coalesced,
            work.num_archived,
            now_iso(),
            dbt_command=self.project.command,
            seconds=time.monotonic() - started,
            query_id=work.manifests[0].query_id,
        )


def default_ledger_name(project: DbtProject) -> str:
    """<dbt project name>.<target>: each project and target keeps its own progress over one archive."""
    path = os.path.join(project.project_dir, "dbt_project.yml")
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f) or {}
    name = doc.get("name") if isinstance(doc, dict) else None
    if not isinstance(name, str) or not _PROJECT_NAME.match(name):
        raise ValueError(f"{path}: 'name' must be a dbt project name (letters, digits, '_'), got {name!r}")
    return f"{name}.{project.target or 'default'}"


def _ids(batch_ids: tuple[int, ...]) -> str:
    if len(batch_ids) > 3 and batch_ids[-1] - batch_ids[0] == len(batch_ids) - 1:
        return f"{batch_ids[0]}..{batch_ids[-1]}"
    return ", ".join(str(b) for b in batch_ids)
