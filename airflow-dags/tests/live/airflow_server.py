"""A live Airflow 3 for the tests: API server, scheduler (LocalExecutor) and DAG processor on loopback, with the simple
auth manager, a SQLite database and this repository's DAG folder. Started once per test session."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil
from archiver_testkit import free_port, run, wait_for

from conftest import DAGS
from live.airflow_api import AirflowApi, AirflowApiError

AIRFLOW = str(Path(sys.executable).parent / "airflow")
STARTUP_SECONDS = 420  # three Python services importing Airflow on two busy cores
USERS = {"admin": "admin", "archiver": "user"}  # simple auth manager roles: the archiver may only trigger DAG runs


@dataclass(frozen=True)
class Service:
    """One long-running airflow command, in a process group of its own so that stopping it stops its children."""

    name: str
    process: subprocess.Popen
    log: Path

    @staticmethod
    def start(name: str, argv: list[str], env: Mapping[str, str], log: Path) -> Service:
        with log.open("ab") as out:
            process = subprocess.Popen(
                argv, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return Service(name, process, log)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 30) -> None:
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])


class LiveAirflow:
    """The Airflow deployment under test. `url` is its API server; `api(user)` a REST client logged in as user."""

    def __init__(self, home: Path, env: Mapping[str, str], port: int) -> None:
        self.home, self.env, self.port = home, dict(env), port
        self.url = f"http://127.0.0.1:{port}"
        self.passwords: dict[str, str] = json.loads((home / "passwords.json").read_text())
        self.services: list[Service] = []
        self._clients: dict[tuple[str, str], AirflowApi] = {}

    @staticmethod
    def environment(home: Path, port: int, extra: Mapping[str, str]) -> dict[str, str]:
        """What every Airflow process of the deployment shares; extra is the workers' environment (Spark, dbt)."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        return {
            **inherited,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{u}:{r}" for u, r in USERS.items()),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            # Shared by the API servers (which sign tokens) and the scheduler (whose workers present them).
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            **extra,
        }

    @staticmethod
    def create(home: Path, extra_env: Mapping[str, str]) -> LiveAirflow:
        """A migrated database and the users' passwords; nothing runs yet."""
        home.mkdir(parents=True, exist_ok=True)
        (home / "passwords.json").write_text(json.dumps({u: secrets.token_urlsafe(16) for u in USERS}))
        port = free_port()
        airflow = LiveAirflow(home, LiveAirflow.environment(home, port, extra_env), port)
        airflow.cli("db", "migrate")
        return airflow

    def cli(self, *args: str, timeout: float = 300) -> str:
        done = run([AIRFLOW, *args], env=self.env, timeout=timeout)
        assert done.returncode == 0, f"airflow {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}"
        return done.stdout

    def launch(self) -> None:
        """Starts the services; wait_ready() waits for them (the caller may prepare more meanwhile)."""
        logs = self.home / "service-logs"
        logs.mkdir(exist_ok=True)
        for name, argv in [
            ("api-server", [AIRFLOW, "api-server"]),
            ("scheduler", [AIRFLOW, "scheduler"]),
            ("dag-processor", [AIRFLOW, "dag-processor"]),
        ]:
            self.services.append(Service.start(name, argv, self.env, logs / f"{name}.log"))

    def wait_ready(self) -> None:
        admin = self.api("admin")
        try:
            wait_for(lambda: self._healthy(admin), STARTUP_SECONDS, "Airflow's API server, scheduler and DAG processor")
            for dag_id in ("archiver_dbt_batch", "archiver_stream"):
                wait_for(lambda d=dag_id: self._parsed(admin, d), 120, f"the DAG processor to register {dag_id}")
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.diagnostics()}") from e

    def _healthy(self, admin: AirflowApi) -> bool:
        dead = [s.name for s in self.services if not s.alive()]
        assert not dead, f"{', '.join(dead)} exited during startup\n{self.diagnostics()}"
        try:
            health = admin.get("/api/v2/monitor/health", authenticated=False)
        except (AirflowApiError, OSError):
            return False
        return all(health.get(c, {}).get("status") == "healthy" for c in ("metadatabase", "scheduler", "dag_processor"))

    @staticmethod
    def _parsed(admin: AirflowApi, dag_id: str) -> bool:
        try:
            admin.get(f"/api/v2/dags/{dag_id}")
            return True
        except AirflowApiError as e:
            if e.status == 404:
                return False
            raise

    def api(self, user: str, url: str | None = None, cafile: Path | None = None) -> AirflowApi:
        """A client logged in as user (one per user and server, so polls reuse its token)."""
        key = (user, url or self.url)
        if key not in self._clients:
            self._clients[key] = AirflowApi(url or self.url, user, self.passwords[user], cafile)
        return self._clients[key]

    def task_log(self, dag_id: str, run_id: str, task_id: str, attempt: int = 1) -> str:
        """The task's log events, one per line, with the exceptions they carry (Airflow 3 writes JSON lines)."""
        path = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        path = path / f"attempt={attempt}.log"
        if not path.exists():
            return ""
        events = []
        for line in path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                events.append(line)
                continue
            events.append(str(record.get("event", "")))
            events += [f"{e.get('exc_type')}: {e.get('exc_value')}" for e in record.get("error_detail") or []]
        return "\n".join(events)

    def diagnostics(self) -> str:
        return "\n".join(s.tail() for s in self.services)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        # Task processes lead process groups of their own (so do the Spark JVMs under them): end any left over.
        for process in psutil.process_iter():
            try:
                if process.environ().get("AIRFLOW_HOME") == str(self.home):
                    process.kill()
            except (psutil.Error, OSError):
                continue
