import json

from django.core.management.base import BaseCommand, CommandParser

from realtime import node_registry
from realtime.models import ChannelCounter, StoredEvent


class Command(BaseCommand):
    help = "Open streams per live node (from the shared cache) and the size of the event log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table")

    def handle(self, *args, **options) -> None:
        live = node_registry.live_nodes()
        summary = {
            "nodes": live,
            "total_streams": sum(state.get("open_streams", 0) for state in live),
            "stored_events": StoredEvent.objects.count(),
            "channels": ChannelCounter.objects.count(),
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        self.stdout.write(f"{'node':<30} {'streams':>8} {'uptime s':>10} {'draining':>9}")
        for state in live:
            self.stdout.write(
                f"{state['node']:<30} {state.get('open_streams', 0):>8} "
                f"{state.get('uptime_seconds', 0):>10} {state.get('draining', False)!s:>9}"
            )
        self.stdout.write(
            f"{len(live)} node(s), {summary['total_streams']} open stream(s); "
            f"event log: {summary['stored_events']} event(s) on {summary['channels']} channel(s)"
        )
