"""GradeLab's light client: ``gradelab submit`` over HTTP, with no grader or server code.

Installed alone (``pip install ./client``, the distribution ``gradelab-client``) it is what
a CI job needs to upload a zip and wait for the grade; the full ``gradelab`` distribution
ships the same package and lists the same ``submit`` command among its own.
"""
