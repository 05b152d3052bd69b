"""Test-wide set-up: make Home Assistant find NCC rather than the plugin's test package."""

from __future__ import annotations

import logging

from hypothesis import settings

import custom_components.ncc  # noqa: F401

# The same examples on every run: a property test that passed on main passes in CI too. To hunt
# for new failures locally, run pytest with `--hypothesis-profile=default` (random examples).
settings.register_profile("ncc", derandomize=True, database=None, print_blob=True)
settings.load_profile("ncc")

# The HA test plugin turns SQLAlchemy's statement log on for the whole run; the recorder and the
# audit log then print every statement into the test output from their worker threads.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
