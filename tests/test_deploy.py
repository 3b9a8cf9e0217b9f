"""Production settings: `check --deploy` is clean, debug is off by default, secrets come from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items()
             if key not in {"DJANGO_DEBUG", "SELLERCENTER_TESTING", "DJANGO_SECRET_KEY"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING",
                     DJANGO_SECRET_KEY="a-long-random-production-key-" + "k" * 40,
                     DJANGO_ALLOWED_HOSTS="seller.example")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_the_environment_turns_it_on() -> None:
    code = "from django.conf import settings; print(settings.DEBUG)"
    result = _manage("shell", "-c", code, DJANGO_SECRET_KEY="x" * 60)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_models_and_migrations_agree() -> None:
    result = _manage("makemigrations", "--check", "--dry-run", SELLERCENTER_TESTING="1")
    assert result.returncode == 0, result.stdout + result.stderr
