"""What other apps read about each recipient of a send, inside the send's own query.

A send's second statement updates the recipients' unread counts and returns one row per
recipient; apps downstream of chat (notifications) add select-list expressions to that
row here (over `u`, the recipient's `accounts_user` row, and the `%(conversation_id)s` and
`%(now)s` parameters), and get them back in the `message_sent` signal as `audience`. So the
fan-out needs no query of its own, and chat still imports none of those apps.
"""

from collections.abc import Callable

_providers: dict[str, Callable[[], dict[str, str]]] = {}


def add_recipient_columns(provider: Callable[[], dict[str, str]]) -> None:
    """Register a function returning `name -> SQL expression`; registering it again is a no-op.

    Column names must be unique across apps (prefix them with the app's letter).
    """
    _providers[f"{provider.__module__}.{provider.__qualname__}"] = provider


def recipient_columns() -> dict[str, str]:
    columns: dict[str, str] = {}
    for provider in _providers.values():
        for name, expression in provider().items():
            if name in columns:
                raise ValueError(f"recipient column {name!r} registered twice")
            columns[name] = expression
    return columns
