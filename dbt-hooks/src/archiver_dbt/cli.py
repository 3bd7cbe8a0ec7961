"""archiver-dbt: run-batch (called after each commit), catch-up (scheduled, or after an outage), replay and status.

Exit codes: 0 done (or nothing to do); 1 dbt failed, the batches stay pending, retry later; 2 bad input (usage, a
damaged manifest or ledger): retrying will not help until it is fixed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import uuid
from collections.abc import Sequence

from archiver_dbt.archive import Archive
from archiver_dbt.dbt_runner import COMMANDS, DbtProject, row_counts
from archiver_dbt.ledger import LedgerEntry, LedgerError, now_iso
from archiver_dbt.manifest import ManifestError
from archiver_dbt.plan import Policy
from archiver_dbt.replay import RANGE_FORM, Selection, parse_batches, parse_since
from archiver_dbt.storage import StorageError
from archiver_dbt.transform import DbtFailed, Transformer

EXIT_OK, EXIT_DBT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
LOG = logging.getLogger("archiver_dbt")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archiver-dbt", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run_batch = commands.add_parser("run-batch", help="transform one committed batch, after any earlier pending ones")
    run_batch.add_argument("--manifest", required=True, help="the batch's manifest: path, file: or s3:// URI")
    run_batch.add_argument(
        "--force", action="store_true", help="apply exactly this batch again, even if applied (a replay; see replay)"
    )
    _request_option(run_batch)
    _dbt_options(run_batch)

    replay = commands.add_parser("replay", help="apply chosen committed batches again (after fixing a model)")
    replay.add_argument("--output", required=True, help="the archive root (the archiver's output.path)")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--batches", help=f"batch ids: {RANGE_FORM}")
    which.add_argument("--since", help="every batch committed at or after this instant, e.g. 2026-11-20T00:00Z")
    _request_option(replay)
    _dbt_options(replay)

    catch_up = commands.add_parser("catch-up", help="transform every committed batch not yet transformed")
    catch_up.add_argument("--output", required=True, help="the archive root (the archiver's output.path)")
    _dbt_options(catch_up)

    status = commands.add_parser("status", help="print committed, transformed and pending batches as JSON")
    status.add_argument("--output", required=True, help="the archive root (the archiver's output.path)")
    status.add_argument("--history", action="store_true", help="also list every ledger line: what was applied when")
    _dbt_options(status)

    counts = commands.add_parser("row-counts", help="print the row count of each model as JSON")
    counts.add_argument("--model", action="append", required=True, help="a model name; repeatable")
    _dbt_options(counts)
    return parser


def _request_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--request-id",
        help="names this replay request: a retry with the same id skips the batches it applied already "
        "(Airflow passes its run id; default: a new id per invocation)",
    )


def _dbt_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project-dir", required=True, help="the dbt project")
    p.add_argument("--profiles-dir", help="default: the project dir when it has a profiles.yml, else dbt's default")
    p.add_argument("--target", help="dbt target (default: the profile's)")
    p.add_argument("--dbt-command", choices=COMMANDS, default="build", help="build also runs tests (default: build)")
    p.add_argument("--select", help="dbt node selection passed to dbt (default: the whole project)")
    p.add_argument(
        "--ledger",
        help="ledger file (default: <output>/_archiver/dbt-ledgers/<project>.<target>.jsonl)",
    )
    p.add_argument("--coalesce-above", type=int, default=Policy.coalesce_above, help="backlog that triggers one run")
    p.add_argument("--max-coalesced", type=int, default=Policy.max_coalesced, help="most batches in one dbt run")
    p.add_argument("-v", "--verbose", action="store_true")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s archiver-dbt %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        return _run(args)
    except DbtFailed as e:
        LOG.error("%s", e)
        return EXIT_DBT_FAILED
    except (ManifestError, LedgerError, StorageError, ValueError, OSError) as e:
        LOG.error("%s", e)
        return EXIT_BAD_INPUT


def _run(args: argparse.Namespace) -> int:
    project = DbtProject(
        project_dir=args.project_dir,
        profiles_dir=args.profiles_dir,
        target=args.target,
        command=args.dbt_command,
        extra_args=("--select", args.select) if args.select else (),
    )
    policy = Policy(coalesce_above=args.coalesce_above, max_coalesced=args.max_coalesced)
    if args.command == "row-counts":
        print(json.dumps(row_counts(project, args.model)))
        return EXIT_OK
    if args.command == "run-batch" and args.force:
        archive, batch_id = Archive.of_manifest(args.manifest)
        transformer = Transformer(archive, project, policy, args.ledger)
        if batch_id in transformer.status().pending:  # not applied yet: --force has nothing to force
            transformer.run_batch(batch_id)
        else:
            transformer.replay(Selection(batch_ids=(batch_id,)), args.request_id or _new_request())
    elif args.command == "run-batch":
        if args.request_id:
            raise ValueError("--request-id names a replay: use it with --force (or archiver-dbt replay)")
        archive, batch_id = Archive.of_manifest(args.manifest)
        Transformer(archive, project, policy, args.ledger).run_batch(batch_id)
    elif args.command == "replay":
        selection = Selection(
            batch_ids=parse_batches(args.batches) if args.batches else (),
            since=parse_since(args.since) if args.since else None,
        )
        request = args.request_id or _new_request()
        entries = Transformer(Archive.at(args.output), project, policy, args.ledger).replay(selection, request)
        print(json.dumps({"request": request, "applied": [list(e.batch_ids) for e in entries]}))
    elif args.command == "catch-up":
        Transformer(Archive.at(args.output), project, policy, args.ledger).catch_up()
    else:
        status = Transformer(Archive.at(args.output), project, policy, args.ledger).status()
        doc = {
            "committed": status.committed,
            "applied": status.applied,
            "pending": list(status.pending),
            "replays": [_line(e) for e in status.history if e.replay is not None],
        }
        if args.history:
            doc["history"] = [_line(e) for e in status.history]
        print(json.dumps(doc))
    return EXIT_OK


def _new_request() -> str:
    return f"cli-{now_iso()}-{uuid.uuid4().hex[:8]}"


def _line(entry: LedgerEntry) -> dict[str, object]:
    return json.loads(entry.to_json())


if __name__ == "__main__":
    sys.exit(main())
