"""Seed users in conversation pairs into the database of DATABASE_URL; print them as JSON.

For fault tests whose nodes use a private database the test process is not connected to:
`python -m tests.reliability.seed_pairs COUNT PREFIX`.
"""

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from tests.multinode.conftest import make_pairs

    count, prefix = int(sys.argv[1]), sys.argv[2]
    pairs = make_pairs(count, prefix=prefix)
    print(
        json.dumps(
            [
                {
                    "conversation_id": pair.conversation_id,
                    "sender_token": pair.sender_token,
                    "recipient_token": pair.recipient_token,
                }
                for pair in pairs
            ]
        )
    )


if __name__ == "__main__":
    main()
