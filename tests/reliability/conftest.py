# The real-time tests' users and topics, shared with the fault tests.
from tests.realtime.conftest import news_topic, publisher_key, stream_users  # noqa: F401
