"""Prometheus metrics, read from the database at each scrape (so they count the work of
every worker, on any machine): submissions by status, queue depth, jobs running, a
histogram of grading times, and the grading attempts that failed on our side."""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select

from server.core.db import Database
from server.models import SUBMISSION_STATUSES, Job, Submission

log = logging.getLogger("gradelab.metrics")

#: Upper bounds (seconds) of the grading-time buckets: the toy takes seconds, a2 minutes.
GRADING_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800)


class ServiceCollector(Collector):
    def __init__(self, database: Database, runtime):
        self.database, self.runtime = database, runtime

    def collect(self):
        with self.database.session() as session:
            by_status = dict(session.execute(select(Submission.status, func.count()).group_by(Submission.status)).all())
            jobs = session.execute(select(Job.status, Job.queue, func.count()).where(
                Job.status.in_(("queued", "running"))).group_by(Job.status, Job.queue)).all()
            # Every claim is an attempt; an attempt that did not finish the job (a running one
            # has not finished yet) failed on our side: given back by its worker or taken back.
            attempts = session.execute(select(
                func.coalesce(func.sum(Job.attempts), 0),
                func.coalesce(func.sum(case((Job.status.in_(("done", "running")), 1), else_=0)), 0),
                func.coalesce(func.sum(case((Job.status == "failed", 1), else_=0)), 0),
            )).one()
            buckets = session.execute(select(
                func.count(Job.grading_s), func.coalesce(func.sum(Job.grading_s), 0.0),
                *(func.coalesce(func.sum(case((Job.grading_s <= bound, 1), else_=0)), 0) for bound in GRADING_BUCKETS),
            ).where(Job.grading_s.is_not(None))).one()

        submissions = GaugeMetricFamily("gradelab_submissions", "Submissions by status.", labels=["status"])
        for status in SUBMISSION_STATUSES:
            submissions.add_metric([status], by_status.get(status, 0))
        yield submissions

        depth = GaugeMetricFamily("gradelab_queue_depth", "Jobs waiting for a worker, by queue.", labels=["queue"])
        running = GaugeMetricFamily("gradelab_jobs_running", "Jobs being graded, by queue.", labels=["queue"])
        counts = {(status, queue): n for status, queue, n in jobs}
        for queue in ("cpu", "gpu"):
            depth.add_metric([queue], counts.get(("queued", queue), 0))
            running.add_metric([queue], counts.get(("running", queue), 0))
        yield depth
        yield running

        try:
            broker = self.runtime.dispatcher.queue_depth()
        except Exception as exc:  # the broker is down: /healthz says so; metrics go on
            log.warning("broker queue depth unavailable", extra={"error": str(exc)})
            broker = None
        if broker is not None:
            yield GaugeMetricFamily("gradelab_broker_messages", "Messages waiting in the Celery queues.", value=broker)

        claims, finished_or_running, failed = attempts
        infrastructure = CounterMetricFamily(
            "gradelab_infrastructure_failures", "Grading attempts that failed on our side, by what followed: "
            "requeued (another try) or failed (the job's last attempt; failed for staff).", labels=["then"])
        infrastructure.add_metric(["requeued"], claims - finished_or_running - failed)
        infrastructure.add_metric(["failed"], failed)
        yield infrastructure

        count, total, *cumulative = buckets
        histogram = HistogramMetricFamily("gradelab_grading_seconds", "Wall time of finished grading jobs.")
        histogram.add_metric([], [(f"{bound:g}", n) for bound, n in zip(GRADING_BUCKETS, cumulative, strict=True)]
                             + [("+Inf", count)], sum_value=total)
        yield histogram


def make_registry(database: Database, runtime) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(database, runtime))
    return registry
