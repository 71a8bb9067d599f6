"""The largest Google request is the user's to set: ``--max-request-mb`` for refresh and
nightly, ``max_request_mb`` in the nightly file. Request bodies are measured at the stand-in."""

from __future__ import annotations

import pytest
from conftest import WORKED_AS_OF

from sheets_funnel.sample import sample_deals
from sheets_funnel.templates import build_workbook


@pytest.fixture(autouse=True)
def locks(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETS_FUNNEL_LOCK_DIR", str(tmp_path / "locks"))


@pytest.fixture
def pipeline(fake, tmp_path):
    """A 400-deal pipeline in the stand-in: its write is about 70 kB as one request."""
    book = build_workbook(tmp_path / "p400.xlsx", "en", sample_deals(400, "en", WORKED_AS_OF),
                          {"sales_target": 10})
    return fake.load_xlsx(book)


def writes(fake):
    """Request bodies of the writes served (batchUpdate and values:batchUpdate), in bytes."""
    return [sent for method, path, sent, _ in fake.traffic
            if method == "POST" and path.endswith(":batchUpdate")]


def refresh_with(cli, sid, credentials, *limit):
    return cli("refresh", sid, "--credentials", str(credentials), "--as-of",
               WORKED_AS_OF.isoformat(), *limit)


def test_a_smaller_limit_splits_the_write(cli, fake, pipeline, user_credentials):
    assert refresh_with(cli, pipeline, user_credentials).code == 0
    (single,) = writes(fake)  # the default 2 MB: one request
    focus = fake.values(pipeline, "Focus")
    assert 20_000 < single < 1_000_000
    fake.reset_requests()
    result = refresh_with(cli, pipeline, user_credentials, "--max-request-mb", "0.02")
    assert result.code == 0, result.err
    split = writes(fake)
    # staging tabs prepared, filled in several chunks, swapped in: none over 20,000 bytes
    assert len(split) >= 4
    assert max(split) <= 20_000
    assert any(p.endswith("/values:batchUpdate") for _, p in fake.requests)
    assert fake.values(pipeline, "Focus") == focus  # the same flagged deals, written in parts


@pytest.mark.parametrize("value", ["0", "-1", "11", "two", "nan"])
def test_an_unusable_limit_is_refused(cli, fake, pipeline, user_credentials, value):
    with pytest.raises(SystemExit) as stop:
        refresh_with(cli, pipeline, user_credentials, "--max-request-mb", value)
    assert stop.value.code == 2
    assert not fake.requests


def nightly_file(tmp_path, sid, credentials, top=""):
    path = tmp_path / "nightly.toml"
    path.write_text(f'''{top}
[credentials.team]
file = "{credentials.name}"

[[workbook]]
location = "{sid}"
credentials = "team"
''', encoding="utf-8")
    return path


def test_nightly_takes_the_limit_from_its_file(cli, fake, pipeline, user_credentials,
                                               tmp_path):
    config = nightly_file(tmp_path, pipeline, user_credentials, "max_request_mb = 0.02")
    result = cli("nightly", str(config), "--as-of", WORKED_AS_OF.isoformat())
    assert result.code == 0, result.err
    assert len(writes(fake)) >= 4 and max(writes(fake)) <= 20_000


def test_nightly_option_overrides_the_file(cli, fake, pipeline, user_credentials, tmp_path):
    config = nightly_file(tmp_path, pipeline, user_credentials, "max_request_mb = 10")
    result = cli("nightly", str(config), "--as-of", WORKED_AS_OF.isoformat(),
                 "--max-request-mb", "0.03")
    assert result.code == 0, result.err
    assert len(writes(fake)) >= 4 and max(writes(fake)) <= 30_000
    fake.reset_requests()
    assert cli("nightly", str(config), "--as-of", WORKED_AS_OF.isoformat()).code == 0
    assert len(writes(fake)) == 1  # 10 MB: the write is one request


def test_nightly_file_with_an_unusable_limit(cli, fake, pipeline, user_credentials, tmp_path):
    config = nightly_file(tmp_path, pipeline, user_credentials, "max_request_mb = 20")
    result = cli("nightly", str(config))
    assert result.code == 2
    assert "max_request_mb" in result.err and "from 0.01 to 10 MB" in result.err
    assert not fake.requests
