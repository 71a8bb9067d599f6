"""The stream names of an OLE2 compound file (Excel 97-2003 workbooks, password-protected
workbooks): enough to say what such a file is, nothing is read from its streams.

Excel saves a workbook with a password to open as a compound file holding the encrypted
package (streams ``EncryptionInfo`` and ``EncryptedPackage``) even when it is named
``.xlsx``; an ``.xls`` workbook renamed to ``.xlsx`` is a compound file with a ``Workbook``
stream.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_MAX_SECTORS = 1 << 20  # a bound on chains, so a damaged file cannot loop forever


def is_compound_file(head: bytes) -> bool:
    """Whether the first bytes of a file are the compound-file signature."""
    return head.startswith(SIGNATURE)


def stream_names(fh: BinaryIO) -> set[str]:
    """The names of every stream and storage in the compound file (empty when unreadable)."""
    fh.seek(0)
    header = fh.read(512)
    if len(header) < 512 or not is_compound_file(header):
        return set()
    sector_size = 1 << struct.unpack_from("<H", header, 0x1E)[0]
    if sector_size not in (512, 4096):
        return set()
    fat_count, first_dir = struct.unpack_from("<2L", header, 0x2C)
    difat_first, difat_count = struct.unpack_from("<2L", header, 0x44)
    fat_sectors = [s for s in struct.unpack_from("<109L", header, 0x4C) if s < _END_OF_CHAIN]
    per_sector = sector_size // 4

    def sector(n: int) -> bytes:
        fh.seek((n + 1) * sector_size)
        return fh.read(sector_size)

    next_difat = difat_first
    for _ in range(min(difat_count, _MAX_SECTORS)):
        if next_difat >= _END_OF_CHAIN:
            break
        entries = struct.unpack(f"<{per_sector}L", sector(next_difat).ljust(sector_size, b"\0"))
        fat_sectors.extend(s for s in entries[:-1] if s < _END_OF_CHAIN)
        next_difat = entries[-1]
    fat: list[int] = []
    for n in fat_sectors[:fat_count]:
        fat.extend(struct.unpack(f"<{per_sector}L", sector(n).ljust(sector_size, b"\0")))
    names: set[str] = set()
    current = first_dir
    for _ in range(_MAX_SECTORS):
        if current >= len(fat) or current >= _END_OF_CHAIN:
            break
        block = sector(current)
        for offset in range(0, len(block) - 127, 128):
            length = struct.unpack_from("<H", block, offset + 64)[0]
            if 2 <= length <= 64 and block[offset + 66] in (1, 2):  # a storage or a stream
                names.add(block[offset: offset + length - 2].decode("utf-16-le", "replace"))
        current = fat[current]
    return names
