"""Runs dbt in this process through dbtRunner: no shell, and --vars can hold thousands of file paths."""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from archiver_dbt.plan import Work

LOG = logging.getLogger(__name__)
COMMANDS = ("build", "run")
# A target names the ledger file (<project>.<target>.jsonl): a name, never a path.
TARGET = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True)
class DbtProject:
    project_dir: str
    profiles_dir: str | None = None  # None: the project's own profiles.yml if it has one, else dbt's default
    target: str | None = None
    command: str = "build"  # build also runs the tests, so a batch that breaks them stays pending
    extra_args: tuple[str, ...] = field(default=())  # e.g. ("--select", "tag:archiver")

    def __post_init__(self) -> None:
        if not os.path.isfile(os.path.join(self.project_dir, "dbt_project.yml")):
            raise ValueError(f"--project-dir {self.project_dir}: no dbt_project.yml there; point it at a dbt project")
        if self.profiles_dir is not None and not os.path.isfile(os.path.join(self.profiles_dir, "profiles.yml")):
            raise ValueError(f"--profiles-dir {self.profiles_dir}: no profiles.yml there")
        if self.target is not None and not TARGET.match(self.target):
            raise ValueError(
                f"--target {self.target!r}: a dbt target is the name of one of the profile's outputs (letters, digits, "
                "'_', '-', '.') and names the ledger file, so no '/' or '..' path; use the name from profiles.yml"
            )
        if self.command not in COMMANDS:
            raise ValueError(f"dbt command must be one of {COMMANDS}, got '{self.command}'")

    def common_args(self) -> list[str]:
        args = ["--project-dir", self.project_dir]
        profiles = self.profiles_dir
        if profiles is None and os.path.isfile(os.path.join(self.project_dir, "profiles.yml")):
            profiles = self.project_dir
        if profiles is not None:
            args += ["--profiles-dir", profiles]
        if self.target is not None:
            args += ["--target", self.target]
        return args

    def args_for(self, work: Work) -> list[str]:
        """The work's dbt invocation over its on-time window (late events excluded, see invocations())."""
        return self._args(work, work.window(), late_run=False)

    def invocations(self, work: Work) -> list[list[str]]:
        """Every dbt invocation the work needs, in order: args_for(work), then one per late window (merged late
        partitions outside the on-time window), each with that window as --event-time-start/end, so microbatch models
        rebuild exactly the periods late events fell in. dbt takes one contiguous window per invocation; one window
        from the oldest late event to now would rebuild every period between them."""
        return [self.args_for(work)] + [self._args(work, w, late_run=True) for w in work.late_windows()]

    def _args(self, work: Work, window: tuple[datetime, datetime] | None, late_run: bool) -> list[str]:
        dbt_vars = work.dbt_vars()
        dbt_vars["late_run"] = late_run
        args = [self.command, *self.common_args(), "--vars", json.dumps(dbt_vars)]
        if window is not None:
            # Microbatch models rebuild only the periods this work's events fall in (dbt aligns them to batch_size).
            args += ["--event-time-start", window[0].strftime("%Y-%m-%dT%H:%M:%S")]
            args += ["--event-time-end", window[1].strftime("%Y-%m-%dT%H:%M:%S")]
        return args + list(self.extra_args)


class DbtInvoker(Protocol):
    def __call__(self, args: list[str]) -> bool:
        """Runs dbt with args; True when every node succeeded."""
        ...


def invoke_dbt(args: list[str]) -> bool:
    # Imported here: importing dbt takes seconds, which --help and the unit tests need not pay.
    from dbt.cli.main import dbtRunner

    LOG.info("dbt %s", " ".join(a if len(a) < 200 else a[:200] + "...(truncated)" for a in args))
    result = dbtRunner().invoke(args)
    if result.exception is not None:
        LOG.error("dbt %s failed: %s", args[0], result.exception)
    return bool(result.success)


def ensure_packages(project: DbtProject, invoke: DbtInvoker) -> bool:
    """Installs packages.yml's packages once (the example's is a local path, so this needs no network)."""
    wanted = [f for f in ("packages.yml", "dependencies.yml") if os.path.isfile(os.path.join(project.project_dir, f))]
    if not wanted or os.path.isdir(os.path.join(project.project_dir, "dbt_packages")):
        return True
    return invoke(["deps", *project.common_args()])


def row_counts(project: DbtProject, models: list[str]) -> dict[str, int]:
    """Rows of each model, through dbt itself (`dbt show`), so it works on any adapter the project targets."""
    from dbt.cli.main import dbtRunner

    counts: dict[str, int] = {}
    for model in models:
        sql = "select count(*) as n from {{ ref('" + model + "') }}"
        result = dbtRunner().invoke(["show", *project.common_args(), "--inline", sql, "--log-level", "error"])
        if not result.success or result.result is None:
            raise ValueError(f"cannot count the rows of model '{model}': {result.exception}")
        counts[model] = int(result.result.results[0].agate_table.rows[0][0])
    return counts
