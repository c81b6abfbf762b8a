"""Grading jobs: leases on job rows, the runner, and the two ways of dispatching them
(a local worker pool in the server process; Celery on Redis to scale out), plus the reaper
that re-queues jobs whose worker died."""
