# The seller center's production image: gunicorn for web; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app

COPY requirements.lock package.json package-lock.json ./
RUN pip install --no-cache-dir -r requirements.lock && npm ci --no-audit --no-fund --loglevel=error

COPY . .
RUN python -m sellercenter.translations \
    && DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v 0

RUN useradd --create-home --uid 10001 seller && mkdir -p /app/.data/media && chown -R seller /app/.data
USER seller
EXPOSE 8000
CMD ["gunicorn", "sellercenter.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-"]
