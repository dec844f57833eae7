// What a message carries besides its words, drawn inside its bubble: the quote it replies
// to, highlighted @mentions, images and file cards, and the reaction bar under it.
// Every piece of user text goes in through text nodes (dom.js h/linkify), never as HTML.

import { jumpToMessage } from "./replies.js";
import { reactionBar } from "./reactions.js";
import { h, linkify } from "./dom.js";
import { state } from "./store.js";

const MENTION = /(^|[^\w@.+-])@([\w.+-]*[\w+-])/gu;

// Everything drawn from the extras, for the thread's redraw check.
export function extrasSignature(message) {
  return JSON.stringify([message.reply_to, message.mentions, message.reactions, message.attachments, message.uploads]);
}

function memberNames(conversation) {
  const names = new Map();
  for (const member of conversation.members || []) {
    names.set(member.user.username.toLowerCase(), member.user);
  }
  if (conversation.peer) {
    names.set(conversation.peer.username.toLowerCase(), conversation.peer);
  }
  if (state.me) {
    names.set(state.me.username.toLowerCase(), state.me);
  }
  return names;
}

// The body with links, and @names of mentioned members in a highlight (mine stronger).
export function bodyWithMentions(message, conversation) {
  const text = message.body || "";
  const mentioned = new Set(message.mentions || []);
  if (!mentioned.size) {
    return linkify(text);
  }
  const names = memberNames(conversation);
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    const user = names.get(match[2].toLowerCase());
    if (!user || !mentioned.has(user.id)) {
      continue;
    }
    const start = match.index + match[1].length;
    fragment.appendChild(linkify(text.slice(last, start)));
    const mine = state.me && user.id === state.me.id;
    fragment.appendChild(h("span", { className: `mention${mine ? " mention-me" : ""}`, title: user.display_name || user.username }, `@${match[2]}`));
    last = start + match[2].length + 1;
  }
  fragment.appendChild(linkify(text.slice(last)));
  return fragment;
}

export function quoteBlock(message) {
  const quote = message.reply_to;
  if (!quote) {
    return null;
  }
  const author = quote.author || {};
  return h(
    "button",
    {
      type: "button",
      className: "reply-quote",
      title: "Show the original message",
      dataset: { replyTo: String(quote.id) },
      onclick: () => jumpToMessage(message.conversation_id, quote.id),
    },
    h("span", { className: "reply-author" }, author.display_name || author.username || ""),
    h("span", { className: "reply-body" }, quote.is_deleted ? "Deleted message" : quote.body || "📎 Attachment"),
  );
}

export function formatSize(bytes) {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  if (bytes < 1024 * 1024) {
    return `${(bytes / 1024).toFixed(1)} KB`;
  }
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function attachmentItem(attachment) {
  if (attachment.thumbnail_url) {
    return h(
      "a",
      { className: "attachment-image", href: attachment.url, target: "_blank", rel: "noopener", title: attachment.name },
      h("img", {
        src: attachment.thumbnail_url,
        alt: attachment.name,
        loading: "lazy",
        width: attachment.width ? Math.min(attachment.width, 320) : null,
      }),
    );
  }
  return h(
    "a",
    { className: "file-card", href: attachment.url, download: attachment.name, title: `Download ${attachment.name}` },
    h("span", { className: "file-icon", "aria-hidden": "true" }, "📄"),
    h("span", { className: "file-text" }, h("span", { className: "file-name" }, attachment.name), h("span", { className: "file-size" }, `${formatSize(attachment.size)} · ${attachment.content_type}`)),
  );
}

// Sent files from the server, or (while sending) the local previews of the uploads.
export function attachmentsBlock(message) {
  const sent = message.attachments || [];
  const local = message.uploads || [];
  if (!sent.length && !local.length) {
    return null;
  }
  const items = sent.length
    ? sent.map(attachmentItem)
    : local.map((upload) =>
        upload.preview ? h("span", { className: "attachment-image pending" }, h("img", { src: upload.preview, alt: upload.name })) : h("span", { className: "file-card pending" }, h("span", { className: "file-name" }, upload.name)),
      );
  return h("div", { className: "attachments" }, items);
}

export function reactionsBlock(message) {
  return message.id && !message.is_deleted && (message.reactions || []).length ? reactionBar(message) : null;
}
