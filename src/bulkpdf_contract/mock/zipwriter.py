"""A job's ZIP container written directly: the bytes ``zipfile`` writes, in about half the time.

A job's ZIPs hold small PDFs. For each entry ``zipfile`` spends more time in Python than zlib
spends compressing: a stream and a compressor object, a local header written, then sought back
to and rewritten once the CRC and sizes are known. Here an entry is compressed in one call
first, so its header is written once, in order, without a seek. The layout is ``zipfile``'s for
an archive in the classic format: version 2.0, deflate, no data descriptor, no extra fields, the
UTF-8 flag for a name that is not ASCII, ``zipfile``'s creator system; a test holds the bytes
equal to ``zipfile``'s. An archive of more than ``MAX_ENTRIES`` entries needs ZIP64, which is
left to ``zipfile`` (:func:`.archive.write_zip` decides).
"""

from __future__ import annotations

import struct
import zipfile
import zlib

MAX_ENTRIES = 0xFFFF  # zipfile's limit for the classic end record
_LIMIT = (1 << 31) - 1  # zipfile's ZIP64_LIMIT: an offset or size beyond it makes zipfile write ZIP64
_VERSION = 20  # 2.0: deflate
_DEFLATED = zipfile.ZIP_DEFLATED
_UTF8 = 0x800
_SYSTEM = zipfile.ZipInfo().create_system  # 3 (Unix), 0 on Windows, as zipfile sets it
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")


class ZipWriter:
    """Entries added one at a time to an open binary file (at its start); :meth:`close` writes
    the central directory. Memory: the central directory, under 100 bytes an entry."""

    def __init__(self, fh, date_time: tuple[int, int, int, int, int, int], compresslevel: int | None = None):
        self._fh = fh
        self._level = zlib.Z_DEFAULT_COMPRESSION if compresslevel is None else compresslevel
        year, month, day, hour, minute, second = date_time
        self._time = hour << 11 | minute << 5 | second // 2
        self._date = (year - 1980) << 9 | month << 5 | day
        self._central = bytearray()
        self._count = 0
        self._offset = 0

    def add(self, name: str, data: bytes, external_attr: int = 0o644 << 16) -> None:
        try:
            raw, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            raw, flags = name.encode("utf-8"), _UTF8
        deflate = zlib.compressobj(self._level, zlib.DEFLATED, -15)  # zlib.compress takes wbits from 3.11
        packed = deflate.compress(data) + deflate.flush()
        crc = zlib.crc32(data)
        if self._count >= MAX_ENTRIES or max(self._offset, len(data) * 1.05, len(packed)) > _LIMIT:
            raise ValueError("archive too big for the classic ZIP format; write it with zipfile (ZIP64)")
        stamp = (self._time, self._date, crc, len(packed), len(data), len(raw))
        self._fh.write(_LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, _DEFLATED, *stamp, 0) + raw)
        self._fh.write(packed)
        self._central += _CENTRAL.pack(b"PK\x01\x02", _VERSION, _SYSTEM, _VERSION, 0, flags, _DEFLATED, *stamp,
                                       0, 0, 0, 0, external_attr, self._offset)
        self._central += raw
        self._offset += _LOCAL.size + len(raw) + len(packed)
        self._count += 1

    def close(self) -> None:
        if self._offset > _LIMIT:
            raise ValueError("archive too big for the classic ZIP format; write it with zipfile (ZIP64)")
        self._fh.write(self._central)
        self._fh.write(_END.pack(b"PK\x05\x06", 0, 0, self._count, self._count, len(self._central), self._offset, 0))
