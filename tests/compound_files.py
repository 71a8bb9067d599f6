"""OLE2 compound files built byte by byte, the way Excel writes a workbook it encrypts with a
password ("Encrypt with Password") or an Excel 97-2003 workbook (.xls).

Layout (version 3, 512-byte sectors, [MS-CFB]): the header, sector 0 the allocation table,
sector 1 the directory (the root and one entry per stream, kept as a right-leaning chain of
siblings, which is a valid red-black tree), then each stream in whole sectors. Streams are
at least 4,096 bytes, so none lives in the mini stream.
"""

from __future__ import annotations

import struct

FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR = 512

# An agile encryption header as Excel 2010 and later write it (version 4.4), then padding.
AGILE_INFO = (
    struct.pack("<HHL", 4, 4, 0x40)
    + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
    b'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
    b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
    b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
    b'saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>'
)


def _entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0"
    return struct.pack("<64sHBBLLL16sLQQLQ", encoded, len(encoded), kind, 1, NO_STREAM, right,
                       child, b"\0" * 16, 0, 0, 0, start, size)


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams`` (each padded to at least 4,096 bytes)."""
    data = {name: body.ljust(4096, b"\0") for name, body in streams.items()}
    fat = [FAT_SECTOR, END]
    entries = [b""]  # the root, filled in below
    names = list(data)
    sectors = b""
    for n, name in enumerate(names):
        body = data[name].ljust(-(-len(data[name]) // SECTOR) * SECTOR, b"\0")
        first = len(fat)
        count = len(body) // SECTOR
        fat.extend([*range(first + 1, first + count), END])
        right = n + 2 if n + 1 < len(names) else NO_STREAM
        entries.append(_entry(name, 2, right, NO_STREAM, first, len(data[name])))
        sectors += body
    entries[0] = _entry("Root Entry", 5, NO_STREAM, 1 if names else NO_STREAM, END, 0)
    directory = b"".join(entries).ljust(SECTOR, b"\0")
    assert len(directory) == SECTOR and len(fat) <= SECTOR // 4
    fat_sector = struct.pack(f"<{SECTOR // 4}L", *fat, *[FREE] * (SECTOR // 4 - len(fat)))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH6sLLLLLLLLL", 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, 1, 1, 0,
                            4096, END, 0, END, 0)
              + struct.pack("<109L", 0, *([FREE] * 108)))
    assert len(header) == SECTOR
    return header + fat_sector + directory + sectors


def encrypted_workbook() -> bytes:
    """A password-protected workbook as Excel saves it (the package itself stays opaque)."""
    return compound_file({"EncryptionInfo": AGILE_INFO,
                          "EncryptedPackage": struct.pack("<Q", 9000) + b"\x5a" * 9000})


def legacy_workbook() -> bytes:
    """An Excel 97-2003 workbook: a compound file with a ``Workbook`` stream."""
    return compound_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\0" * 100})
