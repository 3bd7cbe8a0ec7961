"""archiver-dbt command lines, and running them so their output lands in the task log."""

from __future__ import annotations

import contextlib
import logging
import re
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LOG = logging.getLogger(__name__)
_MANIFEST = re.compile(r"^(.*)/_archiver/manifests/\d{20}\.json$")
EXIT_DBT_FAILED, EXIT_BAD_INPUT = 1, 2


class BadInput(Exception):
    """archiver-dbt refused its input (exit 2): retrying cannot help until someone fixes it."""


class DbtFailed(Exception):
    """dbt failed (exit 1): the batches stay pending, so a retry is the right answer."""


@dataclass(frozen=True)
class HookSettings:
    executable: str  # archiver-dbt of the dbt virtualenv, which Airflow's own environment cannot host
    project_dir: str
    profiles_dir: str = ""
    target: str = ""

    def __post_init__(self) -> None:
        if not self.executable:
            raise ValueError("no archiver-dbt executable: set the Variable archiver_dbt_bin (or the param)")
        if not self.project_dir:
            raise ValueError("no dbt project: set the Variable archiver_dbt_project_dir (or the param project_dir)")

    @staticmethod
    def resolve(params: Mapping[str, Any], variable: Callable[[str, str], str]) -> HookSettings:
        """Each param, else its Variable (archiver_dbt_<name>; archiver_dbt_bin for the executable)."""
        return HookSettings(
            executable=params.get("executable") or variable("archiver_dbt_bin", "archiver-dbt"),
            project_dir=params.get("project_dir") or variable("archiver_dbt_project_dir", ""),
            profiles_dir=params.get("profiles_dir") or variable("archiver_dbt_profiles_dir", ""),
            target=params.get("target") or variable("archiver_dbt_target", ""),
        )

    def command(self, subcommand: str, *args: str) -> list[str]:
        argv = [self.executable, subcommand, *args, "--project-dir", self.project_dir]
        if self.profiles_dir:
            argv += ["--profiles-dir", self.profiles_dir]
        if self.target:
            argv += ["--target", self.target]
        return argv


def archive_of(manifest: str) -> str:
    """The archive root a manifest URI belongs to, for catch-up."""
    match = _MANIFEST.match(manifest or "")
    if match is None:
        raise BadInput(f"'{manifest}' is not a manifest URI: <output>/_archiver/manifests/<20-digit batch id>.json")
    return match.group(1)


def run(argv: Sequence[str]) -> None:
    """Runs argv, logging its output line by line; raises DbtFailed or BadInput on its exit codes."""
    LOG.info("running %s", " ".join(argv))
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            LOG.info("%s", line.rstrip())
    if process.returncode == EXIT_BAD_INPUT:
        raise BadInput(f"{argv[0]} {argv[1]} refused its input (exit 2); see the log above")
    if process.returncode != 0:
        raise DbtFailed(f"{argv[0]} {argv[1]} exited {process.returncode}; the batches stay pending")


@contextlib.contextmanager
def failing_fast() -> Iterator[None]:
    """Turns BadInput into Airflow's fail-without-retry; DbtFailed stays an ordinary, retried, failure."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        yield
    except (BadInput, ValueError) as e:
        raise AirflowFailException(str(e)) from e
