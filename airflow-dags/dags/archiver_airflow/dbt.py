"""archiver-dbt command lines, and running them so their output lands in the task log."""

from __future__ import annotations

import contextlib
import logging
import re
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
# A replay a user triggers (after fixing a model): the archive and which of its batches, by id range or commit time.
REPLAY_CONF_KEYS = ("archive_root", "batches", "since")
CONF_KEYS = tuple(dict.fromkeys(BATCH_CONF_KEYS + REPLAY_CONF_KEYS))
_BATCHES = re.compile(r"^[0-9][0-9.,\s]*$")
_SINCE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[0-9T:.+Z-]*$")
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
        _refuse_unknown(conf, BATCH_CONF_KEYS)
        manifest, batch_id = conf.get("manifest"), conf.get("batch_id")
        if not isinstance(manifest, str) or not manifest:
            raise BadInput("conf 'manifest' is missing: trigger the DAG with the batch's manifest URI in conf")
        if batch_id is not None and (isinstance(batch_id, bool) or not isinstance(batch_id, int)):
            raise BadInput(f"conf 'batch_id' must be an integer, got {batch_id!r}")
        return BatchConf(manifest, batch_id)


@dataclass(frozen=True)
class ReplayConf:
    """A replay: apply the batches again (archiver-dbt replay), each once per DAG run, even when the task retries."""

    archive_root: str
    batches: str | None = None  # e.g. "120..130"; archiver-dbt checks the form in full
    since: str | None = None  # e.g. "2026-11-20T00:00Z"

    def __post_init__(self) -> None:
        if not isinstance(self.archive_root, str) or not self.archive_root:
            raise BadInput("a replay's conf needs 'archive_root': the archive whose batches to apply again")
        if (self.batches is None) == (self.since is None):
            raise BadInput("a replay's conf sets exactly one of 'batches' (e.g. \"120..130\") or 'since'")
        if self.batches is not None and (not isinstance(self.batches, str) or not _BATCHES.match(self.batches)):
            raise BadInput(f'conf \'batches\' is {self.batches!r}: batch ids like "120..130" or "7,9"')
        if self.since is not None and (not isinstance(self.since, str) or not _SINCE.match(self.since)):
            raise BadInput(f"conf 'since' is {self.since!r}: an instant like \"2026-11-20T00:00Z\"")

    @property
    def output(self) -> str:
        return self.archive_root

    def args(self, request: str) -> list[str]:
        """archiver-dbt replay's arguments; request (the DAG run's id) makes a retried task skip what it applied."""
        which = f"--batches={self.batches}" if self.batches is not None else f"--since={self.since}"
        return ["replay", f"--output={self.archive_root}", which, f"--request-id={request}"]


def parse_conf(conf: Mapping[str, Any] | None) -> BatchConf | ReplayConf:
    """A run's conf: the batch the archiver announces, or a replay a user asks for (with batches or since)."""
    conf = conf or {}
    _refuse_unknown(conf, CONF_KEYS)
    if "batches" not in conf and "since" not in conf:
        return BatchConf.parse(conf)
    extra = sorted(set(conf) - set(REPLAY_CONF_KEYS))
    if extra:
        raise BadInput(f"conf key(s) {', '.join(extra)} do not go with a replay ('batches' or 'since')")
    return ReplayConf(conf.get("archive_root"), conf.get("batches"), conf.get("since"))  # type: ignore[arg-type]


def _refuse_unknown(conf: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    refused = sorted(set(conf) - set(allowed))
    if refused:
        raise BadInput(
            f"conf key(s) {', '.join(refused)} refused: a run's conf may set only {', '.join(allowed)} "
            "(the batch, or a replay's batches). What runs is the deployment's: set the Variables "
            f"{', '.join(VARIABLES.values())} instead"
        )


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
