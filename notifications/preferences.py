"""Who wants what: default channels per type, effective preferences, quiet hours.

Defaults (a user's stored preferences override them per type and channel):
- in-app: every type except `message.delivered` and `message.read`, which would
  fire for every tick of every message (the chat UI shows ticks already);
- push: new messages, mentions, being added to / removed from a group, a group deleted;
- email: new messages, mentions and being added to a group (emails wait
  DELIVERY_EMAIL_DELAY_SECONDS and are skipped when read in-app meanwhile);
- sms: nothing (opt-in; needs a number).

Outbound channels hang off the in-app notification: turning a type off in-app
turns it off on every channel.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notifications.models import Channel, NotificationType

IN_APP = "in_app"
CHANNEL_KEYS = (IN_APP, Channel.EMAIL.value, Channel.PUSH.value, Channel.SMS.value)
OUTBOUND_CHANNELS = (Channel.EMAIL.value, Channel.PUSH.value, Channel.SMS.value)

T = NotificationType
_CHATTY = {T.MESSAGE_DELIVERED, T.MESSAGE_READ}
_PUSH = {
    T.MESSAGE_NEW, T.MESSAGE_MENTION, T.GROUP_INVITE, T.GROUP_MEMBER_REMOVED, T.GROUP_DELETED,
}  # fmt: skip
_EMAIL = {T.MESSAGE_NEW, T.MESSAGE_MENTION, T.GROUP_INVITE}

DEFAULT_CHANNELS: dict[str, dict[str, bool]] = {
    kind.value: {
        IN_APP: kind not in _CHATTY,
        Channel.EMAIL.value: kind in _EMAIL,
        Channel.PUSH.value: kind in _PUSH,
        Channel.SMS.value: False,
    }
    for kind in NotificationType
}


def merged_channels(overrides: dict[str, Any] | None) -> dict[str, dict[str, bool]]:
    """The full type-by-channel table: defaults with the stored overrides applied."""
    table = {kind: dict(channels) for kind, channels in DEFAULT_CHANNELS.items()}
    for kind, channels in (overrides or {}).items():
        if kind in table and isinstance(channels, dict):
            for channel, enabled in channels.items():
                if channel in table[kind] and isinstance(enabled, bool):
                    table[kind][channel] = enabled
    return table


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    time_zone: str

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(zone(self.time_zone)).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        # Across midnight, e.g. 22:00-07:00.
        return local >= self.start or local < self.end

    def end_after(self, moment: datetime) -> datetime:
        """When the quiet period containing `moment` ends (an aware datetime)."""
        tz = zone(self.time_zone)
        local = moment.astimezone(tz)
        end = datetime.combine(local.date(), self.end, tzinfo=tz)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=tz)
        return end


@dataclass(frozen=True)
class RecipientSettings:
    """One recipient's effective settings, as the fan-out and the sender need them."""

    user_id: int
    email: str = ""
    sms_number: str = ""
    channels: dict[str, dict[str, bool]] = field(default_factory=lambda: merged_channels(None))
    quiet_hours: QuietHours | None = None

    def wants(self, kind: str, channel: str) -> bool:
        return self.channels.get(kind, {}).get(channel, False)

    def outbound_due(self, due: datetime) -> datetime:
        """`due`, or the end of quiet hours when `due` falls inside them."""
        if self.quiet_hours is not None and self.quiet_hours.contains(due):
            return self.quiet_hours.end_after(due)
        return due


def settings_from_row(
    *,
    user_id: int,
    email: str,
    channels: dict | None,
    quiet_start: time | None,
    quiet_end: time | None,
    time_zone: str | None,
    sms_number: str | None,
) -> RecipientSettings:
    quiet = None
    if quiet_start is not None and quiet_end is not None:
        quiet = QuietHours(start=quiet_start, end=quiet_end, time_zone=time_zone or "UTC")
    return RecipientSettings(
        user_id=user_id,
        email=email or "",
        sms_number=sms_number or "",
        channels=merged_channels(channels),
        quiet_hours=quiet,
    )


def recipient_settings(user_ids: list[int]) -> dict[int, RecipientSettings]:
    """Effective settings of many users in one query (users LEFT JOIN preferences)."""
    from accounts.models import User

    rows = User.objects.filter(pk__in=user_ids, is_active=True).values_list(
        "pk",
        "email",
        "notification_preferences__channels",
        "notification_preferences__quiet_hours_start",
        "notification_preferences__quiet_hours_end",
        "notification_preferences__time_zone",
        "notification_preferences__sms_number",
    )
    return {
        row[0]: settings_from_row(
            user_id=row[0],
            email=row[1],
            channels=row[2],
            quiet_start=row[3],
            quiet_end=row[4],
            time_zone=row[5],
            sms_number=row[6],
        )
        for row in rows
    }
