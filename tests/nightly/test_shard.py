"""nightly --shard K/N: every workbook in exactly one shard, the same one on every machine."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, WORKED_AS_OF

from sheets_funnel.cli import main
from sheets_funnel.nightly_config import load_config
from sheets_funnel.shard import Shard, bucket, shard_key

SIDS = [f"1Sheet{n:04d}" + "x" * 30 for n in range(150)]
FILES = [f"teams/team-{n:02d}.xlsx" for n in range(50)]


def write(folder: Path, locations: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "nightly.toml"
    path.write_text("".join(f'[[workbook]]\nlocation = "{loc}"\nname = "{loc}"\n'
                            for loc in locations), encoding="utf-8")
    return path


def names(config) -> set[str]:
    return {e.name for e in config.workbooks}


def test_every_workbook_is_in_exactly_one_shard(tmp_path):
    config = load_config(write(tmp_path, SIDS + FILES))
    for count in (1, 2, 3, 7):
        parts = [names(Shard(k, count).select(config)) for k in range(1, count + 1)]
        assert sum(len(p) for p in parts) == 200            # no workbook twice
        assert set().union(*parts) == set(SIDS + FILES)      # none left out


def test_shards_are_about_even(tmp_path):
    config = load_config(write(tmp_path, SIDS + FILES))
    sizes = [len(Shard(k, 4).select(config).workbooks) for k in range(1, 5)]
    # a hash spreads 200 workbooks over 4 shards at 50 ± 6 each (binomial, sd √37.5)
    assert sum(sizes) == 200 and all(35 <= size <= 65 for size in sizes), sizes


def test_the_shard_ignores_order_machine_and_url_form(tmp_path):
    locations = SIDS + FILES
    here = load_config(write(tmp_path / "a" / "checkout", locations))
    shuffled = locations[:]
    random.Random(7).shuffle(shuffled)
    # another machine: the same file, another folder, another order
    there = load_config(write(tmp_path / "runner" / "work", shuffled))
    for k in range(1, 5):
        assert names(Shard(k, 4).select(here)) == names(Shard(k, 4).select(there))
    url = load_config(write(tmp_path / "url", [
        f"https://docs.google.com/spreadsheets/d/{SIDS[0]}/edit#gid=0"])).workbooks[0]
    bare = here.workbooks[0]
    assert shard_key(url, tmp_path / "url") == shard_key(bare, tmp_path) == f"google:{SIDS[0]}"
    local = here.workbooks[150]
    assert shard_key(local, tmp_path / "a" / "checkout") == "file:teams/team-00.xlsx"


def test_the_shard_of_a_key_is_the_documented_hash():
    # docs/scheduling.md: first 8 bytes of SHA-256, big-endian, modulo N, plus 1
    digest = hashlib.sha256(b"google:1AbC").hexdigest()
    assert bucket("google:1AbC", 4) == int(digest[:16], 16) % 4 + 1


@pytest.mark.parametrize("text", ["0/4", "5/4", "2", "a/b", "2/0", "-1/3", "1/-2"])
def test_a_bad_shard_is_refused(capsys, tmp_path, text):
    config = write(tmp_path, ["a.xlsx"])
    with pytest.raises(SystemExit) as stopped:
        main(["nightly", str(config), f"--shard={text}"])
    assert stopped.value.code == 2
    assert f"{text!r} is not a shard: expected K/N with K from 1 to N, e.g. 2/4" in (
        capsys.readouterr().err)


def test_two_shards_refresh_each_workbook_once(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETS_FUNNEL_LOCK_DIR", str(tmp_path / "locks"))
    files = [f"team-{n}.xlsx" for n in range(6)]
    for name in files:
        shutil.copyfile(FIXTURES / "worked-example.xlsx", tmp_path / name)
    config = write(tmp_path, files)
    seen: list[str] = []
    for k in (1, 2):
        result = cli("nightly", str(config), "--json", "--shard", f"{k}/2",
                     "--as-of", WORKED_AS_OF.isoformat())
        assert result.code == 0, result.err
        reports = json.loads(result.out)
        assert f"shard {k}/2: {len(reports)} workbook(s) of {config}" in result.err
        assert all(r["status"] == "ok" for r in reports)
        seen += [r["workbook"] for r in reports]
    assert sorted(seen) == sorted(files)


def test_an_empty_shard_succeeds_with_nothing_to_do(cli, tmp_path):
    config = write(tmp_path, ["a.xlsx"])
    loaded = load_config(config)
    empty = next(k for k in (1, 2) if not Shard(k, 2).select(loaded).workbooks)
    result = cli("nightly", str(config), "--json", "--shard", f"{empty}/2")
    assert (result.code, json.loads(result.out)) == (0, [])
    assert f"shard {empty}/2: 0 workbook(s)" in result.err
