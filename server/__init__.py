"""GradeLab's grading service: FastAPI API, database, job dispatch. See DESIGN.md, "Service"."""
