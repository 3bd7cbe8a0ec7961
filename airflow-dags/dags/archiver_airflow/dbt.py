"""archiver-dbt command lines, and running them so their output lands in the task log."""

from __future__ import annotations

import contextlib
import logging
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from archiver_airflow import layout

LOG = logging.getLogger(__name__)
EXIT_DBT_FAILED, EXIT_BAD_INPUT = 1, 2


class BadInput(Exception):
    """archiver-dbt refused its input (exit 2): retrying cannot help until someone fixes it."""


class DbtFailed(Exception):
    """dbt failed (exit 1): the batches stay pending, so a retry is the right answer."""


# What the archiver's notifier sends (notify.airflow.*), and all a run's conf may hold: conf says which batch, never
# what runs. The executable, the dbt project, its profiles and target come from Variables an Airflow admin sets.
BATCH_CONF_KEYS = ("manifest", "batch_id", "archive_root", "query_id")
VARIABLES = {
    "executable": "archiver_dbt_bin",
    "project_dir": "archiver_dbt_project_dir",
    "profiles_dir": "archiver_dbt_profiles_dir",
    "target": "archiver_dbt_target",
}


@dataclass(frozen=True)
class BatchConf:
    """The batch a run of archiver_dbt_batch is about, from its conf."""

    manifest: str
    batch_id: int | None = None

    def __post_init__(self) -> None:
        announced = layout.MANIFEST_URI.match(self.manifest or "")
        if announced is None:
            raise BadInput(
                f"conf 'manifest' is {self.manifest!r}: it must be a manifest URI, "
                f"{layout.MANIFEST_URI_FORM}, as the archiver sends it"
            )
        if self.batch_id is not None and int(announced.group(2)) != self.batch_id:
            raise BadInput(f"conf 'batch_id' {self.batch_id} is not the batch of the manifest {self.manifest}")

    @property
    def output(self) -> str:
        """The archive root, for catch-up."""
        return archive_of(self.manifest)

    @staticmethod
    def parse(conf: Mapping[str, Any] | None) -> BatchConf:
        conf = conf or {}
        refused = sorted(set(conf) - set(BATCH_CONF_KEYS))
        if refused:
            raise BadInput(
                f"conf key(s) {', '.join(refused)} refused: a run's conf may set only {', '.join(BATCH_CONF_KEYS)} "
                "(the batch). What runs is the deployment's: set the Variables "
                f"{', '.join(VARIABLES.values())} instead"
            )
        manifest, batch_id = conf.get("manifest"), conf.get("batch_id")
        if not isinstance(manifest, str) or not manifest:
            raise BadInput("conf 'manifest' is missing: trigger the DAG with the batch's manifest URI in conf")
        if batch_id is not None and (isinstance(batch_id, bool) or not isinstance(batch_id, int)):
            raise BadInput(f"conf 'batch_id' must be an integer, got {batch_id!r}")
        return BatchConf(manifest, batch_id)


@dataclass(frozen=True)
class HookSettings:
    executable: str  # archiver-dbt of the dbt virtualenv, which Airflow's own environment cannot host
    project_dir: str
    profiles_dir: str = ""
    target: str = ""  # archiver-dbt refuses a target that is not a name (it names the ledger file)

    def __post_init__(self) -> None:
        if not self.executable:
            raise ValueError("no archiver-dbt executable: set the Variable archiver_dbt_bin")
        if not self.project_dir:
            raise ValueError("no dbt project: set the Variable archiver_dbt_project_dir")

    @staticmethod
    def from_variables(variable: Callable[[str, str], str]) -> HookSettings:
        """Each setting from its Variable (see VARIABLES); archiver-dbt on PATH when archiver_dbt_bin is unset."""
        return HookSettings(
            executable=variable(VARIABLES["executable"], "archiver-dbt"),
            project_dir=variable(VARIABLES["project_dir"], ""),
            profiles_dir=variable(VARIABLES["profiles_dir"], ""),
            target=variable(VARIABLES["target"], ""),
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
    match = layout.MANIFEST_URI.match(manifest or "")
    if match is None:
        raise BadInput(f"'{manifest}' is not a manifest URI: {layout.MANIFEST_URI_FORM}")
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
