# syntax=docker/dockerfile:1

FROM python:3.12-slim AS build
WORKDIR /src
RUN python -m venv /opt/glifbot
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN /opt/glifbot/bin/pip install --no-cache-dir .

FROM python:3.12-slim
RUN useradd --create-home --uid 10001 glifbot \
    && mkdir /data && chown glifbot:glifbot /data
COPY --from=build /opt/glifbot /opt/glifbot
ENV PATH=/opt/glifbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/glifbot.sqlite3 \
    HTTP_PORT=8080
USER glifbot
WORKDIR /home/glifbot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('HTTP_PORT', '8080')}/healthz\", timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "bot"]
