"""The scheduling recipes: systemd units, the CI workflow, the example configuration."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sheets_funnel.nightly_config import load_config

ROOT = Path(__file__).resolve().parents[2]
SCHEDULING = ROOT / "templates" / "scheduling"
UNITS = ("sheets-funnel-nightly.service", "sheets-funnel-nightly.timer",
         "sheets-funnel-serve.service")
INSTALLED = "/opt/sheets-funnel/.venv/bin/sheets-funnel"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string((SCHEDULING / name).read_text(encoding="utf-8"), source=name)
    return parser


def test_unit_files_parse_as_ini_with_the_required_keys():
    service = unit("sheets-funnel-nightly.service")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["ExecStart"] == (
        f"{INSTALLED} nightly /etc/sheets-funnel/nightly.toml")
    assert service["Service"]["User"] == "sheets-funnel"
    timer = unit("sheets-funnel-nightly.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:30:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == "sheets-funnel-nightly.service"
    assert timer["Install"]["WantedBy"] == "timers.target"
    serve = unit("sheets-funnel-serve.service")
    assert serve["Service"]["ExecStart"].startswith(f"{INSTALLED} serve --host 127.0.0.1 ")
    assert serve["Service"]["EnvironmentFile"] == "/etc/sheets-funnel/serve.env"
    # the job and the service share one lock folder, so they never write at the same time
    lock_dir = "SHEETS_FUNNEL_LOCK_DIR=/var/lib/sheets-funnel/locks"
    assert service["Service"]["Environment"] == serve["Service"]["Environment"] == lock_dir


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (apt-get install systemd): only "
                           "the INI checks of the unit files ran")
def test_systemd_accepts_the_unit_files(tmp_path):
    # verify checks that ExecStart's program exists: point it at this environment's command
    command = Path(sys.executable).with_name("sheets-funnel")
    assert command.exists(), "the package is not installed in this environment"
    for name in UNITS:
        text = (SCHEDULING / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace(INSTALLED, str(command)), encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", "--man=no",
                           *(str(tmp_path / name) for name in UNITS)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_the_ci_workflow_runs_the_nightly_job_on_a_schedule():
    workflow = yaml.safe_load((SCHEDULING / "nightly-workflow.yml").read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["schedule"] == [{"cron": "30 2 * * *"}]
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["refresh"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert any(run.startswith("sheets-funnel nightly nightly.toml") for run in runs)
    key_step = next(step for step in steps if "GOOGLE_KEY" in step.get("env", {}))
    assert key_step["env"]["GOOGLE_KEY"] == "${{ secrets.SHEETS_FUNNEL_GOOGLE_KEY }}"
    assert workflow["jobs"]["refresh"]["timeout-minutes"] <= 120


def test_the_example_configuration_loads():
    config = load_config(SCHEDULING / "nightly.example.toml")
    assert [w.name for w in config.workbooks] == ["North", "Moscow", "South", "West"]
    assert config.workbooks[1].lang == "ru"
    assert config.lock_wait == 30
    assert config.google_ids() == {"1X2Sales-South-Example-Id-0123456789",
                                   "1X2Sales-West-Example-Id-0123456789ab"}
    assert config.workbooks[2].credentials == Path("/etc/sheets-funnel/sales-robot.json")


def test_the_crontab_line_in_the_docs_runs_the_nightly_job():
    docs = (ROOT / "docs" / "scheduling.md").read_text(encoding="utf-8")
    lines = [line for line in docs.splitlines() if re.match(r"^[\d*/,-]+( [\d*/,-]+){4} ", line)]
    assert lines, "no crontab line in docs/scheduling.md"
    assert all("/sheets-funnel nightly /etc/sheets-funnel/nightly.toml" in line for line in lines)


def test_the_matrix_workflow_runs_each_shard_once():
    workflow = yaml.safe_load((SCHEDULING / "nightly-matrix-workflow.yml").read_text("utf-8"))
    job = workflow["jobs"]["refresh"]
    shards = int(job["env"]["SHARDS"])
    assert job["strategy"]["matrix"]["shard"] == list(range(1, shards + 1))
    assert job["strategy"]["fail-fast"] is False
    runs = [step.get("run", "") for step in job["steps"]]
    assert any(run.startswith('sheets-funnel nightly nightly.toml --shard '
                              '"${{ matrix.shard }}/$SHARDS"') for run in runs)
    key_step = next(step for step in job["steps"] if "GOOGLE_KEY" in step.get("env", {}))
    assert key_step["env"]["GOOGLE_KEY"] == (
        "${{ secrets[format('SHEETS_FUNNEL_GOOGLE_KEY_{0}', matrix.shard)] }}")


def test_the_indexed_job_gives_each_pod_its_shard_and_key():
    cron = yaml.safe_load((SCHEDULING / "nightly-indexed-job.yaml").read_text("utf-8"))
    assert (cron["apiVersion"], cron["kind"]) == ("batch/v1", "CronJob")
    assert cron["spec"]["schedule"] == "30 2 * * *"
    job = cron["spec"]["jobTemplate"]["spec"]
    (container,) = job["template"]["spec"]["containers"]
    shards = int(next(e["value"] for e in container["env"] if e["name"] == "SHARDS"))
    assert job["completionMode"] == "Indexed"
    assert job["completions"] == job["parallelism"] == shards == 4
    # run the pod's shell line for every index, with the install skipped and the command
    # replaced by one that prints its key file and arguments
    script = container["args"][0]
    # sheets-funnel is not on PyPI: the pod installs the wheel the team hosts (python:slim
    # has no git for a git URL)
    install = ('pip install --quiet "sheets-funnel[google] @ '
               'https://YOUR-HOST/sheets_funnel-0.1.0-py3-none-any.whl"')
    assert script.startswith(install + " && ")
    shown = ("exec " + shlex.quote(sys.executable) + " -c 'import os, sys; "
             "print(os.environ[\"GOOGLE_APPLICATION_CREDENTIALS\"], *sys.argv[1:])'")
    script = script.replace(install, "true")
    script = script.replace("exec sheets-funnel", shown)
    for index in range(shards):
        done = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True,
                              env={**os.environ, "JOB_COMPLETION_INDEX": str(index),
                                   "SHARDS": str(shards)}, check=True)
        assert done.stdout.split() == [f"/keys/key-{index + 1}.json", "nightly",
                                       "/config/nightly.toml", "--shard", f"{index + 1}/4"]
