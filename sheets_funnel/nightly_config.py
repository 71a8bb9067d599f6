"""The nightly job's configuration file (TOML): which workbooks to refresh, with which keys.

::

    lock_wait = 10                      # optional: seconds to wait for a busy workbook
    max_request_mb = 2                  # optional: Google's largest request, in MB

    [quota]                             # optional: Google's per-minute request quotas
    reads_per_user = 60                 # (these are Google's defaults; raise them only if
    writes_per_user = 60                # the Cloud project's quotas were raised)
    reads_per_project = 300
    writes_per_project = 300

    [credentials.team-a]                # a named Google key, used by the entries below
    file = "keys/team-a.json"           # relative paths are relative to this file

    [[workbook]]
    location = "pipelines/north.xlsx"   # a local .xlsx/.xlsm file
    name = "North"                      # optional: the name in logs and the summary
    lang = "en"                         # optional: en or ru; any other workbook fails

    [[workbook]]
    location = "https://docs.google.com/spreadsheets/d/1AbC.../edit"   # or the bare id
    name = "South"
    credentials = "team-a"              # optional: else GOOGLE_APPLICATION_CREDENTIALS or
                                        # the machine's default Google account

Every problem is reported with the entry it is in (``workbook 2 ("South")``) and nothing is
refreshed until the whole file is valid. The Google spreadsheets listed here are also the
refresh service's allow-list when it is started with ``--config``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from .backends import google_id
from .backends.google_quota import QuotaLimits
from .backends.google_write import request_limit
from .errors import SheetsFunnelError
from .locks import DEFAULT_WAIT, lock_key
from .model import Lang

_TOP_KEYS = {"workbook", "credentials", "lock_wait", "quota", "max_request_mb"}
_QUOTA_COUNTS = ("reads_per_user", "writes_per_user", "reads_per_project",
                 "writes_per_project")
_WORKBOOK_KEYS = {"location", "name", "lang", "credentials"}
_CREDENTIAL_KEYS = {"file"}
LANGS: tuple[Lang, ...] = ("en", "ru")


class ConfigError(SheetsFunnelError):
    """The configuration file cannot be used (exit code 2); nothing was refreshed."""

    exit_code = 2


@dataclass(frozen=True)
class WorkbookEntry:
    """One workbook of the nightly job.

    ``location`` is an absolute path for a local file and the spreadsheet id for a Google
    Sheet (``spreadsheet_id`` is then set too); ``credentials`` is a key file or None.
    """

    index: int
    name: str
    location: str
    spreadsheet_id: str | None = None
    lang: Lang | None = None
    credentials: Path | None = None

    @property
    def where(self) -> str:
        """The entry as messages name it: ``workbook 2 ("South")``."""
        return f'workbook {self.index} ("{self.name}")'


@dataclass(frozen=True)
class NightlyConfig:
    """A validated configuration file."""

    source: Path
    workbooks: tuple[WorkbookEntry, ...]
    lock_wait: float = DEFAULT_WAIT
    quota: QuotaLimits = field(default_factory=QuotaLimits)
    #: The largest Google request body (None: the default, 2 MB).
    max_request_bytes: int | None = None

    def google_ids(self) -> frozenset[str]:
        """The ids of the Google spreadsheets listed (the service's allow-list)."""
        return frozenset(w.spreadsheet_id for w in self.workbooks if w.spreadsheet_id)

    def credentials_for(self, spreadsheet_id: str) -> Path | None:
        """The key file the configuration names for a spreadsheet, if any."""
        for entry in self.workbooks:
            if entry.spreadsheet_id == spreadsheet_id:
                return entry.credentials
        return None


def load_config(path: str | Path) -> NightlyConfig:
    """Read and validate a configuration file; raises :class:`ConfigError` naming the entry."""
    source = Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    return parse_config(data, source)


def parse_config(data: dict[str, Any], source: Path) -> NightlyConfig:
    """Validate the parsed TOML of ``source`` (relative paths are relative to its folder)."""
    where = str(source)
    _no_unknown(data, _TOP_KEYS, where)
    base = source.parent
    keys = _credentials(data.get("credentials", {}), base, where)
    lock_wait = data.get("lock_wait", DEFAULT_WAIT)
    if (not isinstance(lock_wait, int | float) or isinstance(lock_wait, bool)
            or not math.isfinite(lock_wait) or not 0 <= lock_wait <= 3600):
        raise ConfigError(f"{where}: lock_wait must be a number of seconds from 0 to 3600")
    raw = data.get("workbook")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f'{where}: no workbooks; add at least one [[workbook]] with a '
                          'location = "..."')
    entries: list[WorkbookEntry] = []
    seen: dict[str, WorkbookEntry] = {}
    for n, item in enumerate(raw, start=1):
        entry = _workbook(n, item, keys, base, where)
        key = lock_key(entry.location)
        if key in seen:
            raise ConfigError(f"{where}: {entry.where} is the same workbook as "
                              f"{seen[key].where}")
        seen[key] = entry
        entries.append(entry)
    quota = _quota(data.get("quota", {}), where)
    limit = None
    if "max_request_mb" in data:
        try:
            limit = request_limit(data["max_request_mb"])
        except ValueError as exc:
            raise ConfigError(f"{where}: max_request_mb: {exc}") from None
    return NightlyConfig(source, tuple(entries), float(lock_wait), quota, limit)


