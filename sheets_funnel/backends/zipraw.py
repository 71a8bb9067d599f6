"""Copy zip entries without recompressing them, so untouched parts stay byte-identical.

Python's :mod:`zipfile` can only write entries it compresses itself; a
workbook refresh must carry every part it does not own across unchanged and
fast, so this module copies the stored (compressed) bytes of an entry as
they are and writes new entries with :mod:`zipfile`'s own compressor.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Sequence
from typing import BinaryIO, NamedTuple

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_LIMIT = 0xFFFFFFFF


class Deflated(NamedTuple):
    """An entry's data deflated, with the CRC-32 and size of the data before."""

    packed: bytes
    crc: int
    size: int


def deflate(data: bytes, level: int = 3) -> Deflated:
    """Data deflated for a zip entry. zlib lets other threads run meanwhile, so parts can
    be deflated in a thread while the program does other work."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return Deflated(compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


def inflates_to(entry: Deflated, data: bytes) -> bool:
    """Whether the entry inflates back to exactly ``data`` (a megabyte at a time, so no
    second copy of a large part is held; zlib lets other threads run meanwhile)."""
    inflater = zlib.decompressobj(-15)
    done, pending = 0, entry.packed
    try:
        while not inflater.eof:
            chunk = inflater.decompress(pending, _STEP)
            if not chunk and inflater.unconsumed_tail == pending:
                return False  # the stream ends short of its end
            if data[done:done + len(chunk)] != chunk:
                return False
            done += len(chunk)
            pending = inflater.unconsumed_tail
    except zlib.error:
        return False
    return done == len(data) == entry.size and not inflater.unused_data


_STEP = 1 << 20


class RawZipWriter:
    """Writes a zip archive from raw copies of another archive's entries and new ones."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._central: list[bytes] = []

    def _add(self, name: str, flags: int, method: int, dostime: tuple[int, int],
             crc: int, csize: int, usize: int, data_source: BinaryIO | bytes) -> None:
        encoded = name.encode("utf-8")
        flags = (flags & ~0x08) | 0x800  # sizes are known up front; the name is UTF-8
        offset = self._out.tell()
        if max(offset, csize, usize) >= _LIMIT:
            raise ValueError("workbook too large for this writer (over 4 GiB)")
        self._out.write(_LOCAL.pack(b"PK\x03\x04", 20, flags, method, dostime[0], dostime[1],
                                    crc, csize, usize, len(encoded), 0))
        self._out.write(encoded)
        if isinstance(data_source, bytes):
            self._out.write(data_source)
        else:
            remaining = csize
            while remaining:
                chunk = data_source.read(min(remaining, 1 << 20))
                if not chunk:
                    raise ValueError(f"truncated zip entry {name!r}")
                self._out.write(chunk)
                remaining -= len(chunk)
        self._central.append(
            _CENTRAL.pack(b"PK\x01\x02", 20, 20, flags, method, dostime[0], dostime[1], crc,
                          csize, usize, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
        )

    def copy(self, source: zipfile.ZipFile, info: zipfile.ZipInfo, raw: BinaryIO) -> None:
        """Copy one entry's compressed bytes as they are stored in ``source``."""
        raw.seek(info.header_offset)
        header = raw.read(_LOCAL.size)
        fields = _LOCAL.unpack(header)
        if fields[0] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
        raw.seek(fields[9] + fields[10], 1)  # skip the name and extra fields
        date, time = _dos_time(info)
        self._add(info.filename, info.flag_bits, info.compress_type, (time, date),
                  info.CRC, info.compress_size, info.file_size, raw)

    def add(self, name: str, data: bytes, date_time: tuple[int, ...] = (1980, 1, 1, 0, 0, 0),
            level: int = 3) -> None:
        """Add a new entry, deflated (by default at a fast level: owned parts are rewritten
        often; level 0 only frames the data, for a package that never leaves memory)."""
        self.add_deflated(name, deflate(data, level), date_time)

    def add_deflated(self, name: str, entry: Deflated,
                     date_time: tuple[int, ...] = (1980, 1, 1, 0, 0, 0)) -> None:
        """Add a new entry already deflated by :func:`deflate`."""
        info = zipfile.ZipInfo(name, date_time=date_time[:6])  # type: ignore[arg-type]
        date, time = _dos_time(info)
        self._add(name, 0, zipfile.ZIP_DEFLATED, (time, date), entry.crc, len(entry.packed),
                  entry.size, entry.packed)

    def add_stored(self, name: str, pieces: Sequence[bytes | memoryview],
                   date_time: tuple[int, ...] = (1980, 1, 1, 0, 0, 0)) -> None:
        """Add a new entry stored as it is (not compressed), its data given in pieces that
        are written one after another (no joined copy is made)."""
        info = zipfile.ZipInfo(name, date_time=date_time[:6])  # type: ignore[arg-type]
        date, time = _dos_time(info)
        crc = 0
        for piece in pieces:
            crc = zlib.crc32(piece, crc)
        size = sum(len(piece) for piece in pieces)
        self._add(name, 0, zipfile.ZIP_STORED, (time, date), crc, size, size, b"")
        for piece in pieces:
            self._out.write(piece)

    def close(self) -> None:
        """Write the central directory."""
        start = self._out.tell()
        for record in self._central:
            self._out.write(record)
        size = self._out.tell() - start
        count = len(self._central)
        self._out.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, size, start, 0))


def stored_bytes(info: zipfile.ZipInfo, raw: BinaryIO) -> bytes:
    """One entry's data as it lies in ``raw`` (the archive's file): compressed, if it is."""
    raw.seek(info.header_offset)
    fields = _LOCAL.unpack(raw.read(_LOCAL.size))
    if fields[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
    raw.seek(fields[9] + fields[10], 1)  # skip the name and extra fields
    return raw.read(info.compress_size)


def read_entry(source: zipfile.ZipFile, info: zipfile.ZipInfo, raw: BinaryIO) -> bytes:
    """One entry's bytes, inflated in one step from ``raw`` (the archive's file) and checked
    against its CRC-32 (quicker than :meth:`zipfile.ZipFile.read` for a large part)."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED,
                                                          zipfile.ZIP_DEFLATED):
        return source.read(info)  # encrypted or another method: zipfile says what is wrong
    data = stored_bytes(info, raw)
    if info.compress_type == zipfile.ZIP_DEFLATED:
        data = zlib.decompress(data, -15, max(info.file_size, 1))
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    return data


def _dos_time(info: zipfile.ZipInfo) -> tuple[int, int]:
    year, month, day, hour, minute, second = info.date_time
    date = max(year - 1980, 0) << 9 | month << 5 | day
    time = hour << 11 | minute << 5 | second // 2
    return date, time
