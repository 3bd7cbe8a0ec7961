"""`archiver doctor` against the live Airflow (issue 16): with notifications on, the Airflow check logs in as the
archiver's API user the way the notifier does and finds the DAG it triggers; a wrong password, a DAG that does not
exist and a URL nobody answers each fail that check, naming the setting, and the exit code is 1."""

from __future__ import annotations

import archiver_testkit as kit

from live.conftest import DBT_DAG, Deployment


def doctor(deployment: Deployment, name: str, **airflow: str) -> tuple[int, str]:
    archive = deployment.archive(name)
    settings = {f"notify.airflow.{k.replace('_', '-')}": v for k, v in airflow.items()}
    config = deployment.config(archive, {"source.topic": "doctor-airflow", **settings})
    done = kit.run([kit.ARCHIVER, "doctor", "--config", str(config), "--timeout", "5s"], timeout=120)
    return done.returncode, done.stdout + done.stderr


def airflow_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.split()[1:2] == ["airflow"]]
    assert len(lines) == 1, output
    return lines[0]


def test_doctor_checks_the_airflow_url_credentials_and_dag(deployment: Deployment) -> None:
    password = deployment.airflow.passwords["archiver"]
    url = deployment.airflow.url
    kit.produce(deployment.bootstrap, "doctor-airflow", 1)

    code, out = doctor(deployment, "doctor-ok", url=url, username="archiver", password=password, dag_id=DBT_DAG)
    assert airflow_line(out).startswith(f"ok    airflow      {url}: DAG {DBT_DAG} found"), out
    assert code == 0, out
    assert password not in out

    code, out = doctor(deployment, "doctor-password", url=url, username="archiver", password=password + "x")
    assert code == 1, out
    line = airflow_line(out)
    assert line.startswith("FAIL  airflow      Airflow refused the credentials of notify.airflow.username 'archiver'")
    assert "notify.airflow.password" in line and password not in out

    code, out = doctor(deployment, "doctor-dag", url=url, username="archiver", password=password, dag_id="no_such_dag")
    assert code == 1, out
    assert "has no DAG no_such_dag: check notify.airflow.dag-id" in airflow_line(out)

    code, out = doctor(deployment, "doctor-url", url="http://127.0.0.1:9", token="some-token")
    assert code == 1, out
    assert airflow_line(out).startswith("FAIL  airflow      cannot reach Airflow at http://127.0.0.1:9"), out
    assert "fix: start Airflow's API server or correct notify.airflow.url" in airflow_line(out)
