"""Test-wide set-up: make Home Assistant find NCC rather than the plugin's test package."""

from __future__ import annotations

import custom_components.ncc  # noqa: F401
