"""The release steps, one per module; :mod:`release.pipeline` puts them in order."""

from release.preprocessors.base import Preprocessor
from release.preprocessors.check_syntax import CheckSyntax
from release.preprocessors.clear_answers import ClearAnswers
from release.preprocessors.clear_outputs import ClearOutputs
from release.preprocessors.clear_solutions import ClearSolutions
from release.preprocessors.drop_hidden import DropHidden
from release.preprocessors.exclude_paths import ExcludePaths
from release.preprocessors.normalize_metadata import NormalizeMetadata
from release.preprocessors.stable_cell_ids import StableCellIds

__all__ = [
    "CheckSyntax",
    "ClearAnswers",
    "ClearOutputs",
    "ClearSolutions",
    "DropHidden",
    "ExcludePaths",
    "NormalizeMetadata",
    "Preprocessor",
    "StableCellIds",
]
