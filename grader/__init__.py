"""Trusted grading engine: assignment-agnostic.

Subpackages:
- ``student_side``: the only code that runs inside the sandbox (copied in, standalone).
- ``sandbox``: launchers (bwrap, docker, none) and the session that talks to the student process.
- ``plugin``: the pytest plugin that turns a rubric directory into a trusted grading session.
- ``results``: results.json (Gradescope-compatible) and the Markdown/HTML reports.
- ``datasets``: synthetic and real data sets.

``grader.grade.grade`` is the entry point the CLI and the service call.
"""
