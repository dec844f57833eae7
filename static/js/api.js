// The JSON API (API.md) from the browser: session cookie + CSRF header, one error shape.

const BASE = "/api/v1";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiError extends Error {
  // status 0 means the request never got an answer (offline, connection refused).
  constructor(status, code, message, fields, retryAfterSeconds = 0) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || "";
    this.fields = fields || {};
    // A busy node's 503 (or a 429) says when to come back.
    this.retryAfterMs = 1000 * (Number(retryAfterSeconds) || 0);
  }

  get isNetwork() {
    return this.status === 0;
  }

  // Worth trying again later with the same request (never for a 4xx the server meant).
  get isTransient() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function goToLogin() {
  const next = encodeURIComponent(window.location.pathname);
  window.location.assign(`/login/?next=${next}`);
}

export async function request(method, path, body, { signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  if (!SAFE_METHODS.has(method)) {
    headers["X-CSRFToken"] = csrfToken();
  }
  let response;
  try {
    response = await fetch(path.startsWith("/") && !path.startsWith(BASE) ? BASE + path : path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") {
      throw error;
    }
    throw new ApiError(0, "network", "You appear to be offline.");
  }
  if (response.status === 204) {
    return null;
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (!response.ok) {
    const problem = (data && data.error) || {};
    if (response.status === 401 || problem.code === "not_authenticated") {
      goToLogin();
    }
    throw new ApiError(
      response.status,
      problem.code,
      problem.message,
      problem.fields,
      response.headers.get("Retry-After"),
    );
  }
  return data;
}

export const api = {
  get: (path, options) => request("GET", path, undefined, options),
  post: (path, body, options) => request("POST", path, body === undefined ? {} : body, options),
  patch: (path, body) => request("PATCH", path, body),
  put: (path, body) => request("PUT", path, body),
  delete: (path, body) => request("DELETE", path, body),
};

// A v4 UUID: crypto.randomUUID where the page is a secure context, else built by hand.
export function newClientId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
