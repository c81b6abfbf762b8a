# syntax=docker/dockerfile:1.7
#
# The GradeLab service (API, dispatch to Celery workers), built from the repository root:
#
#   docker build -f docker/server.Dockerfile -t gradelab/server .
#
# It stores and dispatches; it never grades and never imports solution code, so it carries
# only the assignment's manifest from solutions/ (to register it) and the student release
# (to serve its download). Grading happens in workers on the grader image
# (docker/grader.Dockerfile). Not built on the development machines (no Docker engine).

FROM python:3.11-slim
# The project depends on torch (a range); the CPU wheel keeps this image small.
RUN pip install --no-cache-dir torch==2.5.1 --index-url https://download.pytorch.org/whl/cpu
WORKDIR /opt/gradelab
COPY pyproject.toml README.md ./
COPY gradelab/ gradelab/
COPY grader/ grader/
COPY release/ release/
COPY server/ server/
# Registration reads the manifest and checks that a rubric exists; nothing here is imported.
COPY solutions/a2/assignment.toml solutions/a2/assignment.toml
COPY solutions/a2/grading/rubric.toml solutions/a2/grading/rubric.toml
COPY assignments/ assignments/
RUN pip install --no-cache-dir -e . && useradd --system --create-home gradelab \
    && mkdir -p /var/lib/gradelab && chown gradelab /var/lib/gradelab
ENV GRADELAB_ROOT=/opt/gradelab \
    GRADELAB_VAR_DIR=/var/lib/gradelab \
    GRADELAB_HOST=0.0.0.0
USER gradelab
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["gradelab", "serve", "--no-demo"]
