"""A check of embedded Chroma's HNSW files before anything loads them.

Chroma persists each collection's index as hnswlib files in a directory named after the
vector segment. A process killed while it writes them can leave a data file shorter than
its header promises; Chroma then reads past the end, and that can crash the whole process
instead of raising. So on open, every segment directory is compared with its header, and
the collections whose files are short are named, to be replaced and rebuilt from SQL.

Header layout (hnswlib, little-endian, 100 bytes): int32 version, then uint64
offset_level0, max_elements, cur_element_count, size_data_per_element, label_offset,
offset_data, ... Of the files beside it, `data_level0.bin` holds at least
cur_element_count * size_data_per_element bytes and `length.bin` a float32 norm per
element; `link_lists.bin` (the upper layers' links) must exist.
"""

from __future__ import annotations

import logging
import sqlite3
import struct
from contextlib import closing
from pathlib import Path

log = logging.getLogger(__name__)

HEADER = struct.Struct("<i6Q")
HEADER_BYTES = 100


def short_files(segment: Path) -> str | None:
    """Why a segment directory's files cannot be loaded, or None when they look whole.

    A directory without a header has never been persisted (Chroma keeps small collections
    in its log) and is fine."""
    header_path = segment / "header.bin"
    if not header_path.exists():
        return None
    header = header_path.read_bytes()
    if len(header) < HEADER_BYTES:
        return f"header.bin has {len(header)} of {HEADER_BYTES} bytes"
    _, _, _, count, per_element, _, _ = HEADER.unpack_from(header)
    sizes = {
        name: (segment / name).stat().st_size if (segment / name).exists() else -1
        for name in ("data_level0.bin", "length.bin", "link_lists.bin")
    }
    if sizes["data_level0.bin"] < count * per_element:
        return (
            f"data_level0.bin has {sizes['data_level0.bin']} bytes, "
            f"{count} elements need {count * per_element}"
        )
    if sizes["length.bin"] < count * 4:
        return f"length.bin has {sizes['length.bin']} bytes, {count} elements need {count * 4}"
    if sizes["link_lists.bin"] < 0:
        return "link_lists.bin is missing"
    return None


def segment_dirs(path: Path, collection: str) -> list[Path]:
    """The directories of a collection's vector segments in a Chroma directory.

    Chroma's `delete_collection` drops the catalog rows but leaves these files (the
    collection's vectors) on disk; a purge removes them itself."""
    catalog = path / "chroma.sqlite3"
    if not catalog.exists():
        return []
    with closing(sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id "
            "WHERE s.scope = 'VECTOR' AND c.name = ?",
            (collection,),
        ).fetchall()
    return [path / segment_id for (segment_id,) in rows if (path / segment_id).is_dir()]


def damaged_collections(path: Path) -> dict[str, str]:
    """Collection name -> why its HNSW files cannot be loaded, for a Chroma directory."""
    catalog = path / "chroma.sqlite3"
    if not catalog.exists():
        return {}
    damaged = {}
    try:
        with closing(sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)) as db:
            segments = db.execute(
                "SELECT s.id, c.name FROM segments s JOIN collections c ON s.collection = c.id "
                "WHERE s.scope = 'VECTOR'"
            ).fetchall()
    except sqlite3.Error as exc:  # another Chroma layout: leave the checks to Chroma itself
        log.warning("could not list Chroma's segments in %s to check them: %s", catalog, exc)
        return {}
    for segment_id, name in segments:
        reason = short_files(path / segment_id)
        if reason is not None:
            damaged[name] = reason
    return damaged
