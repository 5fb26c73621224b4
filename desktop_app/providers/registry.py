"""Every provider by name: an explicit table, so PyInstaller sees each import."""

from __future__ import annotations

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import Account, Secret
from desktop_app.core.ratelimit import RateLimit, parse_rate_limit
from desktop_app.core.urls import validate_base_url
from desktop_app.providers.base import HttpProvider, ProviderConfig
from desktop_app.providers.encodingcom import EncodingComProvider
from desktop_app.providers.ipaper import IPaperProvider
from desktop_app.providers.pdfco import PdfCoProvider
from desktop_app.providers.scriptx import ScriptXProvider

PROVIDERS: dict[str, type[HttpProvider]] = {
    IPaperProvider.name: IPaperProvider,
    ScriptXProvider.name: ScriptXProvider,
    PdfCoProvider.name: PdfCoProvider,
    EncodingComProvider.name: EncodingComProvider,
}


def provider_class(name: str) -> type[HttpProvider]:
    try:
        return PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigError(f"provider {name!r} is not available (available: {known})") from None


def create_provider(account: Account, secret: Secret) -> HttpProvider:
    """A ready provider client for `account`, talking to its base URL or the provider's default."""
    cls = provider_class(account.provider)
    base_url = validate_base_url(account.base_url or cls.default_base_url)
    return cls(ProviderConfig(base_url=base_url, secret=secret, username=account.username or cls.default_username))


def account_rate_limit(account: Account) -> RateLimit:
    """The account's own limit if set, else the provider's documented default."""
    return parse_rate_limit(account.rate_limit or provider_class(account.provider).default_rate_limit)
