// The live connection: EventSource on /events/, long-poll fallback, and back again.
//
// EventSource reconnects by itself and sends Last-Event-ID, so the server replays
// what was missed (on any node). After FAILURES_BEFORE_POLL errors without the
// stream opening, the client long-polls /api/v1/poll from the last event id, and
// tries the stream again every little while. Every transport hands events to one
// `onEvent(type, data)`; the app dedupes by message id, so a replay shows nothing twice.

import { ApiError, api } from "./api.js";

export const EVENT_TYPES = [
  "message.new",
  "message.reactions",
  "message.updated",
  "message.deleted",
  "message.delivered",
  "message.read",
  "group.invite",
  "group.member_added",
  "group.member_removed",
  "group.member_left",
  "group.role_updated",
  "group.updated",
  "group.deleted",
  "notification.new",
  "typing",
  "presence",
];

const FAILURES_BEFORE_POLL = 3;
const POLL_TIMEOUT_SECONDS = 25;
const SSE_RETRY_FIRST_MS = 10000; // while polling, try the stream again after this...
const SSE_RETRY_MAX_MS = 60000; // ...doubling up to this
const SSE_PROBE_MS = 8000; // a probe stream that has not opened by then counts as failed
const STALL_MS = 50000; // no byte (not even keep-alive, every 15 s) for this long: reconnect

export class RealtimeClient {
  constructor({ onEvent, onReset, onStateChange, onReconnected }) {
    this.onEvent = onEvent;
    this.onReset = onReset;
    this.onStateChange = onStateChange;
    this.onReconnected = onReconnected || (() => {});
    this.lastEventId = "";
    this.source = null;
    this.failures = 0;
    this.state = "connecting";
    this.transport = "sse";
    this.pollController = null;
    this.polling = false;
    this.sseRetryMs = SSE_RETRY_FIRST_MS;
    this.sseRetryTimer = null;
    this.stallTimer = null;
    this.everOpened = false;
    window.addEventListener("offline", () => this.goOffline());
    window.addEventListener("online", () => this.comeOnline());
  }

  start() {
    if (!navigator.onLine) {
      this.goOffline();
      return;
    }
    this.openStream();
  }

  setState(next) {
    if (this.state === next) {
      return;
    }
    this.state = next;
    document.documentElement.dataset.realtime = next;
    this.onStateChange(next);
  }

  // --- Server-Sent Events --------------------------------------------------------

  streamUrl() {
    // A new EventSource has no Last-Event-ID of its own: pass ours as the query.
    return this.lastEventId ? `/events/?lastEventId=${encodeURIComponent(this.lastEventId)}` : "/events/";
  }

