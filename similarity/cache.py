"""Fingerprints kept on disk per entry digest, so a report after one more submission reads
only that one.

A cache folder belongs to one engine version and one template (its files and the
layout): ``<dir>/<key>/<entry digest>.npz``. Files are plain ``.npz`` arrays plus one
JSON string, read with ``allow_pickle=False``; a file that does not read back is ignored
and written again. Writes go to a temporary name first, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from similarity.fingerprints import EntryPrint, SectionPrint

#: Bump when what a fingerprint means changes (tokens, normalisation, k, window).
ENGINE_VERSION = "1"
_ARRAYS = ("unit_start", "places", "counted", "kgram_hash", "kgram_token", "fingerprints")


def cache_key(template_digest: str, layout_text: str) -> str:
    return hashlib.sha256(f"{ENGINE_VERSION}\0{template_digest}\0{layout_text}".encode()).hexdigest()[:24]


class FingerprintCache:
    def __init__(self, directory: Path, key: str):
        self.directory = Path(directory) / key

    def _path(self, digest: str) -> Path:
        return self.directory / f"{digest}.npz"

    def load(self, digest: str) -> EntryPrint | None:
        path = self._path(digest)
        try:
            with np.load(path, allow_pickle=False) as stored:
                meta = json.loads(str(stored["meta"]))
                sections = {name: SectionPrint(keys=meta[name]["keys"], labels=meta[name]["labels"],
                                               sources=meta[name]["sources"],
                                               **{field: stored[f"{name}.{field}"] for field in _ARRAYS})
                            for name in ("code", "answers")}
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            return None
        return EntryPrint(digest=digest, notes=meta["notes"], **sections)

    def store(self, entry: EntryPrint) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = {"notes": entry.notes}
        arrays = {}
        for name in ("code", "answers"):
            section: SectionPrint = getattr(entry, name)
            meta[name] = {"keys": section.keys, "labels": section.labels, "sources": section.sources}
            arrays.update({f"{name}.{field}": getattr(section, field) for field in _ARRAYS})
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, meta=np.array(json.dumps(meta)), **arrays)
            os.replace(temporary, self._path(entry.digest))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
