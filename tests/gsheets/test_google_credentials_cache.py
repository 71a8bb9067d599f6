"""A key file is read once per process, and again when it changes."""

from __future__ import annotations

import os

from conftest import write_service_account

from sheets_funnel.backends.google_auth import load_credentials


def test_one_key_file_gives_one_credentials_object_until_it_changes(tmp_path, fake):
    key = write_service_account(tmp_path / "key.json", "robot@team.iam.example")
    first = load_credentials(key)
    assert load_credentials(str(key)) is first
    assert first.service_account_email == "robot@team.iam.example"
    write_service_account(key, "other@team.iam.example")  # a new key in the same place
    stat = key.stat()
    os.utime(key, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    changed = load_credentials(key)
    assert changed is not first
    assert changed.service_account_email == "other@team.iam.example"
