"""Airflow 3's REST API as the tests use it: trigger, list and watch DAG runs, change task states. Standard library."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver_testkit import wait_for

DONE = ("success", "failed")


class AirflowApiError(Exception):
    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path}: {status} {body[:500]}")
        self.status = status


@dataclass
class AirflowApi:
    url: str
    username: str
    password: str = field(repr=False)
    cafile: Path | None = None
    _token: str | None = field(default=None, repr=False)

    def token(self) -> str:
        """A JWT for username, from /auth/token (what the archiver does with notify.airflow.username/password)."""
        if self._token is None:
            answer = self._send("POST", "/auth/token", {"username": self.username, "password": self.password}, None)
            self._token = str(answer["access_token"])
        return self._token

    def get(self, path: str, authenticated: bool = True) -> Any:
        return self._send("GET", path, None, self.token() if authenticated else None)

    def post(self, path: str, body: Any) -> Any:
        return self._send("POST", path, body, self.token())

    def patch(self, path: str, body: Any) -> Any:
        return self._send("PATCH", path, body, self.token())

    def unpause(self, dag_id: str) -> None:
        self.patch(f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, run_id: str, conf: dict[str, Any]) -> dict[str, Any]:
        return dict(
            self.post(f"/api/v2/dags/{dag_id}/dagRuns", {"dag_run_id": run_id, "logical_date": None, "conf": conf})
        )

    def dag_runs(self, dag_id: str) -> list[dict[str, Any]]:
        runs: list[dict[str, Any]] = []
        while True:
            page = self.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100&offset={len(runs)}&order_by=run_after")
            runs += page["dag_runs"]
            if not page["dag_runs"] or len(runs) >= page["total_entries"]:
                return runs

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return dict(self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}"))

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        page = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return {ti["task_id"]: ti for ti in page["task_instances"]}

    def set_task_state(self, dag_id: str, run_id: str, task_id: str, state: str) -> None:
        """What "Mark as failed" in the UI does."""
        self.patch(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}", {"new_state": state})

    def clear_task(self, dag_id: str, run_id: str, task_id: str) -> None:
        """What "Clear" in the UI does to a running task: it is stopped, then runs again as a new try."""
        body = {"dry_run": False, "dag_run_id": run_id, "task_ids": [task_id], "only_failed": False}
        self.post(f"/api/v2/dags/{dag_id}/clearTaskInstances", body)

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float, states: tuple[str, ...] = DONE) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            run = self.dag_run(dag_id, run_id)
            return run if run["state"] in states else None

        return wait_for(finished, timeout, f"{dag_id} run {run_id} to be {' or '.join(states)}", interval=2)

    def _send(self, method: str, path: str, body: Any, token: str | None) -> Any:
        request = urllib.request.Request(self.url + path, method=method)
        if body is not None:
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        context = ssl.create_default_context(cafile=str(self.cafile)) if self.cafile else None
        try:
            with urllib.request.urlopen(request, timeout=60, context=context) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as e:
            raise AirflowApiError(method, path, e.code, e.read().decode(errors="replace")) from None
        return json.loads(text) if text else None
