"""Demo data hooks: each app that has demo data for a store registers a seeder when it loads; ``seed_demo``
runs them, in registration order, inside each demo store's schema. Seeders must be safe to run again."""

from __future__ import annotations

from collections.abc import Callable

Seeder = Callable[..., None]
_SEEDERS: list[tuple[str, Seeder]] = []


def register_demo_seeder(name: str, seeder: Seeder) -> None:
    if all(existing != name for existing, _seeder in _SEEDERS):
        _SEEDERS.append((name, seeder))


def demo_seeders() -> list[tuple[str, Seeder]]:
    return list(_SEEDERS)
