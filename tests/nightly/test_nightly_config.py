"""The nightly configuration file: what it accepts and how it names a bad entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheets_funnel.backends.google_quota import QuotaLimits
from sheets_funnel.nightly_config import ConfigError, load_config

SID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
URL = f"https://docs.google.com/spreadsheets/d/{SID}/edit#gid=0"


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nightly.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_resolves_paths_next_to_it(tmp_path):
    path = config(tmp_path, f'''
lock_wait = 3

[credentials.team-a]
file = "keys/a.json"

[[workbook]]
location = "books/north.xlsx"
name = "North"
lang = "ru"

[[workbook]]
location = "{URL}"
credentials = "team-a"
''')
    loaded = load_config(path)
    north, south = loaded.workbooks
    assert loaded.lock_wait == 3.0
    assert (north.index, north.name, north.location, north.lang) == (
        1, "North", str(tmp_path / "books" / "north.xlsx"), "ru")
    assert north.spreadsheet_id is None and north.credentials is None
    assert (south.name, south.location, south.spreadsheet_id) == (SID, SID, SID)
    assert south.credentials == tmp_path / "keys" / "a.json"
    assert loaded.google_ids() == {SID}
    assert loaded.credentials_for(SID) == tmp_path / "keys" / "a.json"
    assert south.where == f'workbook 2 ("{SID}")'
    assert loaded.quota == QuotaLimits(60, 60, 300, 300, 60.0)  # Google's defaults


def test_quotas_can_be_set(tmp_path):
    path = config(tmp_path, "[quota]\nreads_per_user = 15\nwrites_per_project = 1000\n"
                            "minute = 2.5\n[[workbook]]\nlocation = 'a.xlsx'\n")
    assert load_config(path).quota == QuotaLimits(reads_per_user=15, writes_per_user=60,
                                                  reads_per_project=300,
                                                  writes_per_project=1000, minute=2.5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no workbooks; add at least one [[workbook]]"),
        ("[[workbook]]\nname = 'North'\n",
         'workbook 1 ("North") needs location = "..."'),
        ("[[workbook]]\nlocation = 'a.xlsx'\nlang = 'de'\n",
         "workbook 1: lang must be one of en, ru, not 'de'"),
        ("[[workbook]]\nlocation = 'a.xlsx'\nname = 'A'\n[[workbook]]\nlocation = 'b.xlsx'\n"
         "name = 'B'\ncolour = 'red'\n",
         "workbook 2 (\"B\"): unknown key 'colour'; expected one of credentials, lang, "
         "location, name"),
        (f"[[workbook]]\nlocation = '{URL}'\nname = 'South'\ncredentials = 'team-x'\n",
         "workbook 1 (\"South\"): credentials 'team-x' is not a [credentials.NAME] entry "
         "(known: none defined)"),
        ("[credentials.a]\nfile = 'k.json'\n[[workbook]]\nlocation = 'a.xlsx'\n"
         "credentials = 'a'\n",
         "workbook 1: credentials apply only to Google Sheets, and 'a.xlsx' is a file"),
        ("[credentials.a]\npath = 'k.json'\n[[workbook]]\nlocation = 'a.xlsx'\n",
         "[credentials.a]: unknown key 'path'; expected one of file"),
        (f"[[workbook]]\nlocation = '{URL}'\nname = 'One'\n[[workbook]]\nlocation = '{SID}'\n"
         "name = 'Two'\n",
         'workbook 2 ("Two") is the same workbook as workbook 1 ("One")'),
        ("lock_wait = -1\n[[workbook]]\nlocation = 'a.xlsx'\n",
         "lock_wait must be a number of seconds from 0 to 3600"),
        ("workbooks = []\n", "unknown key 'workbooks'"),
        ("[quota]\nreads_per_user = 0\n[[workbook]]\nlocation = 'a.xlsx'\n",
         "[quota]: reads_per_user must be a whole number of requests per minute from 1 to "
         "1000000, not 0"),
        ("[quota]\nwrites_per_user = 1.5\n[[workbook]]\nlocation = 'a.xlsx'\n",
         "[quota]: writes_per_user must be a whole number"),
        ("[quota]\nminute = 0\n[[workbook]]\nlocation = 'a.xlsx'\n",
         "[quota]: minute must be a number of seconds above 0"),
        ("[quota]\nreads = 5\n[[workbook]]\nlocation = 'a.xlsx'\n",
         "[quota]: unknown key 'reads'; expected one of minute, reads_per_project, "
         "reads_per_user, writes_per_project, writes_per_user"),
        ("quota = 5\n[[workbook]]\nlocation = 'a.xlsx'\n",
         "[quota] must be a table of requests per minute"),
        ("[[workbook]\n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_entry(tmp_path, text, message):
    path = config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}: ")
    assert caught.value.exit_code == 2


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "absent.toml")
