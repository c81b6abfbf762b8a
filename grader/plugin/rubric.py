"""The rubric: one TOML file per assignment holding every item's points, visibility,
time limit and per-profile settings. Instructors change points here and nowhere else.

::

    [defaults]
    timeout = 60                  # seconds per check
    visibility = "visible"        # Gradescope: visible | after_due_date | after_published | hidden

    [items.bn_forward_train]      # id: the rubric marker of exactly one test
    name = "batchnorm_forward, training mode"
    points = 2
    notebook = "BatchNormalization"   # the part it belongs to
    tags = ["batchnorm"]
    [items.bn_forward_train.profiles.smoke]    # anything the test reads via `item.setting`
    threshold = 0.5

    [items.bn_forward_notebook]   # the notebook's own inputs, whose outputs the notebook prints:
    counts_with = ["bn_forward_train"]  # its points count only when these items pass too

    [items.bn_q1]                 # a manual item: graded by a person, 0 automatic points
    manual = true
    points = 2
    notebook = "BatchNormalization"
    name = "Inline question 1"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")


class RubricError(Exception):
    """The rubric file is malformed; the message names the item and the field."""


@dataclass(frozen=True)
class RubricItem:
    id: str
    name: str
    points: float
    notebook: str
    visibility: str = "visible"
    tags: tuple[str, ...] = ()
    timeout: float = 60.0
    manual: bool = False
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts_with: tuple[str, ...] = ()   # items that must pass for this one's points to count

    def setting(self, profile: str, key: str, default: Any = None) -> Any:
        """A per-profile setting (e.g. an accuracy threshold), with a default."""
        return self.profiles.get(profile, {}).get(key, default)


@dataclass(frozen=True)
class Rubric:
    items: tuple[RubricItem, ...]
    path: Path

    def __getitem__(self, item_id: str) -> RubricItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def __contains__(self, item_id: str) -> bool:
        return any(item.id == item_id for item in self.items)

    @property
    def automatic(self) -> tuple[RubricItem, ...]:
        return tuple(item for item in self.items if not item.manual)

    @property
    def manual(self) -> tuple[RubricItem, ...]:
        return tuple(item for item in self.items if item.manual)

    def run_order(self) -> list[str]:
        """Automatic item ids in rubric order, except that an item runs right after the
        last of the items it counts with (so its verdict is final when it is reported)."""
        order = [item.id for item in self.automatic]
        position = {item_id: float(index) for index, item_id in enumerate(order)}
        for item in self.automatic:
            if item.counts_with:
                position[item.id] = max(position[item.id], *(position[o] + 0.5 for o in item.counts_with))
        return sorted(order, key=position.__getitem__)


def load_rubric(path: Path) -> Rubric:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RubricError(f"{path}: {exc}") from None
    defaults = document.get("defaults", {})
    raw_items = document.get("items")
    if not isinstance(raw_items, dict) or not raw_items:
        raise RubricError(f"{path}: no [items.<id>] tables")
    items = []
    for item_id, raw in raw_items.items():
        where = f"{path.name}: item {item_id!r}"
        if not isinstance(raw, dict):
            raise RubricError(f"{where} must be a table")
        unknown = set(raw) - {"name", "points", "notebook", "visibility", "tags", "timeout", "manual", "profiles",
                              "counts_with"}
        if unknown:
            raise RubricError(f"{where}: unknown field(s) {sorted(unknown)}")
        try:
            points = float(raw["points"])
            notebook = str(raw["notebook"])
        except KeyError as exc:
            raise RubricError(f"{where} lacks {exc.args[0]!r}") from None
        except (TypeError, ValueError):
            raise RubricError(f"{where}: points must be a number") from None
        if points < 0:
            raise RubricError(f"{where}: points must not be negative")
        visibility = raw.get("visibility", defaults.get("visibility", "visible"))
        if visibility not in VISIBILITIES:
            raise RubricError(f"{where}: visibility {visibility!r} is not one of {VISIBILITIES}")
        profiles = raw.get("profiles", {})
        if not isinstance(profiles, dict) or not all(isinstance(v, dict) for v in profiles.values()):
            raise RubricError(f"{where}: profiles must be tables [items.{item_id}.profiles.<name>]")
        counts_with = raw.get("counts_with", [])
        if not isinstance(counts_with, list) or not all(isinstance(other, str) for other in counts_with):
            raise RubricError(f"{where}: counts_with must be a list of item ids")
        items.append(RubricItem(
            id=item_id,
            name=str(raw.get("name", item_id)),
            points=points,
            notebook=notebook,
            visibility=visibility,
            tags=tuple(raw.get("tags", ())),
            timeout=float(raw.get("timeout", defaults.get("timeout", 60.0))),
            manual=bool(raw.get("manual", False)),
            profiles=profiles,
            counts_with=tuple(counts_with),
        ))
    by_id = {item.id: item for item in items}
    for item in items:
        for other in item.counts_with:
            where = f"{path.name}: item {item.id!r}: counts_with {other!r}"
            if other not in by_id:
                raise RubricError(f"{where} is not an item")
            if by_id[other].manual or item.manual:
                raise RubricError(f"{where}: only automatic items can count with each other")
            if by_id[other].notebook != item.notebook:
                raise RubricError(f"{where} belongs to another notebook")
            if by_id[other].counts_with:
                raise RubricError(f"{where} has a counts_with of its own (one level only)")
    return Rubric(items=tuple(items), path=path)
