// Files in the composer: the attach button, drag and drop onto the chat, pasting images.
// Each file uploads at once (POST .../attachments, with a progress bar) and waits in the
// tray, with a preview for images, until the message is sent with its attachment_ids.

import { csrfToken } from "./api.js";
import { formatSize } from "./extras.js";
import { $, h, toast } from "./dom.js";
import { state, subscribe } from "./store.js";

const IMAGE = /^image\/(png|jpeg|gif|webp)$/;
let uploads = []; // {key, conversationId, name, size, preview, progress, id, error, request}
let nextKey = 0;

function forOpenConversation() {
  return uploads.filter((upload) => upload.conversationId === state.openId);
}

export function readyUploads() {
  return forOpenConversation().filter((upload) => upload.id);
}

export function uploadsBusy() {
  return forOpenConversation().some((upload) => !upload.id && !upload.error);
}

export function takeUploads() {
  const ready = readyUploads();
  uploads = uploads.filter((upload) => !ready.includes(upload));
  render();
  return ready;
}

function remove(upload) {
  if (upload.request && !upload.id) {
    upload.request.abort();
  }
  uploads = uploads.filter((item) => item !== upload);
  render();
}

function render() {
  const tray = $("attachment-tray");
  const items = forOpenConversation();
  tray.hidden = !items.length;
  tray.replaceChildren(
    ...items.map((upload) =>
      h(
        "div",
        { className: `upload${upload.error ? " failed" : ""}${upload.id ? " ready" : ""}`, dataset: { name: upload.name } },
        upload.preview ? h("img", { className: "upload-preview", src: upload.preview, alt: "" }) : h("span", { className: "file-icon", "aria-hidden": "true" }, "📄"),
        h(
          "span",
          { className: "upload-text" },
          h("span", { className: "file-name" }, upload.name),
          h("span", { className: "file-size" }, upload.error || (upload.id ? formatSize(upload.size) : `Uploading… ${upload.progress}%`)),
          upload.id || upload.error ? null : h("progress", { className: "upload-progress", max: "100", value: String(upload.progress), "aria-label": `Uploading ${upload.name}` }),
        ),
        h("button", { type: "button", className: "icon-button upload-remove", "aria-label": `Remove ${upload.name}`, onclick: () => remove(upload) }, "×"),
      ),
    ),
  );
}

function readPreview(file, upload) {
  if (!IMAGE.test(file.type) || file.size > 8 * 1024 * 1024) {
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    upload.preview = reader.result; // a data: URL (the page's CSP allows those for images)
    render();
  };
  reader.readAsDataURL(file);
}

// XMLHttpRequest, not fetch: only it reports upload progress.
function send(file, upload) {
  const request = new XMLHttpRequest();
  upload.request = request;
  request.open("POST", `/api/v1/conversations/${upload.conversationId}/attachments`);
  request.setRequestHeader("X-CSRFToken", csrfToken());
  request.setRequestHeader("Accept", "application/json");
  request.upload.onprogress = (event) => {
    if (event.lengthComputable) {
      upload.progress = Math.round((event.loaded / event.total) * 100);
      render();
    }
  };
  request.onload = () => {
    let body = null;
    try {
      body = JSON.parse(request.responseText);
    } catch (error) {
      body = null;
    }
    if (request.status === 201 && body) {
      Object.assign(upload, { id: body.id, attachment: body, progress: 100 });
    } else {
      upload.error = (body && body.error && body.error.message) || `Upload failed (${request.status}).`;
      toast(`${upload.name}: ${upload.error}`, { kind: "error" });
    }
    render();
  };
  request.onerror = () => {
    upload.error = "Upload failed: offline?";
    render();
  };
  const form = new FormData();
  form.append("file", file, file.name);
  request.send(form);
}

export function addFiles(files) {
  if (state.openId === null) {
    return;
  }
  for (const file of files) {
    const upload = { key: ++nextKey, conversationId: state.openId, name: file.name || "pasted image", size: file.size, preview: null, progress: 0, id: null, error: null };
    uploads.push(upload);
    readPreview(file, upload);
    send(file, upload);
  }
  render();
}

export function initAttachments() {
  const picker = $("attachment-input");
  $("attach-button").addEventListener("click", () => picker.click());
  picker.addEventListener("change", () => {
    addFiles(Array.from(picker.files || []));
    picker.value = "";
  });
  const pane = $("conversation");
  pane.addEventListener("dragover", (event) => {
    if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) {
      event.preventDefault();
      pane.classList.add("drop-target");
    }
  });
  pane.addEventListener("dragleave", (event) => {
    if (!pane.contains(event.relatedTarget)) {
      pane.classList.remove("drop-target");
    }
  });
  pane.addEventListener("drop", (event) => {
    pane.classList.remove("drop-target");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      event.preventDefault();
      addFiles(Array.from(event.dataTransfer.files));
    }
  });
  $("composer-input").addEventListener("paste", (event) => {
    const files = Array.from((event.clipboardData && event.clipboardData.files) || []);
    if (files.length) {
      event.preventDefault();
      addFiles(files);
    }
  });
  subscribe((changed) => {
    if (changed.has("open")) {
      render();
    }
  });
}
