// Replying: "Reply" in a message's menu puts a quote bar above the composer; the sent
// message shows the quote above its bubble, and clicking a quote (or a search result)
// scrolls to the original, loading older pages until it is there.

import { loadOlder, openConversation } from "./controller.js";
import { $, h, toast } from "./dom.js";
import { state, subscribe, thread } from "./store.js";

let replyingTo = null; // {conversationId, message}

export function replyTarget(conversationId) {
  return replyingTo && replyingTo.conversationId === conversationId ? replyingTo.message : null;
}

function renderReplyBar() {
  const bar = $("reply-bar");
  const message = replyingTo && replyingTo.conversationId === state.openId ? replyingTo.message : null;
  bar.hidden = !message;
  if (!message) {
    return;
  }
  const author = message.author || {};
  $("reply-bar-text").replaceChildren(
    h("span", { className: "reply-author" }, `Replying to ${author.display_name || author.username}`),
    h("span", { className: "reply-body" }, message.body || "📎 Attachment"),
  );
}

export function startReply(message) {
  replyingTo = { conversationId: message.conversation_id, message };
  renderReplyBar();
  $("composer-input").focus();
}

export function cancelReply() {
  replyingTo = null;
  renderReplyBar();
}

function sleep(ms) {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

function messageNode(messageId) {
  return document.querySelector(`#message-list li[data-id="${messageId}"]`);
}

// Open the chat if needed, page back until the message is loaded, scroll it into view.
export async function jumpToMessage(conversationId, messageId) {
  if (state.openId !== conversationId) {
    await openConversation(conversationId);
  }
  const current = thread(conversationId);
  for (let waited = 0; !current.loaded && waited < 100; waited += 1) {
    await sleep(50);
  }
  while (!current.byId.has(messageId) && current.hasOlder) {
    if (!(await loadOlder(conversationId))) {
      await sleep(50);
    }
  }
  let node = null;
  for (let tries = 0; !node && tries < 40; tries += 1) {
    await sleep(25); // the thread draws on the next frame
    node = messageNode(messageId);
  }
  if (!node) {
    toast("That message is no longer there.");
    return false;
  }
  node.scrollIntoView({ block: "center" });
  node.classList.remove("flash");
  void node.offsetWidth; // restart the animation
  node.classList.add("flash");
  return true;
}

export function initReplies() {
  $("reply-cancel").addEventListener("click", () => {
    cancelReply();
    $("composer-input").focus();
  });
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Escape" && replyingTo) {
      cancelReply();
    }
  });
  subscribe((changed) => {
    if (changed.has("open")) {
      renderReplyBar();
    }
  });
}
