# socialdesk: `serve` by default. Build: docker build -t socialdesk .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY playbooks ./playbooks
RUN pip install --no-cache-dir --upgrade pip \
 && pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/socialdesk.db \
    SOCIALDESK_CONFIG=/app/socialdesk.yaml \
    SOCIALDESK_PLAYBOOKS=/app/playbooks
RUN useradd --create-home --uid 10001 socialdesk && mkdir -p /data /app && chown socialdesk /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
# The starter config and the playbooks come out of the wheel (package data); mount your own over them.
RUN socialdesk init /app
USER socialdesk
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=2).status == 200 else 1)"
ENTRYPOINT ["socialdesk"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
