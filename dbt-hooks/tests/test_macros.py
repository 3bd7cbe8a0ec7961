"""The macros' SQL, rendered with plain Jinja (dbt's template engine) and a stand-in for archiver_dbt's namespace."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import jinja2

MACROS = Path(__file__).resolve().parent.parent / "macros"


def in_batch_window(window: dict[str, Any], column: str = "event_time") -> str:
    template = jinja2.Environment().from_string((MACROS / "archiver_in_batch_window.sql").read_text())
    module = template.make_module({"archiver_dbt": types.SimpleNamespace(archiver_batch_window=lambda: window)})
    return " ".join(str(module.archiver_in_batch_window(column)).split())


def test_the_window_predicate_ors_in_each_late_window():
    window = {
        "start": "2026-11-23T06:30:00",
        "end": "2026-11-25T06:01:00",
        "late_windows": [{"start": "2026-11-19T00:00:00", "end": "2026-11-21T00:00:00"}],
    }
    assert in_batch_window(window) == (
        "((event_time >= cast('2026-11-23T06:30:00' as timestamp) and event_time < cast('2026-11-25T06:01:00' as "
        "timestamp)) or (event_time >= cast('2026-11-19T00:00:00' as timestamp) and event_time < "
        "cast('2026-11-21T00:00:00' as timestamp)))"
    )


def test_without_late_windows_it_is_the_batch_window_and_without_a_window_true():
    window: dict[str, Any] = {"start": "2026-11-25T06:00:00", "end": "2026-11-25T06:01:00", "late_windows": []}
    assert in_batch_window(window, "ts") == (
        "((ts >= cast('2026-11-25T06:00:00' as timestamp) and ts < cast('2026-11-25T06:01:00' as timestamp)))"
    )
    assert in_batch_window({"start": None, "end": None, "late_windows": []}) == "(1 = 1)"
