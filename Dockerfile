# authkeep's production image (docs/operations.md, "Deployment"; compose.yaml runs two of them).
# Configuration comes from AUTHKEEP_* variables (docs/configuration.md); nothing is baked in.
FROM python:3.11-slim

# pysaml2 signs and verifies SAML documents with Debian's xmlsec1.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends xmlsec1 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home authkeep \
    && mkdir -p /data/user-assets \
    && chown -R authkeep:authkeep /data

# Listen on every interface of the container; the data directory holds user assets (and a
# SQLite database only if AUTHKEEP_DATABASE_URL is not set).
ENV AUTHKEEP_HOST=0.0.0.0 \
    AUTHKEEP_PORT=3001 \
    AUTHKEEP_DATA_DIR=/data \
    AUTHKEEP_LOG_FORMAT=json

USER 10001:10001
WORKDIR /data
EXPOSE 3001

# Liveness: /api/status answers 204 while the process serves (readiness, with the database, is
# /api/status/ready). No curl in the slim image: Python's own client.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('AUTHKEEP_PORT', '3001'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status', timeout=4).status == 204 else 1)"]

CMD ["authkeep", "serve"]
