"""The provider registry and the pure name tables in core/ids.py agree (the UI reads those without the providers)."""

from __future__ import annotations

from desktop_app.core.ids import PROVIDER_DISPLAY_NAMES, PROVIDER_NAMES, provider_display_name
from desktop_app.providers.registry import PROVIDERS


def test_every_provider_has_its_display_name_in_core() -> None:
    assert set(PROVIDERS) == set(PROVIDER_NAMES) == set(PROVIDER_DISPLAY_NAMES)
    for name, cls in PROVIDERS.items():
        assert cls.display_name == PROVIDER_DISPLAY_NAMES[name] == provider_display_name(name)


def test_an_unknown_provider_is_shown_by_its_own_name() -> None:
    assert provider_display_name("acmeprint") == "acmeprint"
