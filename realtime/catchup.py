"""What a stream missed, as both reads of the event log (ORM and SQL, realtime.storage) give it."""

from django_eventstream.event import Event


class Catchup:
    """What a listener missed: events per channel, channels to reset, channels with more."""

    def __init__(self) -> None:
        self.events: dict[str, list[Event]] = {}
        self.resets: dict[str, int] = {}
        self.more: set[str] = set()


EventRow = tuple[int, str, str]  # seq, type, data


def moved(positions: dict[str, int], current: dict[str, int]) -> dict[str, int]:
    """The positions worth reading after: real ones that the channel's counter has passed."""
    return {c: position for c, position in positions.items() if 0 <= position < current.get(c, 0)}


def assemble_catchup(
    positions: dict[str, int],
    current: dict[str, int],
    rows: dict[str, list[EventRow]],
    *,
    limit: int,
) -> Catchup:
    """A Catchup from the counters and up to `limit + 1` rows after each moved channel's position.

    A channel whose next event is gone (purged past retention) or whose position is
    not a real one (ahead of the counter, negative) is reset to its current id.
    """
    catchup = Catchup()
    for channel, position in positions.items():
        last_id = current.get(channel, 0)
        if position == last_id:
            continue
        found = rows.get(channel, [])
        if position > last_id or position < 0 or not found or found[0][0] != position + 1:
            catchup.resets[channel] = last_id
            continue
        if len(found) > limit:
            found = found[:limit]
            catchup.more.add(channel)
        catchup.events[channel] = [Event(channel, kind, data, id=seq) for seq, kind, data in found]
    return catchup
