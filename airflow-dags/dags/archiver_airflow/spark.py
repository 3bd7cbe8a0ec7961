"""The archiver's spark-submit: its main class, the JVM options Spark needs on Java 17, and the `run` arguments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAIN_CLASS = "dev.archiver.cli.ArchiverCli"
MODES = ("available-now", "processing-time")
_INTERVAL = re.compile(r"^(\d+(ms|s|m|h)|PT[0-9HMS.]+)$")
_MEMORY = re.compile(r"^\d+[kmgt]?$", re.IGNORECASE)
# All a run's conf may hold: how this run archives, never what runs. The jar, the config file (and through it the
# output, the source's credentials, notify.command) and the Spark connection come from Variables an admin sets.
STREAM_CONF_KEYS = ("mode", "interval", "driver_memory", "overrides")
VARIABLES = {"jar": "archiver_jar", "config": "archiver_config", "spark_conn_id": "archiver_spark_conn_id"}
# Config keys a run's conf may override: batch sizing, retries and file layout. Not notify.* (runs commands, holds
# tokens), spark.* (JVM options, jars), source.* (brokers, login modules), output paths or the schema.
OVERRIDABLE = (
    "backpressure.",
    "commit.retry.",
    "output.compression",
    "output.max-records-per-file",
    "output.target-file-size",
    "output.max-files-per-partition-per-batch",
    "metrics.heap-alert-ratio",
)


# Spark 3.5 on Java 17 needs these opens. spark-submit's launcher gives them to a client-mode driver, and the
# SparkContext to its executors, but a standalone worker launching a cluster-mode driver does not: they go in
# spark.driver.extraJavaOptions. (pom.xml's spark.add-opens holds the list for JVMs the project starts itself.)
JAVA_17_OPTIONS = " ".join(
    [
        *(
            f"--add-opens=java.base/{package}=ALL-UNNAMED"
            for package in (
                "java.lang",
                "java.lang.invoke",
                "java.lang.reflect",
                "java.io",
                "java.net",
                "java.nio",
                "java.util",
                "java.util.concurrent",
                "java.util.concurrent.atomic",
                "sun.nio.ch",
                "sun.nio.cs",
                "sun.security.action",
                "sun.util.calendar",
            )
        ),
        "-Djdk.reflect.useDirectMethodHandle=false",
    ]
)


def spark_conf(driver_memory: str, extra: Mapping[str, Any] | None = None) -> dict[str, str]:
    """spark-submit --conf values; in client mode spark-submit applies the driver ones before the JVM starts. The
    executors need no Java 17 options here: the SparkContext adds Spark's module options to theirs."""
    conf = {"spark.driver.memory": driver_memory, "spark.driver.extraJavaOptions": JAVA_17_OPTIONS}
    conf.update({str(k): str(v) for k, v in (extra or {}).items()})
    return conf


def run_args(config: str, mode: str, interval: str, overrides: Mapping[str, Any] | None) -> list[str]:
    """The archiver's `run` arguments: the config file (optional), the trigger, then --set KEY=VALUE overrides."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got '{mode}'")
    args = ["run"]
    if config:
        args += ["--config", config]
    if mode == "available-now":
        args += ["--trigger", "available-now"]
    else:
        if not _INTERVAL.match(interval or ""):
            raise ValueError(f"interval '{interval}' is not a duration like 30s, 5m or PT30S")
        args += ["--trigger", f"processing-time:{interval}"]
    for key, value in (overrides or {}).items():
        if not key or "=" in key or key != key.strip():
            raise ValueError(f"override key '{key}' must be a config key like output.compression")
        args += ["--set", f"{key}={value}"]
    return args


def check_conf(conf: Mapping[str, Any] | None) -> None:
    """Refuses a run conf that would choose what runs: keys outside STREAM_CONF_KEYS, overrides outside OVERRIDABLE."""
    conf = conf or {}
    refused = sorted(set(conf) - set(STREAM_CONF_KEYS))
    if refused:
        raise ValueError(
            f"conf key(s) {', '.join(refused)} refused: a run's conf may set only {', '.join(STREAM_CONF_KEYS)}. "
            f"The jar, the config file and the Spark connection come from the Variables {', '.join(VARIABLES.values())}"
        )
    overrides = conf.get("overrides") or {}
    if not isinstance(overrides, Mapping):
        raise ValueError(f"conf 'overrides' must be an object of config keys, got {overrides!r}")
    refused = sorted(str(k) for k in overrides if not str(k).startswith(OVERRIDABLE))
    if refused:
        raise ValueError(
            f"override(s) {', '.join(refused)} refused: a run's conf may override only {', '.join(OVERRIDABLE)}; "
            "set the others in the archiver config file (Variable archiver_config)"
        )
    memory = conf.get("driver_memory")
    if memory is not None and not _MEMORY.match(str(memory)):
        raise ValueError(f"conf 'driver_memory' {memory!r} is not a JVM memory size like 2g or 512m")


def application(jar: str) -> str:
    if not jar:
        raise ValueError(
            "no archiver jar: set the Airflow Variable archiver_jar to the shaded "
            "archiver-app-<version>-all.jar, a path on the worker or a URI spark-submit can fetch"
        )
    return jar
