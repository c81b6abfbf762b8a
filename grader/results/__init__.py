"""Results of a grading run: the model, results.json, and readable reports."""

from grader.results.model import CheckResult, GradeResult, ManualAnswer

__all__ = ["CheckResult", "GradeResult", "ManualAnswer"]
