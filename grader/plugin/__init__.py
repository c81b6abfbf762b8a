"""The pytest plugin that turns an assignment's grading/ directory into a trusted grading run.

Entry point: ``pytest -p grader.plugin.hooks --gradelab-run RUN.json <assignment>/grading``
(``grader.grade`` starts it). Modules: ``hooks`` (the pytest hooks), ``fixtures`` (what
rubric tests ask for), ``proxies`` (student and reference), ``reporter`` (results.json,
progress), ``rubric`` (rubric.toml), ``expect`` (comparisons with actionable messages).
"""
