# llm-gateway container image: multi-stage, non-root, no build tools in the final image.
#
#   docker build -t llm-gateway .
#   docker run -p 8000:8000 -e LLMGW_DATABASE_URL=... -e LLMGW_REDIS_URL=... llm-gateway
#
# The code sandbox (the agent's code_executor tool) runs bubblewrap, which needs user
# namespaces: run the container with `--security-opt seccomp=unconfined` (or a profile that
# allows clone/unshare with CLONE_NEWUSER) and without `no-new-privileges`, or switch the tool
# off with LLMGW_TOOLS__CODE_EXECUTOR_MODE=disabled. docs/DEPLOYMENT.md has the details.

ARG PYTHON_VERSION=3.11

# ---- build: resolve and install the pinned dependencies into a virtualenv ----------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY src ./src
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install -c requirements.lock .

# ---- runtime: the virtualenv, the registry, the migrations; nothing to compile with -------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid gateway --home-dir /app --shell /usr/sbin/nologin gateway
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY config ./config
COPY alembic ./alembic
COPY alembic.ini ./
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LLMGW_ENVIRONMENT=production \
    LLMGW_SERVER__HOST=0.0.0.0 \
    LLMGW_SERVER__PORT=8000 \
    LLMGW_PROVIDERS__MODELS_FILE=/app/config/models.yaml \
    LLMGW_DATABASE__ALEMBIC_DIR=/app/alembic \
    LLMGW_PROVIDERS__DEMO_UPSTREAM=false \
    LLMGW_TOOLS__CODE_EXECUTOR_PYTHON=/usr/local/bin/python3
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["tini", "--", "llm-gateway"]
CMD ["serve"]
