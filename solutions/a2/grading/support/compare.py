"""Run one scenario on both sides and compare named outputs."""

from __future__ import annotations

from typing import Any

from grader.plugin import expect


def lookup(tree: Any, dotted: str) -> Any:
    """``lookup(out, "grads.W1")``; None when a part is missing."""
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def against_reference(student, reference, scenario: str, inputs: dict, tolerances: dict[str, float | tuple[float, float]], *,
                      case: str, hint=None) -> tuple[Any, Any]:
    """Fail unless every output in ``tolerances`` matches the reference's within its bound.

    tolerances: output name -> relative tolerance, or (relative, absolute) for outputs
    that are zero in exact arithmetic, where two right answers differ by rounding alone.
    """
    got = student.run(scenario, **inputs)
    want = reference.run(scenario, **inputs)
    expect.close_all({name: (lookup(got, name), lookup(want, name), *(bound if isinstance(bound, tuple) else (bound,)))
                      for name, bound in tolerances.items()}, case=case, hint=hint)
    return got, want


def gradient_hint(failing: list[str], passing: list[str]) -> str | None:
    """Hints for the usual pattern of a backward pass that is half right."""
    if "dx" in failing and {"dgamma", "dbeta"} <= set(passing):
        return ("dgamma and dbeta only need the normalised input; dx also flows through the mean "
                "and the variance: check those two paths and that their contributions are summed.")
    if "dx" in failing and "dw" in passing:
        return "dw is right, so the forward pass is; check how dout is spread back over each input window."
    if failing == ["db"]:
        return "db is dout summed over every axis but the channel (or feature) axis."
    return None
