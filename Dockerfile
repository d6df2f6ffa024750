# One image for every MicroTix process: docker-compose.yml and deploy/k8s/ run it once per
# Procfile process, each with that process's command. Needs BuildKit (default
# since Docker 23; RUN --mount below).

# --- Stage 1: build wheels (mysqlclient compiles against the MariaDB client headers).
FROM python:3.11-slim-bookworm AS wheels

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential pkg-config default-libmysqlclient-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY requirements/base.txt requirements/mysql.txt requirements/
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements/base.txt -r requirements/mysql.txt

# --- Stage 2: runtime (no compiler; only the shared library mysqlclient links against).
FROM python:3.11-slim-bookworm AS runtime

# MICROTIX_HTTP_HOST: in a container the gateway listens on every interface (on a dev machine, 127.0.0.1).
ENV PYTHONUNBUFFERED=1 \
    MICROTIX_HTTP_HOST=0.0.0.0 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libmariadb3 \
    && rm -rf /var/lib/apt/lists/*

# Installed into the image's own interpreter, so `python` on PATH runs the Procfile commands verbatim.
# The wheels are bind-mounted from stage 1, so they never end up in a layer of this image.
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    --mount=type=bind,source=requirements,target=/tmp/requirements \
    pip install --no-index --find-links=/wheels -r /tmp/requirements/base.txt -r /tmp/requirements/mysql.txt

RUN groupadd --system --gid 10001 microtix \
    && useradd --system --uid 10001 --gid microtix --home-dir /app --no-create-home --shell /usr/sbin/nologin microtix

WORKDIR /app
COPY . /app
# Settings create var/ at import time (VAR_DIR.mkdir): it must exist and be writable by the app user.
RUN mkdir -p /app/var && chown microtix:microtix /app/var

# Numeric, so Kubernetes' runAsNonRoot can verify it is not root (it cannot look a name up).
USER 10001:10001

# 8000 HTTP (and /metrics); 5005x gRPC; 5105x Prometheus metrics of the services and the worker.
EXPOSE 8000 50051 50052 50053 50054 51051 51052 51053 51054 51055

# Default process: the gateway, exactly as the Procfile runs it (through sh for its ${VAR:-default}s;
# exec so gunicorn is PID 1 and receives SIGTERM). docker-compose.yml sets every other process's command.
CMD ["/bin/sh", "-c", "exec python -m gunicorn gateway_project.wsgi --config gateway_project/gunicorn.conf.py --bind ${MICROTIX_HTTP_HOST:-127.0.0.1}:${MICROTIX_HTTP_PORT:-8000} --worker-class gthread --threads ${GATEWAY_THREADS:-64} --graceful-timeout 10 --access-logfile -"]