  openStream({ probe = false } = {}) {
    this.closeStream();
    const source = new EventSource(this.streamUrl());
    this.source = source;
    let opened = false;
    let probeTimer = null;
    if (probe) {
      probeTimer = window.setTimeout(() => {
        if (!opened && this.source === source) {
          this.closeStream();
          this.scheduleStreamRetry();
        }
      }, SSE_PROBE_MS);
    }
    const handle = (type) => (event) => {
      if (this.source !== source) {
        return;
      }
      this.touch();
      if (event.lastEventId) {
        this.lastEventId = event.lastEventId;
      }
      this.dispatch(type, event.data);
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, handle(type));
    }
    source.addEventListener("stream-open", (event) => {
      if (this.source !== source) {
        return;
      }
      opened = true;
      window.clearTimeout(probeTimer);
      if (event.lastEventId) {
        this.lastEventId = event.lastEventId;
      }
      this.streamOpened();
    });
    source.addEventListener("keep-alive", () => this.source === source && this.touch());
    source.addEventListener("stream-reset", handle("stream-reset"));
    // The node is draining: the server closes the stream; EventSource comes back by itself.
    source.addEventListener("stream-reconnect", () => this.source === source && this.setState("reconnecting"));
    source.addEventListener("stream-error", () => this.source === source && this.setState("reconnecting"));
    source.onerror = () => {
      if (this.source !== source) {
        return;
      }
      window.clearTimeout(this.stallTimer);
      if (probe && !opened) {
        window.clearTimeout(probeTimer);
        this.closeStream();
        this.scheduleStreamRetry();
        return;
      }
      this.failures += 1;
      if (!navigator.onLine) {
        this.goOffline();
        return;
      }
      // CLOSED: the server refused (4xx/5xx), EventSource will not retry by itself.
      if (source.readyState === EventSource.CLOSED || this.failures >= FAILURES_BEFORE_POLL) {
        this.closeStream();
        this.startPolling();
        return;
      }
      this.setState("reconnecting");
    };
  }

  streamOpened() {
    const wasDown = this.everOpened && this.state !== "connected";
    this.everOpened = true;
    this.failures = 0;
    this.transport = "sse";
    this.sseRetryMs = SSE_RETRY_FIRST_MS;
    window.clearTimeout(this.sseRetryTimer);
    this.stopPolling();
    this.touch();
    this.setState("connected");
    if (wasDown) {
      this.onReconnected();
    }
  }

  touch() {
    window.clearTimeout(this.stallTimer);
    this.stallTimer = window.setTimeout(() => {
      // A silently dead connection (no keep-alive): start over from the last event id.
      if (this.source) {
        this.setState("reconnecting");
        this.openStream();
      }
    }, STALL_MS);
  }

  closeStream() {
    window.clearTimeout(this.stallTimer);
    if (this.source) {
      this.source.close();
      this.source = null;
    }
  }

  scheduleStreamRetry() {
    window.clearTimeout(this.sseRetryTimer);
    const wait = this.sseRetryMs;
    this.sseRetryMs = Math.min(this.sseRetryMs * 2, SSE_RETRY_MAX_MS);
    this.sseRetryTimer = window.setTimeout(() => {
      if (this.polling && navigator.onLine) {
        this.openStream({ probe: true });
      }
    }, wait);
  }

  // --- long-poll fallback -------------------------------------------------------------

  startPolling() {
    if (this.polling) {
      return;
    }
    this.polling = true;
    this.transport = "poll";
    document.documentElement.dataset.transport = "poll";
    this.scheduleStreamRetry();
    this.pollLoop();
  }

  stopPolling() {
    this.polling = false;
    document.documentElement.dataset.transport = "sse";
    if (this.pollController) {
      this.pollController.abort();
      this.pollController = null;
    }
  }

  async pollLoop() {
    let backoff = 1000;
    while (this.polling) {
      this.pollController = new AbortController();
      const query = new URLSearchParams({ timeout: String(POLL_TIMEOUT_SECONDS) });
      if (this.lastEventId) {
        query.set("last_event_id", this.lastEventId);
      }
      try {
        const body = await api.get(`/poll?${query}`, { signal: this.pollController.signal });
        if (!this.polling) {
          return;
        }
        const wasDown = this.state !== "connected";
        this.setState("connected");
        if (wasDown && this.everOpened) {
          this.onReconnected();
        }
        this.everOpened = true;
        backoff = 1000;
        for (const item of body.events || []) {
          this.dispatch(item.event, item.data, true);
        }
        if (body.last_event_id) {
          this.lastEventId = body.last_event_id;
        }
      } catch (error) {
        if (error.name === "AbortError" || !this.polling) {
          return;
        }
        this.setState(navigator.onLine ? "reconnecting" : "offline");
        const retryIn = error instanceof ApiError && error.status === 400 ? 0 : backoff;
        if (error instanceof ApiError && error.status === 400) {
          this.lastEventId = ""; // an id the server cannot read: start from now, refetch
          this.onReset();
        }
        await new Promise((resolve) => window.setTimeout(resolve, retryIn));
        backoff = Math.min(backoff * 2, 15000);
      }
    }
  }

  // --- online / offline ------------------------------------------------------------------

  goOffline() {
    this.closeStream();
    this.stopPolling();
    window.clearTimeout(this.sseRetryTimer);
    this.setState("offline");
  }

  comeOnline() {
    this.failures = 0;
    this.sseRetryMs = SSE_RETRY_FIRST_MS;
    this.setState("reconnecting");
    this.openStream();
  }

  dispatch(type, raw, parsed = false) {
    if (type === "stream-reset") {
      this.onReset();
      return;
    }
    let data = raw;
    if (!parsed) {
      try {
        data = raw ? JSON.parse(raw) : null;
      } catch (error) {
        return;
      }
    }
    try {
      this.onEvent(type, data);
    } catch (error) {
      // One bad event must not stop the stream for the others.
      console.error("event handler failed", type, error);
    }
  }
}
