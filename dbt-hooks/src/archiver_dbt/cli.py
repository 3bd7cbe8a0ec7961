"""archiver-dbt: run-batch (called after each commit), catch-up (scheduled, or after an outage) and status.

Exit codes: 0 done (or nothing to do); 1 dbt failed, the batches stay pending, retry later; 2 bad input (usage, a
damaged manifest or ledger): retrying will not help until it is fixed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from archiver_dbt.archive import Archive
from archiver_dbt.dbt_runner import COMMANDS, DbtProject, row_counts
from archiver_dbt.ledger import LedgerError
from archiver_dbt.manifest import ManifestError
from archiver_dbt.plan import Policy
from archiver_dbt.storage import StorageError
from archiver_dbt.transform import DbtFailed, Transformer

EXIT_OK, EXIT_DBT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
LOG = logging.getLogger("archiver_dbt")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archiver-dbt", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run_batch = commands.add_parser("run-batch", help="transform one committed batch, after any earlier pending ones")
    run_batch.add_argument("--manifest", required=True, help="the batch's manifest: path, file: or s3:// URI")
    _dbt_options(run_batch)

    catch_up = commands.add_parser("catch-up", help="transform every committed batch not yet transformed")
    catch_up.add_argument("--output", required=True, help="the archive root (the archiver's output.path)")
    _dbt_options(catch_up)

    status = commands.add_parser("status", help="print committed, transformed and pending batches as JSON")
    status.add_argument("--output", required=True, help="the archive root (the archiver's output.path)")
    _dbt_options(status)

    counts = commands.add_parser("row-counts", help="print the row count of each model as JSON")
    counts.add_argument("--model", action="append", required=True, help="a model name; repeatable")
    _dbt_options(counts)
    return parser


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
    if args.command == "run-batch":
        archive, batch_id = Archive.of_manifest(args.manifest)
        Transformer(archive, project, policy, args.ledger).run_batch(batch_id)
    elif args.command == "catch-up":
        Transformer(Archive.at(args.output), project, policy, args.ledger).catch_up()
    else:
        status = Transformer(Archive.at(args.output), project, policy, args.ledger).status()
        print(json.dumps({"committed": status.committed, "applied": status.applied, "pending": list(status.pending)}))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
