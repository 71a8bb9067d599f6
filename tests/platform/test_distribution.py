"""sheets-funnel installed without PyPI: the wheel ./scripts/build-dist makes works in a fresh
virtual environment with no checkout around, and the source distribution carries its tests.

Selected with ``-m dist`` (or left out with ``-m "not dist"``): building and installing take
about a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from sheets_funnel.backends.xlsx import XlsxWorkbook

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_of_the_source_tree_is_in_the_wheel_list():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "sheets_funnel").rglob("__init__.py")}
    folders = {"sheets_funnel.template_files." + p.name
               for p in (ROOT / "templates").iterdir() if p.is_dir()}
    assert found | folders | {"sheets_funnel.template_files"} == listed


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and sdist, built by ./scripts/build-dist with this environment's setuptools."""
    out = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "PYTHON": sys.executable}
    subprocess.run([str(ROOT / "scripts" / "build-dist"), "--outdir", str(out), "--no-isolation"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return out


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


@pytest.mark.dist
def test_the_wheel_carries_the_templates_and_not_the_stand_in(dist):
    with zipfile.ZipFile(_one(dist, "*.whl")) as wheel:
        names = set(wheel.namelist())
    assert {"sheets_funnel/template_files/excel/vbaProject.bin",
            "sheets_funnel/template_files/excel/RefreshFunnel.bas",
            "sheets_funnel/template_files/excel/xlwings_lite_main.py",
            "sheets_funnel/template_files/pipeline-en.xlsx",
            "sheets_funnel/template_files/google/Code.gs"} <= names
    assert not any(n.startswith(("fake_sheets", "tests/")) for n in names)


@pytest.mark.dist
def test_a_fresh_environment_installs_the_wheel_and_makes_and_refreshes_a_workbook(dist, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    wheel = _one(dist, "*.whl")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "--quiet",
                    f"{wheel}[excel]"], check=True, capture_output=True)
    work = tmp_path / "team"  # no checkout here: the installed package alone
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(bindir / "sheets-funnel"), *args], cwd=work, env=env,
                              capture_output=True, text=True, check=False)

    where = subprocess.run([str(bindir / "python"), "-c",
                            "import sheets_funnel; print(sheets_funnel.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(venv)
    for args in (["new", "Team.xlsm"], ["new", "Команда.xlsm", "--lang", "ru", "--standalone"],
                 ["refresh", "Team.xlsm", "--as-of", "2026-06-30"],
                 ["refresh", "Команда.xlsm", "--as-of", "2026-06-30", "--json"]):
        done = run(*args)
        assert done.returncode == 0, (args, done.stderr)
    assert XlsxWorkbook(work / "Team.xlsm").tab_names()[:2] == ["Pipeline", "Settings"]
    with zipfile.ZipFile(work / "Команда.xlsm") as book:
        assert "xl/vbaProject.bin" in book.namelist()


@pytest.mark.dist
def test_the_source_distribution_runs_its_own_tests(dist, tmp_path):
    with tarfile.open(_one(dist, "*.tar.gz")) as sdist:
        sdist.extractall(tmp_path, filter="data")
    tree = _one(tmp_path, "sheets_funnel-*")
    for needed in ("tests/conftest.py", "tests/fixtures/worked-example.xlsx",
                   "packages/fake-sheets/pyproject.toml", "templates/excel/vbaProject.bin"):
        assert (tree / needed).is_file(), needed
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_cli.py", "tests/test_worked_example.py"],
                          cwd=tree, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
