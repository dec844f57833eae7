"""What other apps read inside chat's hot statements, so their fan-out needs no query.

- A send's second statement updates the recipients' unread counts and returns one row per
  recipient; apps downstream of chat (notifications) add select-list expressions to that row
  (`add_recipient_columns`: over `u`, the recipient's `accounts_user` row, and the
  `%(conversation_id)s` and `%(now)s` parameters) and get them back in the `message_sent`
  signal as `audience`.
- An ack's statement returns one row; `add_ack_columns` expressions are over the CTE `acked`
  (`id`, `author_id`: the messages it newly acknowledged), and come back in the
  `messages_delivered` / `messages_read` signals as `audience`.

Chat still imports none of those apps. The column maps are built once per process (they are
read by every send and ack), and again after a provider registers or a setting changes.
"""

import functools
from collections.abc import Callable

from django.core.signals import setting_changed

Provider = Callable[[], dict[str, str]]
_providers: dict[str, dict[str, Provider]] = {"recipient": {}, "ack": {}}


def add_recipient_columns(provider: Provider) -> None:
    """Register a function returning `name -> SQL expression`; registering it again is a no-op.

    Column names must be unique across apps (prefix them with the app's letter).
    """
    _providers["recipient"][f"{provider.__module__}.{provider.__qualname__}"] = provider
    _columns.cache_clear()


def add_ack_columns(provider: Provider) -> None:
    _providers["ack"][f"{provider.__module__}.{provider.__qualname__}"] = provider
    _columns.cache_clear()


@functools.cache
def _columns(kind: str) -> dict[str, str]:
    columns: dict[str, str] = {}
    for provider in _providers[kind].values():
        for name, expression in provider().items():
            if name in columns:
                raise ValueError(f"{kind} column {name!r} registered twice")
            columns[name] = expression
    return columns


def recipient_columns() -> dict[str, str]:
    """The registered recipient columns (shared: callers must not change the dict)."""
    return _columns("recipient")


def ack_columns() -> dict[str, str]:
    """The registered ack columns (shared: callers must not change the dict)."""
    return _columns("ack")


def _forget_columns(**kwargs) -> None:
    # Providers read settings (NOTIFICATION_EVENT_COUNT_CAP, say): override_settings in tests.
    _columns.cache_clear()


setting_changed.connect(_forget_columns, dispatch_uid="chat.audience.forget_columns")
