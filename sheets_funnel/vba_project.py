"""The VBA project of a macro-enabled workbook (``xl/vbaProject.bin``): read and write it.

A VBA project is a compound file (MS-CFB) holding the project's settings and each module's
source, compressed (MS-OVBA). :func:`build_vba_project` takes a project written by Excel —
the xlwings quickstart workbooks' — and replaces its modules with sheets-funnel's
``RefreshFunnel.bas``, keeping the project's settings and references and any modules asked
for (the standalone variant keeps xlwings' own ``xlwings`` module and ``Dictionary`` class,
so it needs no add-in). Every module is stored as source only, as MS-OVBA asks of a writer:
``_VBA_PROJECT`` has version 0xFFFF and no performance cache, and each module stream holds
just the compressed source (MODULEOFFSET 0), so Excel compiles the project from its source
when the workbook is opened.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

#: Document modules of a pipeline workbook: Pipeline, Settings, Funnel, Focus, History, state.
SHEETS = 6
MINI_CUTOFF = 4096
ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


# --- MS-OVBA 2.4.1: the compression of the dir stream and of module source ---

def _bit_count(done: int) -> int:
    """Offset bits of a copy token after ``done`` decompressed bytes of a chunk."""
    return max((done - 1).bit_length(), 4)


def decompress(data: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer."""
    if not data or data[0] != 1:
        raise ValueError("not an MS-OVBA compressed container")
    out, pos = bytearray(), 1
    while pos < len(data):
        header = int.from_bytes(data[pos:pos + 2], "little")
        end, pos, start = pos + (header & 0x0FFF) + 3, pos + 2, len(out)
        if not header & 0x8000:  # a raw chunk
            out += data[pos:pos + 4096]
            pos += 4096
            continue
        while pos < end:
            flags, pos = data[pos], pos + 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token, pos = int.from_bytes(data[pos:pos + 2], "little"), pos + 2
                bits = _bit_count(len(out) - start)
                length, offset = (token & (0xFFFF >> bits)) + 3, (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body, i = bytearray(), 0
    while i < len(chunk):
        flag_at, flags = len(body), 0
        body.append(0)
        for bit in range(8):
            if i >= len(chunk):
                break
            bits = _bit_count(i) if i else 4
            max_len = (0xFFFF >> bits) + 3
            best_len = best_off = 0
            for cand in range(i):
                n = 0
                while n < max_len and i + n < len(chunk) and chunk[cand + n] == chunk[i + n]:
                    n += 1
                if n >= best_len:
                    best_len, best_off = n, i - cand
            if best_len >= 3:
                body += (((best_off - 1) << (16 - bits)) | (best_len - 3)).to_bytes(2, "little")
                flags |= 1 << bit
                i += best_len
            else:
                body.append(chunk[i])
                i += 1
        body[flag_at] = flags
    if len(body) > 4096:  # incompressible: only a full chunk can be stored raw
        if len(chunk) < 4096:
            raise ValueError("cannot store an incompressible chunk shorter than 4096 bytes")
        return (0x3FFF).to_bytes(2, "little") + chunk
    return (0xB000 | (len(body) - 1)).to_bytes(2, "little") + bytes(body)


def compress(data: bytes) -> bytes:
    """Compress into an MS-OVBA CompressedContainer (longest match, 4096-byte chunks)."""
    return b"\x01" + b"".join(_compress_chunk(data[i:i + 4096]) for i in range(0, len(data), 4096))


# --- MS-CFB: the compound file that holds the VBA project ---

def read_cfb(data: bytes) -> dict[str, bytes]:
    """Every stream of a compound file without DIFAT sectors, by path (``"VBA/dir"``)."""
    if data[:8] != SIGNATURE:
        raise ValueError("not a compound file")
    size = 1 << struct.unpack_from("<H", data, 30)[0]
    first_dir = struct.unpack_from("<I", data, 48)[0]
    cutoff, first_minifat = struct.unpack_from("<II", data, 56)

    def sector(n: int) -> bytes:
        return data[(n + 1) * size:(n + 2) * size]

    difat = [s for s in struct.unpack_from("<109I", data, 76) if s < FATSECT]
    fat = [e for s in difat for e in struct.unpack(f"<{size // 4}I", sector(s))]

    def chain(first: int, table: list[int]) -> list[int]:
        out = []
        while first < FATSECT:
            out.append(first)
            first = table[first]
        return out

    directory = b"".join(sector(s) for s in chain(first_dir, fat))
    entries = [directory[i:i + 128] for i in range(0, len(directory), 128)]
    minifat_raw = b"".join(sector(s) for s in chain(first_minifat, fat))
    minifat = list(struct.unpack(f"<{len(minifat_raw) // 4}I", minifat_raw))
    ministream = b"".join(sector(s) for s in chain(struct.unpack_from("<I", entries[0], 116)[0],
                                                     fat))
    streams: dict[str, bytes] = {}

    def walk(index: int, prefix: str) -> None:
        if index == NOSTREAM:
            return
        entry = entries[index]
        name = entry[:struct.unpack_from("<H", entry, 64)[0]].decode("utf-16-le").rstrip("\0")
        left, right, child = struct.unpack_from("<III", entry, 68)
        start, length = struct.unpack_from("<IQ", entry, 116)
        walk(left, prefix)
        walk(right, prefix)
        if entry[66] == 1:
            walk(child, f"{prefix}{name}/")
        elif entry[66] == 2 and length < cutoff:
            blob = b"".join(ministream[s * 64:(s + 1) * 64] for s in chain(start, minifat))
            streams[prefix + name] = blob[:length]
        elif entry[66] == 2:
            streams[prefix + name] = b"".join(sector(s) for s in chain(start, fat))[:length]

    walk(struct.unpack_from("<I", entries[0], 76)[0], "")
    return streams


@dataclass
class _Entry:
    """One directory entry of a compound file being written."""

    name: str
    kind: int  # 0 unused, 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    red: bool = False
    start: int = 0

    def pack(self, size: int) -> bytes:
        encoded = (self.name + "\0").encode("utf-16-le") if self.name else b""
        return encoded.ljust(64, b"\0") + struct.pack(
            "<HBBIII16sIQQIQ", len(encoded), self.kind, 0 if self.red else 1, self.left,
            self.right, self.child, b"\0" * 16, 0, 0, 0, self.start, size)


def _tree(entries: list[_Entry], members: list[int]) -> int:
    """Link siblings as a balanced search tree, deepest level red: a valid red-black tree."""
    members = sorted(members, key=lambda i: (len(entries[i].name), entries[i].name.upper()))
    depth: dict[int, int] = {}

    def link(part: list[int], level: int) -> int:
        if not part:
            return NOSTREAM
        mid = len(part) // 2
        depth[part[mid]] = level
        entries[part[mid]].left = link(part[:mid], level + 1)
        entries[part[mid]].right = link(part[mid + 1:], level + 1)
        return part[mid]

    root = link(members, 0)
    bottom = max(depth.values())
    for node, level in depth.items():
        entries[node].red = bottom > 0 and level == bottom
    return root


def _chain(fat: list[int], count: int) -> int:
    """Append a chain of ``count`` consecutive sectors to ``fat``; return its first sector."""
    if not count:
        return ENDOFCHAIN
    first = len(fat)
    fat += [*range(first + 1, first + count), ENDOFCHAIN]
    return first


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file of the streams, at most one storage deep.

    Streams under 4096 bytes go to the mini stream, larger ones to sectors of their own.
    """
    entries = [_Entry("Root Entry", 5)]
    storages: dict[str, int] = {}
    for path in sorted(streams):
        parent = 0
        if "/" in path:
            storage = path.partition("/")[0]
            if storage not in storages:
                storages[storage] = len(entries)
                entries.append(_Entry(storage, 1))
                entries[0].children.append(storages[storage])
            parent = storages[storage]
        entries.append(_Entry(path.rpartition("/")[2], 2, streams[path]))
        entries[parent].children.append(len(entries) - 1)
    for entry in entries:
        if entry.children:
            entry.child = _tree(entries, entry.children)
    ministream = bytearray()
    minifat: list[int] = []
    big = [e for e in entries if e.kind == 2 and len(e.data) >= MINI_CUTOFF]
    for entry in entries:
        if entry.kind == 2 and len(entry.data) < MINI_CUTOFF:
            count = -(-len(entry.data) // 64)  # mini sector n has minifat entry n
            entry.start = _chain(minifat, count)
            ministream += entry.data.ljust(count * 64, b"\0")
    minifat_raw = b"".join(struct.pack("<I", e) for e in minifat)
    minifat_raw += b"\xff" * (-len(minifat_raw) % 512)
    mini_size = len(ministream)
    ministream += b"\0" * (-len(ministream) % 512)
    counts = [-(-len(entries) // 4), len(minifat_raw) // 512, len(ministream) // 512]
    big_counts = [-(-len(e.data) // 512) for e in big]
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + sum(counts) + sum(big_counts):
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("streams too large for a compound file without DIFAT sectors")
    fat = [FATSECT] * fat_sectors
    first_dir, first_minifat, entries[0].start = (_chain(fat, n) for n in counts)
    for entry, count in zip(big, big_counts, strict=True):
        entry.start = _chain(fat, count)
    fat += [FREESECT] * (fat_sectors * 128 - len(fat))
    directory = b"".join(e.pack(mini_size if e.kind == 5 else len(e.data)) for e in entries)
    directory += _Entry("", 0, red=True).pack(0) * (counts[0] * 4 - len(entries))
    header = SIGNATURE + b"\0" * 16 + struct.pack(
        "<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, fat_sectors, first_dir, 0,
        MINI_CUTOFF, first_minifat, counts[1], ENDOFCHAIN, 0)
    header += struct.pack("<109I", *range(fat_sectors), *[FREESECT] * (109 - fat_sectors))
    fat_raw = b"".join(struct.pack("<I", e) for e in fat)
    sectors = b"".join(e.data.ljust(n * 512, b"\0") for e, n in zip(big, big_counts, strict=True))
    return header + fat_raw + directory + minifat_raw + bytes(ministream) + sectors


# --- MS-OVBA 2.3: the VBA project ---

def _record(rid: int, data: bytes) -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _module_records(name: str, kind: str) -> bytes:
    """A MODULE record of the dir stream: source at offset 0, cookie 0xFFFF."""
    mbcs, uni = name.encode("cp1252"), name.encode("utf-16-le")
    return b"".join([
        _record(0x19, mbcs), _record(0x47, uni), _record(0x1A, mbcs), _record(0x32, uni),
        _record(0x1C, b""), _record(0x48, b""), _record(0x31, struct.pack("<I", 0)),
        _record(0x1E, struct.pack("<I", 0)), _record(0x2C, struct.pack("<H", 0xFFFF)),
        _record(0x21 if kind == "Module" else 0x22, b""), _record(0x2B, b""),
    ])


def _project_info(dir_stream: bytes) -> bytes:
    """The dir stream up to its module list: project information and references."""
    pos = 0
    while pos < len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, pos)
        if rid == 0x0F:
            return dir_stream[:pos]
        pos += 6 + (6 if rid == 0x09 else size)  # PROJECTVERSION's size field is reserved
    raise ValueError("the dir stream has no module list")


def _module_offset(streams: dict[str, bytes], module: str) -> int:
    """Where a module's compressed source starts in its stream (after any compiled code)."""
    dir_stream = decompress(streams["VBA/dir"])
    key = module.encode("cp1252")
    found = dir_stream.index(struct.pack("<HI", 0x1A, len(key)) + key)
    offset_at = dir_stream.index(struct.pack("<HI", 0x31, 4), found) + 6
    return int(struct.unpack_from("<I", dir_stream, offset_at)[0])


def module_source(streams: dict[str, bytes], module: str) -> str:
    """The source text of a module of a VBA project read with :func:`read_cfb`."""
    offset = _module_offset(streams, module)
    return decompress(streams[f"VBA/{module}"][offset:]).decode("cp1252")


def module_kinds(project: bytes) -> dict[str, str]:
    """Each module of a PROJECT stream and its kind: ``Document``, ``Module`` or ``Class``."""
    found = re.findall(rb"^(Document|Module|Class)=(\w+)", project, re.M)
    return {name.decode("cp1252"): kind.decode() for kind, name in found}


def build_vba_project(base: bytes, source: str, sheets: int = SHEETS,
                      keep: Sequence[str] = ()) -> bytes:
    """The VBA project ``base`` with its own modules replaced by the module ``source``.

    The project keeps ``base``'s settings and references, ``ThisWorkbook``, one document
    module per sheet (``Sheet1``..``SheetN``) and the modules named in ``keep`` (their
    source and kind as in ``base``). Every module is stored as source only.
    """
    streams = read_cfb(base)
    match = re.search(r'^Attribute VB_Name = "(\w+)"', source, re.M)
    if match is None:
        raise ValueError("the module has no Attribute VB_Name line")
    module = match.group(1)
    old = streams["PROJECT"]
    kinds = module_kinds(old)
    sheet = module_source(streams, "Sheet1")
    sources = {"ThisWorkbook": module_source(streams, "ThisWorkbook")}
    kind = {"ThisWorkbook": "Document"}
    for n in range(1, sheets + 1):
        sources[f"Sheet{n}"] = sheet.replace('"Sheet1"', f'"Sheet{n}"')
        kind[f"Sheet{n}"] = "Document"
    compressed: dict[str, bytes] = {}
    for name in keep:  # carried over as stored: already compressed source
        sources[name], kind[name] = module_source(streams, name), kinds[name]
        compressed[name] = streams[f"VBA/{name}"][_module_offset(streams, name):]
    sources[module], kind[module] = source, "Module"
    project_id = re.search(rb'^ID="[^"]+"\r\n', old, re.M)
    if project_id is None:
        raise ValueError("the PROJECT stream has no ID")
    keep_lines = re.findall(rb"^(?:Name|HelpContextID|VersionCompatible32|CMG|DPB|GC)=.*\r\n",
                            old, re.M)
    host = old.split(b"[Host Extender Info]\r\n")[1].split(b"\r\n\r\n")[0]
    project = b"".join([
        project_id.group(0),
        *((f"{kind[m]}={m}/&H00000000\r\n" if kind[m] == "Document" else f"{kind[m]}={m}\r\n"
           ).encode("cp1252") for m in sources),
        *keep_lines,
        b"\r\n[Host Extender Info]\r\n", host, b"\r\n\r\n[Workspace]\r\n",
        *(f"{m}=0, 0, 0, 0, C\r\n".encode("cp1252") for m in sources),
    ])
    modules = b"".join([
        _record(0x0F, struct.pack("<H", len(sources))), _record(0x13, b"\xff\xff"),
        *(_module_records(m, kind[m]) for m in sources),
    ])
    dir_stream = _project_info(decompress(streams["VBA/dir"])) + modules + _record(0x10, b"")
    out = {
        "PROJECT": project,
        "PROJECTwm": b"".join(m.encode("cp1252") + b"\0" + m.encode("utf-16-le") + b"\0\0"
                              for m in sources) + b"\0\0",
        "VBA/_VBA_PROJECT": bytes.fromhex("cc61ffff000100"),
        "VBA/dir": compress(dir_stream),
    }
    for name, text in sources.items():
        crlf = text.replace("\r\n", "\n").replace("\n", "\r\n")
        out[f"VBA/{name}"] = compressed.get(name) or compress(crlf.encode("cp1252"))
    return write_cfb(out)
