from __future__ import annotations

from nbformat import NotebookNode

from release.errors import MarkerError, Where
from release.markers import BEGIN_MARKER, find_regions, replace_regions
from release.preprocessors.base import Preprocessor


class ClearSolutions(Preprocessor):
    """Replaces each solution region, in ``.py`` files and code cells, with a TODO stub."""

    def __init__(self) -> None:
        self.regions_replaced = 0

    def preprocess_source(self, source: str, where: Where) -> str:
        regions = find_regions(source, where)
        for region in regions:
            # A raise at module level would make the released module fail on import,
            # and with it every check of the functions that students did finish.
            if not region.indent:
                raise MarkerError(
                    f"{where.line(region.begin + 1)}: {BEGIN_MARKER!r} at module level. In a .py "
                    "file a region must sit inside a function or method body."
                )
        self.regions_replaced += len(regions)
        return replace_regions(source, regions)

    def preprocess_cell(self, cell: NotebookNode, where: Where) -> None:
        if cell.cell_type == "code":
            regions = find_regions(cell.source, where)
            self.regions_replaced += len(regions)
            cell.source = replace_regions(cell.source, regions)
