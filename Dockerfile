# Parley's services: one image; each ECS service runs `python -m services.<name>`.
# The SPA is not in here: frontend/dist goes to S3 behind CloudFront (docs/deploy.md).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Exactly the locked versions the tests ran with (tests/infra/test_locks.py compares), hashes
# checked; then Parley itself, resolving nothing.
COPY pyproject.toml ./
COPY requirements/image.txt ./requirements/
RUN python -m venv /opt/parley \
 && /opt/parley/bin/pip install --require-hashes --no-deps -r requirements/image.txt
COPY services ./services
RUN /opt/parley/bin/pip install --no-deps --no-build-isolation .

FROM python:3.11-slim
ENV PATH=/opt/parley/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 parley \
 && useradd --system --uid 10001 --gid parley --no-create-home --shell /usr/sbin/nologin parley
COPY --from=build /opt/parley /opt/parley
# Nothing is written at run time but /tmp (the task mounts a volume there).
WORKDIR /opt/parley
USER 10001:10001
EXPOSE 8080
CMD ["python", "-m", "services.gateway"]
