"""Zip archives whose bytes depend only on their content: fixed entry dates (from the
records), fixed permissions, entries in the order given, one compression level.

The CSV zip uses it, and so does the DOCX (a DOCX is a zip, and python-docx dates every
entry with the clock)."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Mapping

EARLIEST = datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)
"""A zip cannot date anything earlier."""


def zip_time(moment: datetime.datetime) -> tuple[int, int, int, int, int, int]:
    utc = max(moment.astimezone(datetime.UTC), EARLIEST)
    return (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second - utc.second % 2)


def deterministic_zip(files: Mapping[str, bytes], moment: datetime.datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = zip_time(moment)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def normalise_zip(data: bytes, moment: datetime.datetime) -> bytes:
    """The same archive rewritten with fixed dates and attributes (entry order kept)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        files = {info.filename: source.read(info) for info in source.infolist()}
    return deterministic_zip(files, moment)