def _quota(table: object, where: str) -> QuotaLimits:
    place = f"{where}: [quota]"
    if not isinstance(table, dict):
        raise ConfigError(f"{place} must be a table of requests per minute")
    _no_unknown(table, {*_QUOTA_COUNTS, "minute"}, place)
    counts: dict[str, int] = {}
    for key in _QUOTA_COUNTS:
        value = table.get(key, getattr(QuotaLimits, key))
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1_000_000:
            raise ConfigError(f"{place}: {key} must be a whole number of requests per minute "
                              f"from 1 to 1000000, not {value!r}")
        counts[key] = value
    minute = table.get("minute", QuotaLimits.minute)
    if (not isinstance(minute, int | float) or isinstance(minute, bool)
            or not math.isfinite(minute) or not 0 < minute <= 3600):
        raise ConfigError(f"{place}: minute must be a number of seconds above 0, at most "
                          "3600 (Google's is 60)")
    return QuotaLimits(**counts, minute=float(minute))


def _no_unknown(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; expected one of "
                          f"{', '.join(sorted(allowed))}")


def _credentials(table: object, base: Path, where: str) -> dict[str, Path]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: credentials must be tables like [credentials.team-a]")
    keys: dict[str, Path] = {}
    for name, entry in table.items():
        place = f"{where}: [credentials.{name}]"
        if not isinstance(entry, dict):
            raise ConfigError(f'{place} must be a table with file = "KEY.json"')
        _no_unknown(entry, _CREDENTIAL_KEYS, place)
        file = entry.get("file")
        if not isinstance(file, str) or not file.strip():
            raise ConfigError(f'{place} needs file = "KEY.json" (a Google key file)')
        keys[name] = _path(file, base)
    return keys


def _path(text: str, base: Path) -> Path:
    path = Path(text.strip()).expanduser()
    return path if path.is_absolute() else base / path


def _workbook(n: int, item: object, keys: dict[str, Path], base: Path,
              where: str) -> WorkbookEntry:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: workbook {n} must be a [[workbook]] table")
    name = item.get("name")
    place = f'{where}: workbook {n}' + (f' ("{name}")' if isinstance(name, str) else "")
    _no_unknown(item, _WORKBOOK_KEYS, place)
    location = item.get("location")
    if not isinstance(location, str) or not location.strip():
        raise ConfigError(f'{place} needs location = "..." (a file, a Google Sheets URL or '
                          'id)')
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ConfigError(f"{place}: name must be non-empty text")
    lang = item.get("lang")
    if lang is not None and lang not in LANGS:
        raise ConfigError(f"{place}: lang must be one of {', '.join(LANGS)}, not {lang!r}")
    spreadsheet = google_id(location)
    credentials: Path | None = None
    ref = item.get("credentials")
    if ref is not None:
        if spreadsheet is None:
            raise ConfigError(f"{place}: credentials apply only to Google Sheets, and "
                              f"{location!r} is a file")
        if not isinstance(ref, str) or ref not in keys:
            known = ", ".join(sorted(keys)) or "none defined"
            raise ConfigError(f"{place}: credentials {ref!r} is not a [credentials.NAME] "
                              f"entry (known: {known})")
        credentials = keys[ref]
    resolved = spreadsheet or str(_path(location, base))
    shown = name.strip() if isinstance(name, str) else (spreadsheet or location.strip())
    return WorkbookEntry(n, shown, resolved, spreadsheet, cast("Lang | None", lang),
                         credentials)
