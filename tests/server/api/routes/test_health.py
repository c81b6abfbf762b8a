from tests.server.factories import finish_queued_jobs, toy_zip, upload


def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Server-Timing"].startswith("app;dur=")
    health = response.json()
    assert health.pop("sandbox")["launcher"] == "bwrap"
    assert health == {"status": "ok", "database": "ok", "queue": "ok", "dispatch": "local"}


def test_metrics_count_submissions_queue_and_grading_time(client, users, database, toy_results):
    for _ in range(3):
        upload(client, users["alice"], toy_zip())
    text = client.get("/metrics").text
    assert 'gradelab_submissions{status="queued"} 3.0' in text
    assert 'gradelab_queue_depth{queue="cpu"} 3.0' in text
    finish_queued_jobs(database, toy_results["reference"], grading_s=7.0)
    text = client.get("/metrics").text
    assert 'gradelab_submissions{status="done"} 3.0' in text and 'gradelab_queue_depth{queue="cpu"} 0.0' in text
    assert 'gradelab_grading_seconds_bucket{le="5"} 0.0' in text
    assert 'gradelab_grading_seconds_bucket{le="10"} 3.0' in text
    assert "gradelab_grading_seconds_sum 21.0" in text and "gradelab_grading_seconds_count 3.0" in text
