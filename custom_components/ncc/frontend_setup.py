"""Serves NCC's dashboard strategy and cards, and the permission-checked camera views.

The modules in `frontend/` are plain ES modules importing each other by relative URL. They are
served under a path that contains a hash of their contents, so browsers may cache them for
good and still load a new release at once.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .camera_views import (
    CameraLiveTokenView,
    CameraLiveView,
    CameraSnapshotView,
    CameraStillTokenView,
)

_LOGGER = logging.getLogger(__name__)

FRONTEND_DIR = Path(__file__).parent / "frontend"
URL_ROOT = "/ncc_frontend"
# the strategy imports every card, so one module on every page defines them all
ENTRY_MODULE = "ncc-strategy.js"
# the URL the modules are served under, once registered
DATA_FRONTEND_URL: HassKey[str] = HassKey("ncc_frontend_url")


def frontend_version(directory: Path = FRONTEND_DIR) -> str:
    """A short hash of the modules' names and contents."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.js")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


async def async_setup_frontend(hass: HomeAssistant) -> str:
    """Register the modules, the camera views and the entry module; returns the modules' URL."""
    if (registered := hass.data.get(DATA_FRONTEND_URL)) is not None:
        return registered
    version = await hass.async_add_executor_job(frontend_version, FRONTEND_DIR)
    base = f"{URL_ROOT}/{version}"
    await hass.http.async_register_static_paths(
        [StaticPathConfig(base, str(FRONTEND_DIR), cache_headers=True)]
    )
    for view in (CameraSnapshotView(), CameraLiveView(), CameraStillTokenView(), CameraLiveTokenView()):
        hass.http.register_view(view)
    hass.data[DATA_FRONTEND_URL] = base
    if "frontend" in hass.config.components:
        add_extra_js_url(hass, f"{base}/{ENTRY_MODULE}")
    else:
        _LOGGER.debug("The frontend is not loaded: NCC's dashboard modules are served but not added")
    return base
