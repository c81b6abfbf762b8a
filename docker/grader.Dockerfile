# syntax=docker/dockerfile:1.7
#
# GradeLab's grading images, built from the repository root:
#
#   docker build -f docker/grader.Dockerfile --target sandbox -t gradelab/sandbox .
#   docker build -f docker/grader.Dockerfile --target grader  -t gradelab/grader .
#
# sandbox: what student code needs and nothing else (Python, CUDA torch, torchvision for
#          submissions that import it, numpy and the course's other imports). No GradeLab
#          code, no solutions, no secrets: the container launcher runs each student
#          process in it, as the sandbox user, and mounts its user database, its seccomp
#          program and the run's files at start.
# grader:  the trusted side: GradeLab, the solutions and rubric, bubblewrap and the docker
#          client, the real data sets (optional, see WITH_DATA). It runs `gradelab worker`
#          (the GPU queue) and, as /autograder/run_autograder, doubles as a Gradescope
#          autograder.
#
# The base is an argument: where no registry is reachable, build on a local image that
# has Python, torch and numpy (pip then finds everything installed and needs no network):
#
#   docker build -f docker/grader.Dockerfile --target sandbox --build-arg TORCH_IMAGE=my/local-torch .
#
# On the development machines the container launcher uses an image assembled from the
# machine's own Python instead (python -m grader.sandbox.image); no registry is reachable
# there, so these two targets are not built by the tests.

ARG TORCH_IMAGE=pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime

FROM ${TORCH_IMAGE} AS sandbox
# The course's own imports besides torch (torchvision ships with the base image).
RUN pip install --no-cache-dir "numpy>=1.26" "matplotlib>=3.8" "h5py>=3.10" "imageio>=2.31" \
        "pillow>=10" "future>=1.0" "six>=1.16"
# Mount points of the launcher's tmpfs home and of the seccomp program. Student processes
# run as an unprivileged user (the launcher's --user), with the tmpfs /tmp and home as their
# only writable places.
RUN mkdir -p /home/sandbox /etc/gradelab
USER 65534:65534
WORKDIR /tmp

FROM sandbox AS grader
USER root
# bubblewrap for --sandbox bwrap (Gradescope); the docker client for the container launcher,
# which the compose deployment uses (the host's engine, through its socket).
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap docker.io \
    && rm -rf /var/lib/apt/lists/*
# The user student processes run as. A fixed uid, unlikely to be anyone's on the host: the
# container launcher's --user is a host uid when the engine has no user namespace.
RUN useradd --system --user-group --uid 64999 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --comment "GradeLab sandbox (student code)" gradelab-sandbox
WORKDIR /opt/gradelab
COPY pyproject.toml README.md ./
COPY gradelab/ gradelab/
COPY grader/ grader/
COPY release/ release/
COPY server/ server/
COPY solutions/ solutions/
COPY assignments/ assignments/
# torch is already there (a CUDA build): the project's torch range keeps it.
RUN pip install --no-cache-dir -e .
ENV GRADELAB_ROOT=/opt/gradelab \
    GRADELAB_VAR_DIR=/var/lib/gradelab \
    GRADELAB_PROFILE=full \
    GRADELAB_SANDBOX=bwrap
RUN mkdir -p /var/lib/gradelab
# The real CIFAR-10 and COCO captioning sets for the full profile (network needed at build
# time; build with --build-arg WITH_DATA=0 to fetch them at run time instead).
ARG WITH_DATA=1
RUN if [ "$WITH_DATA" = 1 ]; then gradelab data fetch; fi
COPY docker/run_autograder /autograder/run_autograder
RUN chmod 0755 /autograder/run_autograder
CMD ["gradelab", "worker", "--queues", "gpu"]
