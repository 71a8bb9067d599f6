"""Where the package of one piece of a large tab is put for the reader to open.

On Linux the package is written to a file that lives in memory only (``memfd_create``), which
the reader opens by its path under ``/proc/self/fd`` and reads as it reads any file: the
package is copied once, with no other thread held up meanwhile. Elsewhere the reader is handed
the package as a file object in memory, which it copies into its own buffer first.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Any


class Gathered:
    """What a zip writer writes, kept as the pieces it is written in (none is copied), to be
    put in a :class:`PieceFile` in one go."""

    def __init__(self) -> None:
        self.chunks: list[bytes | memoryview] = []
        self._size = 0

    def write(self, data: bytes | memoryview) -> int:
        self.chunks.append(data)
        size = memoryview(data).nbytes
        self._size += size
        return size

    def tell(self) -> int:
        return self._size


class PieceFile:
    """One piece's package, given in chunks, for the reader (calamine) to open once."""

    def __init__(self, chunks: Sequence[bytes | memoryview]) -> None:
        self._chunks = list(chunks)

    def open_book(self) -> Any:
        """The reader's workbook of this package; the package's memory is let go of here,
        the reader keeping what it still needs."""
        from python_calamine import CalamineWorkbook

        chunks, self._chunks = self._chunks, []
        descriptor = _memory_file(chunks)
        if descriptor is None:
            package = io.BytesIO(b"".join(chunks))
            del chunks
            try:
                return CalamineWorkbook.from_filelike(package)
            finally:
                package.close()
        del chunks
        try:
            return CalamineWorkbook.from_path(f"/proc/self/fd/{descriptor}")
        finally:
            os.close(descriptor)  # the reader holds the file open as long as it needs it


def _memory_file(chunks: Sequence[bytes | memoryview]) -> int | None:
    """A file in memory holding the chunks one after another, opened (its descriptor), or
    None where there is no such file (not Linux) or it cannot be opened by path."""
    create = getattr(os, "memfd_create", None)
    if create is None:
        return None
    try:
        descriptor: int = create("sheets-funnel-piece", getattr(os, "MFD_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not os.path.exists(f"/proc/self/fd/{descriptor}"):
            os.close(descriptor)
            return None
        for chunk in chunks:
            view = memoryview(chunk)
            while view.nbytes:
                view = view[os.write(descriptor, view):]
    except OSError:
        os.close(descriptor)
        return None
    return descriptor
