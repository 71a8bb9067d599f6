"""Shared fixtures: the worked example, a CLI runner and LibreOffice headless."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_sheets import FakeSheets

from sheets_funnel.backends.google_endpoint import ENV_VAR
from sheets_funnel.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
WORKED_AS_OF = dt.date(2026, 6, 30)
LO_CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
#: The same, with each cell's text as the spreadsheet shows it (number formats applied).
LO_CSV_AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


@pytest.fixture
def worked_example(tmp_path: Path) -> Path:
    """A fresh copy of the worked-example workbook (CONTRACT §6)."""
    target = tmp_path / "worked-example.xlsx"
    shutil.copyfile(FIXTURES / "worked-example.xlsx", target)
    return target


@pytest.fixture
def expected_summary() -> dict[str, Any]:
    """The contract's expected summary of the worked example, as of 2026-06-30."""
    return json.loads((FIXTURES / "worked-example.json").read_text())  # type: ignore[no-any-return]


class CliResult:
    """What a CLI run printed and returned."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    def json(self) -> dict[str, Any]:
        return json.loads(self.out)  # type: ignore[no-any-return]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``sheets-funnel`` in-process and capture its output."""

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def libreoffice_tabs(book: Path, outdir: Path,
                     as_shown: bool = False) -> dict[str, list[list[str]]]:
    """Open a workbook in LibreOffice headless, recalculate, and read every tab as text
    (``as_shown``: each cell formatted by its number format, as a person sees it)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed; ./scripts/test installs it")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         LO_CSV_AS_SHOWN if as_shown else LO_CSV_FILTER, str(book), "--outdir", str(outdir)],
        check=True, capture_output=True, timeout=180,
    )
    tabs: dict[str, list[list[str]]] = {}
    for path in outdir.glob(f"{book.stem}-*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            tabs[path.stem[len(book.stem) + 1 :]] = list(csv.reader(fh))
    if not tabs:
        pytest.fail(f"LibreOffice wrote no sheets for {book.name}")
    return tabs


def assert_same(actual: Any, expected: Any, path: str = "$") -> None:
    """Assert two JSON values are equal, floats to 1e-9 (CONTRACT §6), ints exactly."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        assert set(actual) == set(expected), f"{path}: keys {sorted(set(actual) ^ set(expected))}"
        for key, value in expected.items():
            assert_same(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r}"
        for n, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{path}[{n}]")
    elif isinstance(expected, float):
        assert isinstance(actual, int | float) and not isinstance(actual, bool), f"{path}"
        assert abs(actual - expected) <= 1e-9, f"{path}: {actual!r} != {expected!r}"
    else:
        assert type(actual) is type(expected) and actual == expected, (
            f"{path}: {actual!r} != {expected!r}")


def issue_key(issue: dict[str, Any]) -> tuple[Any, ...]:
    """Issues sort by row and column (their order in the summary is free)."""
    return (issue["row"], issue["column"], issue["message"])


HEADER = ["Deal ID", "Account", "Owner", "Stage", "Status", "Value", "Created",
          "First Appointment Date", "Next Step", "Next Step Date", "Closed Date"]


def make_book(path: Path, pipeline: list[list[Any]] | None,
              settings: list[list[Any]] | None = None,
              tab_names: tuple[str, str] = ("Pipeline", "Settings")) -> Path:
    """Write a small workbook with openpyxl: a Pipeline tab and optionally a Settings tab."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if pipeline is None:
        sheet.title = "Notes"
        sheet.append(["nothing here"])
    else:
        sheet.title = tab_names[0]
        for row in pipeline:
            sheet.append(row)
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text the user typed, not a formula
    if settings is not None:
        other = book.create_sheet(tab_names[1])
        for row in settings:
            other.append(row)
    book.save(path)
    return path


# --- Google Sheets: the offline stand-in and credential files ---------------------------------

API_REQUESTS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeSheets]:
    """The stand-in on a free loopback port, with the project pointed at it."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))
    import google.auth.compute_engine._metadata as metadata

    # never probe a cloud metadata server when looking for default credentials
    monkeypatch.setattr(metadata, "_NO_GCE_CHECK", True)
    with FakeSheets() as server:
        monkeypatch.setenv(ENV_VAR, server.url)
        yield server


@pytest.fixture
def user_credentials(tmp_path: Path) -> Path:
    """Saved user credentials (as written after signing in) whose token the stand-in issues."""
    path = tmp_path / "user.json"
    path.write_text(json.dumps({
        "type": "authorized_user", "client_id": "client.apps.example", "client_secret": "s3cret",
        "refresh_token": "1//refresh-token-value", "token_uri": "https://oauth2.googleapis.com/token",
    }))
    return path


@pytest.fixture
def service_account_key(tmp_path: Path) -> Path:
    """A service-account key file with a freshly generated RSA key."""
    return write_service_account(tmp_path / "sa.json", "refresher@team.iam.example")


def write_service_account(path: Path, email: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "team", "private_key_id": "k1",
        "private_key": pem, "client_email": email, "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }))
    return path


def api_calls(fake: FakeSheets) -> list[tuple[str, str]]:
    """The Sheets and Drive API requests the stand-in served (token requests aside)."""
    return [(m, p) for m, p in fake.requests if m in API_REQUESTS]


class FakeClock:
    """Time that moves only when a quota limiter waits (or a test says so): share it between
    the stand-in's quota and a QuotaPool (``clock=c, wait=c.wait``) and no test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def wait(self, condition: object, seconds: float | None) -> None:
        assert seconds is not None, "single-threaded: nothing could ever wake this wait"
        assert seconds > 0
        self.now += seconds
