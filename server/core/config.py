"""The service's settings dependency.

Routes and start-up code ask for settings through :func:`get_settings` (the process-wide
cached object of :mod:`gradelab.settings`); tests override it with
``app.dependency_overrides[get_settings]``, and :func:`app_settings` resolves that
override for code that runs outside a request (start-up, workers).
"""

from __future__ import annotations

from fastapi import FastAPI

from gradelab.settings import Settings, get_settings

__all__ = ["Settings", "get_settings", "app_settings"]


def app_settings(app: FastAPI) -> Settings:
    """The settings ``app`` runs with: its override of ``get_settings`` when there is one."""
    provider = app.dependency_overrides.get(get_settings, get_settings)
    return provider()
