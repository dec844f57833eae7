"""What other apps read inside chat's hot statements, so their fan-out needs no query.

- A send's second statement updates the recipients' unread counts and returns one row per
  recipient; apps downstream of chat (notifications) add select-list expressions to that row
  (`add_recipient_columns`: over `u`, the recipient's `accounts_user` row, and the
  `%(conversation_id)s` and `%(now)s` parameters) and get them back in the `message_sent`
  signal as `audience`.
- An ack's statement returns one row; `add_ack_columns` expressions are over the CTE `acked`
  (`id`, `author_id`: the messages it newly acknowledged), and come back in the
  `messages_delivered` / `messages_read` signals as `audience`.

Chat still imports none of those apps.
"""

from collections.abc import Callable

Provider = Callable[[], dict[str, str]]
_providers: dict[str, dict[str, Provider]] = {"recipient": {}, "ack": {}}


def add_recipient_columns(provider: Provider) -> None:
    """Register a function returning `name -> SQL expression`; registering it again is a no-op.

    Column names must be unique across apps (prefix them with the app's letter).
    """
    _providers["recipient"][f"{provider.__module__}.{provider.__qualname__}"] = provider


def add_ack_columns(provider: Provider) -> None:
    _providers["ack"][f"{provider.__module__}.{provider.__qualname__}"] = provider


def _columns(kind: str) -> dict[str, str]:
    columns: dict[str, str] = {}
    for provider in _providers[kind].values():
        for name, expression in provider().items():
            if name in columns:
                raise ValueError(f"{kind} column {name!r} registered twice")
            columns[name] = expression
    return columns


def recipient_columns() -> dict[str, str]:
    return _columns("recipient")


def ack_columns() -> dict[str, str]:
    return _columns("ack")
