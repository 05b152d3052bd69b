"""Frigate configuration for a city's recording servers: the command line, the demo city and
documentation for cities. The generator itself ships inside the integration
(`custom_components/ncc/configgen`).

The generator and the domain it reads (`core`) never import Home Assistant, but the
integration's own package does. So that the command line runs on any Python with PyYAML and
Jinja2 (a city's workstation, an NVR), the integration's package is registered here as a bare
namespace when it is not loaded yet: its Home Assistant-free subpackages then import alone.
"""

from __future__ import annotations

from pathlib import Path
import sys
import types

_INTEGRATION = Path(__file__).resolve().parent.parent / "custom_components" / "ncc"

for _name, _path in (("custom_components", _INTEGRATION.parent), ("custom_components.ncc", _INTEGRATION)):
    if _name not in sys.modules:
        _package = types.ModuleType(_name)
        _package.__path__ = [str(_path)]
        sys.modules[_name] = _package
