"""The archiver's spark-submit: its main class, the JVM options Spark needs on Java 17, and the `run` arguments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAIN_CLASS = "dev.archiver.cli.ArchiverCli"
MODES = ("available-now", "processing-time")
_INTERVAL = re.compile(r"^(\d+(ms|s|m|h)|PT[0-9HMS.]+)$")

# Spark 3.5 on Java 17 needs these; the same list is in bin/archiver and the Maven surefire setup.
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
    """spark-submit --conf values; in client mode spark-submit applies the driver ones before the JVM starts."""
    conf = {
        "spark.driver.memory": driver_memory,
        "spark.driver.extraJavaOptions": JAVA_17_OPTIONS,
        "spark.executor.extraJavaOptions": JAVA_17_OPTIONS,
    }
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


def application(jar: str) -> str:
    if not jar:
        raise ValueError(
            "no archiver jar: set the Airflow Variable archiver_jar (or the param jar) to the shaded "
            "archiver-spark-<version>-all.jar, a path on the worker or a URI spark-submit can fetch"
        )
    return jar
