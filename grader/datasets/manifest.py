"""The fetch manifest: what was fetched into a data directory, from where, with which digests.

``<data dir>/fetch_manifest.json`` maps a source name to its entry (url, archive, bytes,
md5, sha256, fetched_at). For an archive without a published checksum (COCO), the SHA-256
recorded by the first fetch is what later fetches from the same URL must match.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

MANIFEST = "fetch_manifest.json"


class FetchManifest:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / MANIFEST

    def entries(self) -> dict[str, dict]:
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def get(self, name: str) -> dict | None:
        return self.entries().get(name)

    def record(self, name: str, entry: dict) -> None:
        entries = self.entries()
        entries[name] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{MANIFEST}.", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(entries, f, indent=2, sort_keys=True)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.path)
