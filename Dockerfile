# showbot: a slim Python image, a non-root user, the database in a volume.
#   docker build -t showbot .
#   docker run -d --name showbot -v showbot-data:/data -e TELEGRAM_TOKEN=... -e DISCORD_TOKEN=... showbot
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY feeds ./feeds
COPY storage ./storage
RUN python -m venv /opt/showbot && /opt/showbot/bin/pip install .

FROM python:3.12-slim
ENV PATH=/opt/showbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SHOWBOT_DB=/data/showbot.db \
    SHOWBOT_WEB=0.0.0.0:8080
RUN groupadd --system showbot && useradd --system --gid showbot --home-dir /data --shell /usr/sbin/nologin showbot \
    && mkdir -p /data && chown showbot:showbot /data
COPY --from=build /opt/showbot /opt/showbot
USER showbot
WORKDIR /data
VOLUME ["/data"]
# SIGTERM lets showbot finish the send in flight, leave the rest pending in the outbox and close the db.
STOPSIGNAL SIGTERM
# The web server (panel, /healthz, /metrics, WebSub callbacks); publish it behind a TLS proxy and set
# SHOWBOT_PUBLIC_URL to the address users reach (see the README's "Web" section).
EXPOSE 8080
# /healthz: the database answers, every loop runs, some feed was fetched lately (see bot/health.py).
HEALTHCHECK --interval=1m --timeout=10s --start-period=2m --retries=3 CMD ["showbot", "health"]
ENTRYPOINT ["showbot"]
CMD ["run"]
