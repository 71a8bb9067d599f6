# The refresh service behind the Google Sheets menu (docs/service.md):
#     docker build -t sheets-funnel .
#     docker run -e SHEETS_FUNNEL_SECRET=... -e SHEETS_FUNNEL_ALLOW=SPREADSHEET_ID -p 8080:8080 sheets-funnel
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY . /tmp/sheets-funnel
RUN pip install "/tmp/sheets-funnel[server,google]" && rm -rf /tmp/sheets-funnel \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin funnel

USER funnel
WORKDIR /home/funnel
# Cloud Run sets PORT; the lock folder of Google Sheets is the container's own
ENV PORT=8080 \
    SHEETS_FUNNEL_LOCK_DIR=/tmp/sheets-funnel-locks
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8080'), timeout=4)"]

# SHEETS_FUNNEL_SECRET and SHEETS_FUNNEL_ALLOW (or a --config file) are required at run time
CMD ["sh", "-c", "exec sheets-funnel serve --host 0.0.0.0 --port \"${PORT}\" ${SHEETS_FUNNEL_CONFIG:+--config \"$SHEETS_FUNNEL_CONFIG\"}"]
