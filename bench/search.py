"""Message search latency over a large history: `python -m bench.search`.

Seeds `--messages` messages (default 100,000) into `--conversations` direct chats of one
user, straight into PostgreSQL (COPY), then times GET /api/v1/search/messages over HTTP on
one daphne node for a mix of queries (a common word, a rare one, two words, a phrase, an
exclusion) and prints p50/p99 per query and overall. The database must be a scratch one:
it is migrated and its chat tables are filled.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley_bench_search \\
        python -m bench.search --messages 100000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from bench.seed import setup_django

PROJECT = Path(__file__).resolve().parent.parent
WORDS = [
    "meeting",
    "lunch",
    "deploy",
    "release",
    "invoice",
    "holiday",
    "train",
    "ticket",
    "coffee",
    "budget",
    "design",
    "review",
    "server",
    "database",
    "weekend",
    "football",
    "concert",
    "report",
    "draft",
    "client",
    "contract",
    "photo",
    "birthday",
    "dinner",
    "flight",
    "hotel",
    "museum",
    "garden",
    "kitchen",
    "rain",
    "sunny",
    "market",
    "office",
    "project",
    "deadline",
]
RARE = "zeppelin"
QUERIES = ["deploy", RARE, "lunch meeting", '"coffee budget"', "hotel -flight"]


def seed(*, messages: int, conversations: int) -> str:
    """The searcher's access token, after filling the database."""
    from django.core.management import call_command
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from chat.actions import get_or_create_direct_conversation

    call_command("migrate", verbosity=0)
    searcher, _ = User.objects.get_or_create(username="searcher")
    peers = [User.objects.get_or_create(username=f"peer{n}")[0] for n in range(conversations)]
    chats = [get_or_create_direct_conversation(user=searcher, other_id=p.pk)[0] for p in peers]
    rng = random.Random(13)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM chat_message")
        have = cursor.fetchone()[0]
        rows = []
        for n in range(have, messages):
            words = rng.choices(WORDS, k=rng.randint(4, 16))
            if n % 5000 == 0:
                words.append(RARE)
            chat = chats[n % conversations]
            author = searcher.pk if n % 2 else peers[n % conversations].pk
            rows.append((chat.pk, author, " ".join(words), str(uuid.uuid4())))
        with cursor.copy(
            "COPY chat_message (conversation_id, author_id, body, client_id, created_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row((*row, "2026-01-01T00:00:00Z"))
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would gather
    return str(RefreshToken.for_user(searcher).access_token)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--requests", type=int, default=100, help="per query")
    parser.add_argument("--port", type=int, default=18999)
    args = parser.parse_args()
    database_url = os.environ["DATABASE_URL"]
    setup_django(database_url=database_url, redis_url="", secret_key="bench-search-" + "x" * 40)
    token = seed(messages=args.messages, conversations=args.conversations)
    env = dict(os.environ)  # as setup_django left it: this database, no Redis, DEBUG=0
    node = subprocess.Popen(
        [sys.executable, "-m", "config.daphne", "-p", str(args.port), "config.asgi:application"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{args.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        for _ in range(100):
            try:
                client.get("/health")
                break
            except httpx.TransportError:
                time.sleep(0.2)
        everything: list[float] = []
        print(f"{args.messages} messages, {args.conversations} chats, {args.requests} per query")
        for query in QUERIES:
            client.get("/api/v1/search/messages", params={"q": query})  # warm
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = client.get("/api/v1/search/messages", params={"q": query})
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
            hits = len(response.json()["results"])
            everything += times
            print(
                f"{query!r:>18}: p50 {statistics.median(times):6.1f} ms  "
                f"p99 {percentile(times, 0.99):6.1f} ms  ({hits} on page 1)"
            )
        print(
            f"{'all':>18}: p50 {statistics.median(everything):6.1f} ms  "
            f"p99 {percentile(everything, 0.99):6.1f} ms"
        )
    finally:
        node.terminate()
        node.wait(timeout=10)


if __name__ == "__main__":
    main()
