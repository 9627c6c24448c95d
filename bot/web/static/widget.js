/*
 * shopbot web widget: a chat launcher and panel that talks to the shopbot
 * Rasa channel over one websocket (protocol v1, bot/chat/PROTOCOL.md).
 *
 * Embed:
 *   <script src="https://HOST/webhooks/shopbot/static/widget.js"></script>
 *   <script>
 *     ShopbotWidget.init({socketUrl: "wss://HOST/webhooks/shopbot/ws", title: "Acme support"});
 *   </script>
 *
 * Plain modern JavaScript, no build step, no network use besides the socket and
 * widget.css (loaded from next to this script). The UI lives in an open shadow
 * root so the shop's own CSS cannot restyle it and ids cannot clash.
 */
(function () {
  "use strict";

  // Read while the script runs: document.currentScript is null once init() is called later.
  const SCRIPT_URL = document.currentScript ? document.currentScript.src : "";

  const PROTOCOL_VERSION = 1;
  const MAX_TEXT_CHARS = 10000;
  const MAX_COMMENT_CHARS = 1000;
  const BACKOFF_BASE_MS = 500;
  const BACKOFF_CAP_MS = 30000;
  const PING_EVERY_MS = 25000;
  // No frame at all for this long means the connection is dead even if the socket says open.
  const SILENCE_LIMIT_MS = 2 * PING_EVERY_MS + 10000;
  const TYPING_IDLE_MS = 3000;
  // A lost "typing off" must not leave the indicator on forever.
  const TYPING_SHOWN_MAX_MS = 20000;
  const BACK_TO_BOT_BANNER_MS = 8000;

  const DEFAULTS = Object.freeze({
    socketUrl: null,
    token: null,
    // Called before every hello when set: () => token | null | Promise of either.
    getToken: null,
    title: "Chat with us",
    botName: "shopbot",
    storageKey: "shopbot",
    cssUrl: null,
    container: null,
  });

  // Polite wording for server error codes; anything else gets GENERIC_ERROR.
  const ERROR_TEXT = Object.freeze({
    token_invalid: "You're chatting as a guest.",
    session_forbidden: "We started a new conversation for you.",
    too_large: "That message is too long to send. Please shorten it.",
    store_unavailable:
      "We can't reach your account details right now. Please try again in a moment.",
    internal: "Sorry, something went wrong on our side. Please try again.",
  });
  const GENERIC_ERROR = "Sorry, that didn't go through. Please try again.";

  /* ---------------------------------------------------------------- helpers */

  /** Backoff before reconnect attempt `attempt` (0-based): exponential, capped, half jittered. */
  function backoffDelay(attempt, random) {
    const rand = random || Math.random;
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
    // "Equal jitter": never reconnect instantly, but spread many clients apart after an outage.
    return Math.round(ceiling / 2 + rand() * (ceiling / 2));
  }

  /** A client message id: a UUID where the browser has one, else 32 random hex digits. */
  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    }
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** What the status banner says for a handoff state object (PROTOCOL.md), "" for none. */
  function handoffText(state, botName) {
    if (!state) return "";
    const agent = state.agent_name || "A support agent";
    switch (state.state) {
      case "queued":
        if (state.position === 1) return "Connecting you to a support agent. You're next in line.";
        if (Number.isInteger(state.position)) {
          return `Connecting you to a support agent. You're number ${state.position} in the queue.`;
        }
        return "Connecting you to a support agent…";
      case "agent_joined":
        return `${agent} from our support team has joined the chat.`;
      case "agent_left":
        return `${agent} has left the chat.`;
      case "back_to_bot":
        return `You're chatting with ${botName} again.`;
      default:
        return "";
    }
  }

  /** Create an element: attrs sets attributes (text/className/hidden handled specially). */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key === "hidden") node.hidden = true;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children || []) {
      if (child) node.append(child);
    }
    return node;
  }

  const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;

  /** Text with http(s) links made clickable, built from text nodes only (never innerHTML). */
  function linkified(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      // Sentence punctuation right after a link is not part of it.
      const url = match[0].replace(/[.,;:!?)\]]+$/, "");
      fragment.append(text.slice(last, match.index));
      fragment.append(
        el("a", {href: url, target: "_blank", rel: "noopener noreferrer", text: url}),
      );
      last = match.index + url.length;
    }
    fragment.append(text.slice(last));
    return fragment;
  }

  /** Only http(s) and same-document relative image URLs are shown. */
  function safeImageUrl(url) {
    if (typeof url !== "string" || !url) return null;
    try {
      const parsed = new URL(url, document.baseURI);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  /** The stylesheet next to this script (or derived from the socket URL when inlined). */
  function stylesheetUrl(config) {
    if (config.cssUrl) return config.cssUrl;
    if (SCRIPT_URL) return new URL("widget.css", SCRIPT_URL).href;
    const socket = new URL(config.socketUrl);
    socket.protocol = socket.protocol === "wss:" ? "https:" : "http:";
    return new URL("static/widget.css", socket.href.replace(/\/ws\/?$/, "/")).href;
  }

  /** localStorage that quietly does nothing where storage is blocked (private modes, iframes). */
  const storage = {
    get(key) {
      try {
        return window.localStorage.getItem(key);
      } catch (error) {
        return null;
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(key, value);
      } catch (error) {
        /* the conversation just won't survive a reload */
      }
    },
    remove(key) {
      try {
        window.localStorage.removeItem(key);
      } catch (error) {
        /* nothing stored */
      }
    },
  };

  /** Check and complete the embedder's config; throws TypeError naming the bad field. */
  function normaliseConfig(config) {
    if (!config || typeof config !== "object") {
      throw new TypeError("ShopbotWidget.init needs a config object, e.g. {socketUrl: \"wss://…/webhooks/shopbot/ws\"}.");
    }
    const merged = Object.assign({}, DEFAULTS, config);
    let url;
    try {
      url = new URL(merged.socketUrl);
    } catch (error) {
      throw new TypeError(`ShopbotWidget: socketUrl '${merged.socketUrl}' is not a URL; use e.g. "wss://shop.example.com/webhooks/shopbot/ws".`);
    }
    if (url.protocol !== "ws:" && url.protocol !== "wss:") {
      throw new TypeError(`ShopbotWidget: socketUrl '${merged.socketUrl}' must start with ws:// or wss://.`);
    }
    if (merged.token !== null && typeof merged.token !== "string") {
      throw new TypeError("ShopbotWidget: token must be the shop-signed token string or null.");
    }
    if (merged.getToken !== null && typeof merged.getToken !== "function") {
      throw new TypeError("ShopbotWidget: getToken must be a function returning a token (or a Promise of one).");
    }
    if (typeof merged.storageKey !== "string" || !merged.storageKey) {
      throw new TypeError("ShopbotWidget: storageKey must be a non-empty string.");
    }
    merged.title = String(merged.title);
    merged.botName = String(merged.botName);
    return merged;
  }

  /* --------------------------------------------------------------- the view */

  /** Build the widget's DOM inside `shadow`; returns the elements the widget updates. */
  function buildView(shadow, config, cssUrl) {
    const ui = {};
    ui.stylesheet = el("link", {rel: "stylesheet", href: cssUrl});
    ui.launcher = el("button", {
      type: "button",
      className: "sb-launcher",
      "data-testid": "shopbot-launcher",
      "aria-expanded": "false",
      "aria-controls": "sb-panel",
      "aria-label": `Open chat: ${config.title}`,
    });
    ui.launcher.append(chatIcon());
    ui.unread = el("span", {className: "sb-unread", "aria-hidden": "true", hidden: true});
    ui.launcher.append(ui.unread);

    ui.title = el("h2", {className: "sb-title", id: "sb-title", text: config.title});
    ui.identity = el("p", {className: "sb-identity", hidden: true});
    ui.end = el("button", {type: "button", className: "sb-end", "data-testid": "shopbot-end", text: "End chat"});
    ui.close = el("button", {type: "button", className: "sb-close", "aria-label": "Close chat", text: "×"});
    const header = el("header", {className: "sb-header"}, [
      el("div", {className: "sb-heading"}, [ui.title, ui.identity]),
      ui.end,
      ui.close,
    ]);

    ui.status = el("div", {className: "sb-status", "data-testid": "shopbot-status", role: "status", hidden: true});
    ui.messages = el("div", {
      className: "sb-messages",
      role: "log",
      "aria-live": "polite",
      "aria-label": "Conversation",
      tabindex: "0",
    });
    ui.typing = el("div", {className: "sb-typing", "data-testid": "shopbot-typing", hidden: true}, [
      el("span", {className: "sb-dots", "aria-hidden": "true"}, [el("span"), el("span"), el("span")]),
      el("span", {className: "sb-typing-text"}),
    ]);

    ui.input = el("textarea", {
      className: "sb-input",
      id: "sb-input",
      "data-testid": "shopbot-input",
      rows: "1",
      maxlength: String(MAX_TEXT_CHARS),
      placeholder: "Type your message…",
      autocomplete: "off",
    });
    ui.send = el("button", {type: "submit", className: "sb-send", "data-testid": "shopbot-send", text: "Send"});
    ui.composer = el("form", {className: "sb-composer"}, [
      el("label", {className: "sb-visually-hidden", for: "sb-input", text: "Your message"}),
      ui.input,
      ui.send,
    ]);

    Object.assign(ui, buildRating());
    ui.panel = el(
      "section",
      {
        className: "sb-panel",
        id: "sb-panel",
        "data-testid": "shopbot-panel",
        role: "dialog",
        "aria-labelledby": "sb-title",
        hidden: true,
      },
      [header, ui.status, ui.messages, ui.typing, ui.composer, ui.rating, ui.thanks],
    );
    ui.root = el("div", {className: "sb-root", "data-open": "false"}, [ui.panel, ui.launcher]);
    shadow.append(ui.stylesheet, ui.root);
    return ui;
  }

  /** The end-of-chat form: five radio buttons (arrow keys move between them) and a comment. */
  function buildRating() {
    const ui = {};
    ui.scores = [];
    const options = el("div", {className: "sb-scores"});
    const words = ["very poor", "poor", "okay", "good", "excellent"];
    for (let score = 1; score <= 5; score += 1) {
      const input = el("input", {
        type: "radio",
        name: "sb-score",
        value: String(score),
        id: `sb-score-${score}`,
        "data-testid": `shopbot-rate-${score}`,
        "aria-label": `${score} of 5, ${words[score - 1]}`,
      });
      ui.scores.push(input);
      options.append(el("label", {className: "sb-score", for: `sb-score-${score}`}, [
        input,
        el("span", {text: String(score), "aria-hidden": "true"}),
      ]));
    }
    ui.comment = el("textarea", {
      className: "sb-comment",
      id: "sb-comment",
      rows: "3",
      maxlength: String(MAX_COMMENT_CHARS),
      placeholder: "Anything we could do better? (optional)",
    });
    ui.ratingError = el("p", {className: "sb-form-error", role: "alert", hidden: true});
    ui.ratingSubmit = el("button", {
      type: "submit",
      className: "sb-primary",
      "data-testid": "shopbot-rating-submit",
      text: "Send rating",
    });
    ui.ratingBack = el("button", {type: "button", className: "sb-secondary", text: "Back to chat"});
    ui.rating = el("form", {className: "sb-rating", hidden: true}, [
      el("fieldset", {}, [
        el("legend", {text: "How did we do? 1 is very poor, 5 is excellent."}),
        options,
        el("div", {className: "sb-scale", "aria-hidden": "true"}, [
          el("span", {text: "very poor"}),
          el("span", {text: "excellent"}),
        ]),
      ]),
      el("label", {for: "sb-comment", text: "Comment (optional)"}),
      ui.comment,
      ui.ratingError,
      el("div", {className: "sb-actions"}, [ui.ratingBack, ui.ratingSubmit]),
    ]);
    ui.newChat = el("button", {type: "button", className: "sb-primary", "data-testid": "shopbot-new-chat", text: "Start a new chat"});
    ui.thanks = el("div", {className: "sb-thanks", "data-testid": "shopbot-rating-thanks", tabindex: "-1", hidden: true}, [
      el("p", {text: "Thank you for your feedback!"}),
      ui.newChat,
    ]);
    return ui;
  }

  /** The launcher's speech-bubble icon (inline SVG: no extra request, scales crisply). */
  function chatIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute(
      "d",
      "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z",
    );
    svg.append(path);
    return svg;
  }

  /* ------------------------------------------------------------- the widget */

  class Widget {
    constructor(config) {
      this.config = config;
      this.token = config.token;
      this.sessionKey = `${config.storageKey}.session_id`;
      this.sessionId = storage.get(this.sessionKey);
      this.socket = null;
      this.ready = false; // `welcome` received on the current socket
      this.started = false; // a connection was wanted at least once
      this.destroyed = false;
      this.attempt = 0; // reconnect attempts since the last welcome
      this.generation = 0; // counts connections, to tell what an earlier one sent
      this.lastFrameAt = 0;
      this.pending = new Map(); // client id -> message sent but not acknowledged, in send order
      this.pendingRating = null;
      this.handoff = null;
      this.connectionNote = "";
      this.handoffNote = "";
      this.typingSent = false;
      this.unread = 0;
      this.timers = {};
      this.onOnline = () => this.reconnectNow();
      this.mountWhenReady();
    }

    /* ---- mounting and the embedder API */

    mountWhenReady() {
      if (document.body) {
        this.mount();
      } else {
        document.addEventListener("DOMContentLoaded", () => this.mount(), {once: true});
      }
    }

    mount() {
      if (this.destroyed) return;
      this.host = el("div", {"data-shopbot-widget": this.config.storageKey});
      // Hidden until widget.css arrives, so the shop never flashes an unstyled widget.
      this.host.style.display = "none";
      this.root = this.host.attachShadow({mode: "open"});
      this.ui = buildView(this.root, this.config, stylesheetUrl(this.config));
      const reveal = () => { this.host.style.display = ""; };
      this.ui.stylesheet.addEventListener("load", reveal);
      this.ui.stylesheet.addEventListener("error", () => {
        console.warn("shopbot widget: could not load its stylesheet", this.ui.stylesheet.href);
        reveal();
      });
      (this.config.container || document.body).append(this.host);
      this.bindEvents();
      window.addEventListener("online", this.onOnline);
      // A stored conversation is resumed at once (an agent may be waiting in it);
      // a new visitor opens no socket until they open the chat.
      if (this.sessionId || this.wantOpen) this.start();
      if (this.wantOpen) this.open();
    }

    open() {
      if (!this.ui) {
        this.wantOpen = true;
        return this;
      }
      this.ui.panel.hidden = false;
      this.ui.root.dataset.open = "true";
      this.ui.launcher.setAttribute("aria-expanded", "true");
      this.ui.launcher.setAttribute("aria-label", `Close chat: ${this.config.title}`);
      this.setUnread(0);
      this.start();
      this.scrollToEnd();
      if (!this.ui.composer.hidden) this.ui.input.focus();
      return this;
    }

    close() {
      if (!this.ui) {
        this.wantOpen = false;
        return this;
      }
      const hadFocus = this.root.activeElement && this.ui.panel.contains(this.root.activeElement);
      this.ui.panel.hidden = true;
      this.ui.root.dataset.open = "false";
      this.ui.launcher.setAttribute("aria-expanded", "false");
      this.ui.launcher.setAttribute("aria-label", `Open chat: ${this.config.title}`);
      if (hadFocus) this.ui.launcher.focus();
      return this;
    }

    isOpen() {
      return Boolean(this.ui && !this.ui.panel.hidden);
    }

    /** Forget this conversation and start another, e.g. after the shopper signs in or out. */
    restart(options) {
      if (options && Object.prototype.hasOwnProperty.call(options, "token")) {
        if (options.token !== null && typeof options.token !== "string") {
          throw new TypeError("ShopbotWidget restart: token must be a string or null.");
        }
        this.token = options.token;
      }
      this.dropSocket();
      clearTimeout(this.timers.reconnect);
      this.timers.reconnect = null;
      storage.remove(this.sessionKey);
      this.sessionId = null;
      this.pending.clear();
      this.pendingRating = null;
      this.attempt = 0;
      this.setHandoff(null, false);
      if (this.ui) {
        this.ui.messages.replaceChildren();
        this.ui.identity.hidden = true;
        this.showTyping(null, false);
        this.showComposer();
      }
      if (this.started) this.connect();
      return this;
    }

    destroy() {
      this.destroyed = true;
      this.dropSocket();
      for (const timer of Object.values(this.timers)) {
        clearTimeout(timer);
        clearInterval(timer);
      }
      window.removeEventListener("online", this.onOnline);
      if (this.host) this.host.remove();
    }

    /* ---- UI events */

    bindEvents() {
      const ui = this.ui;
      ui.launcher.addEventListener("click", () => (this.isOpen() ? this.close() : this.open()));
      ui.close.addEventListener("click", () => this.close());
      ui.root.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && this.isOpen()) {
          event.preventDefault();
          this.close();
          ui.launcher.focus();
        }
      });
      ui.composer.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submitInput();
      });
      ui.input.addEventListener("keydown", (event) => {
        // Enter sends, Shift+Enter breaks the line; never while an IME is composing.
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submitInput();
        }
      });
      ui.input.addEventListener("input", () => {
        this.autosizeInput();
        this.noteTyping();
      });
      ui.messages.addEventListener("click", (event) => {
        const button = event.target.closest("[data-testid=shopbot-quick-reply]");
        if (button) this.sendMessage(button.dataset.title, button.dataset.payload || null);
      });
      ui.end.addEventListener("click", () => this.showRating());
      ui.ratingBack.addEventListener("click", () => this.showComposer());
      ui.rating.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submitRating();
      });
      ui.newChat.addEventListener("click", () => {
        this.restart();
        this.start();
        ui.input.focus();
      });
    }

    submitInput() {
      const text = this.ui.input.value.trim();
      if (!text) return;
      this.sendMessage(text, null);
      this.ui.input.value = "";
      this.autosizeInput();
    }

    autosizeInput() {
      const input = this.ui.input;
      input.style.height = "auto";
      input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
    }

    /* ---- the connection */

    /** Connect unless connected; the first call decides that the widget is in use. */
    start() {
      this.started = true;
      if (!this.socket && !this.timers.reconnect) this.connect();
    }

    connect() {
      if (this.destroyed || this.socket) return;
      this.timers.reconnect = null;
      if (!this.ready && this.attempt === 0) this.setConnectionNote("Connecting…");
      let socket;
      try {
        socket = new WebSocket(this.config.socketUrl);
      } catch (error) {
        this.scheduleReconnect();
        return;
      }
      this.socket = socket;
      this.generation += 1;
      this.ready = false;
      // Each handler first checks that its socket is still the current one: a replaced
      // socket's late events must not touch the new connection's state.
      socket.addEventListener("open", () => this.onOpen(socket));
      socket.addEventListener("message", (event) => this.onFrame(socket, event));
      socket.addEventListener("close", () => this.onClose(socket));
    }

    async onOpen(socket) {
      if (socket !== this.socket) return;
      this.lastFrameAt = Date.now();
      let token = this.token;
      if (this.config.getToken) {
        try {
          token = await this.config.getToken();
        } catch (error) {
          console.warn("shopbot widget: getToken failed; continuing as a guest", error);
          token = null;
        }
        if (socket !== this.socket) return;
      }
      this.sendFrame({type: "hello", session_id: this.sessionId, token: token || null});
      this.startHeartbeat();
    }

    onClose(socket) {
      if (socket !== this.socket) return;
      this.socket = null;
      this.ready = false;
      this.stopHeartbeat();
      this.showTyping(null, false);
      if (!this.destroyed) this.scheduleReconnect();
    }

    scheduleReconnect() {
      this.setConnectionNote("Reconnecting…");
      clearTimeout(this.timers.reconnect);
      this.timers.reconnect = setTimeout(() => this.connect(), backoffDelay(this.attempt));
      this.attempt += 1;
    }

    /** The browser says the network is back: skip the remaining backoff. */
    reconnectNow() {
      if (this.destroyed || this.socket || !this.started) return;
      clearTimeout(this.timers.reconnect);
      this.timers.reconnect = null;
      this.connect();
    }

    /** Forget the current socket without triggering a reconnect. */
    dropSocket() {
      const socket = this.socket;
      this.socket = null;
      this.ready = false;
      this.stopHeartbeat();
      if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, "client closed");
    }

    startHeartbeat() {
      this.stopHeartbeat();
      this.timers.ping = setInterval(() => {
        if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) {
          // A half-open TCP connection can stay "open" for minutes; give up on it now.
          const socket = this.socket;
          this.onClose(socket);
          if (socket) socket.close();
          return;
        }
        this.sendFrame({type: "ping"});
      }, PING_EVERY_MS);
    }

    stopHeartbeat() {
      clearInterval(this.timers.ping);
      this.timers.ping = null;
    }

    sendFrame(frame) {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
      this.socket.send(JSON.stringify(Object.assign({v: PROTOCOL_VERSION}, frame)));
      return true;
    }

    onFrame(socket, event) {
      if (socket !== this.socket) return;
      this.lastFrameAt = Date.now();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        console.warn("shopbot widget: ignoring a frame that is not JSON");
        return;
      }
      const handler = frame && this.handlers[frame.type];
      if (handler) handler.call(this, frame);
    }

    /* ---- frames from the server */

    get handlers() {
      return {
        welcome: this.onWelcome,
        history: this.onHistory,
        ack: this.onAck,
        typing: (frame) => this.showTyping(frame.from, frame.on),
        message: this.onMessage,
        handoff: (frame) => this.setHandoff(frame, true),
        rated: this.onRated,
        error: this.onError,
        pong: () => {},
      };
    }

    onWelcome(frame) {
      this.ready = true;
      this.attempt = 0;
      this.sessionId = frame.session_id;
      storage.set(this.sessionKey, frame.session_id);
      this.setConnectionNote("");
      if (frame.customer && frame.customer.name) {
        this.ui.identity.textContent = `Signed in as ${frame.customer.name}`;
        this.ui.identity.hidden = false;
      }
      this.setHandoff(frame.handoff || null, false);
      // Resend what the last connection never confirmed, with the same ids: the
      // server acknowledges repeats as duplicates instead of handling them twice.
      for (const message of this.pending.values()) this.transmit(message);
      if (this.pendingRating) this.sendFrame(this.pendingRating);
    }

    onHistory(frame) {
      // The server's record is the truth: redraw it, then the messages still in flight.
      // Notes about this connection (e.g. "chatting as a guest", sent before the
      // history) are kept after it.
      const notes = Array.from(this.ui.messages.querySelectorAll(".sb-notice"))
        .filter((node) => node.dataset.generation === String(this.generation));
      this.ui.messages.replaceChildren();
      const nodes = (frame.messages || []).map((message) => this.renderMessage(message));
      const adopted = this.adoptFromHistory(frame.messages || [], nodes);
      for (const message of this.pending.values()) {
        if (!adopted.has(message.id)) this.renderOwnMessage(message);
      }
      this.ui.messages.append(...notes);
      this.scrollToEnd();
    }

    /**
     * A message sent on an earlier connection may already be in the history (accepted,
     * ack lost) or not (lost, or still being handled when the history was built). Find
     * the ones that are, so they show once: by client id when the server includes it,
     * else by text among the latest shopper messages. Returns the adopted client ids.
     */
    adoptFromHistory(messages, nodes) {
      const adopted = new Set();
      const earlier = Array.from(this.pending.values()).filter((m) => m.firstSentOn < this.generation);
      if (!earlier.length) return adopted;
      const own = [];
      messages.forEach((message, index) => {
        if (message.from === "user") own.push({message, node: nodes[index]});
      });
      const byId = new Map(own.filter((o) => o.message.id).map((o) => [o.message.id, o]));
      const tail = own.slice(-earlier.length);
      for (const message of earlier) {
        const match = byId.get(message.id) ||
          tail.find((o) => !o.node.dataset.clientId && o.message.text === message.text);
        if (!match) continue;
        match.node.dataset.clientId = message.id;
        match.node.dataset.state = "sending";
        adopted.add(message.id);
      }
      return adopted;
    }

    onAck(frame) {
      if (!this.pending.delete(frame.id)) return;
      // A duplicate was accepted before the connection dropped: it is shown once already,
      // either adopted from the history or as the bubble drawn when it was sent.
      const bubble = this.findOwnMessage(frame.id);
      if (bubble) bubble.dataset.state = "sent";
    }

    onMessage(frame) {
      this.showTyping(null, false);
      this.renderMessage(frame);
      this.scrollToEnd();
      if (!this.isOpen() && frame.from !== "user") this.setUnread(this.unread + 1);
    }

    onRated() {
      this.pendingRating = null;
      this.ui.rating.hidden = true;
      this.ui.thanks.hidden = false;
      this.ui.thanks.focus();
    }

    onError(frame) {
      const code = frame.code;
      if (code === "token_invalid") {
        this.token = null; // an expired or forged token will not improve on a retry
        this.ui.identity.textContent = "Chatting as a guest";
        this.ui.identity.hidden = false;
      }
      if (code === "hello_required") {
        this.sendFrame({type: "hello", session_id: this.sessionId, token: this.token || null});
        return;
      }
      if (frame.id && this.pending.has(frame.id)) {
        // The server refused this message for good; resending it would fail again.
        this.pending.delete(frame.id);
        const bubble = this.findOwnMessage(frame.id);
        if (bubble) bubble.dataset.state = "failed";
      }
      const text = ERROR_TEXT[code] || GENERIC_ERROR;
      if (!this.ui.rating.hidden && this.pendingRating) {
        this.pendingRating = null;
        this.showRatingError(text);
        return;
      }
      this.renderNotice(text, "error");
    }

    /* ---- sending */

    sendMessage(text, payload) {
      const clean = String(text).trim();
      if (!clean) return;
      if (clean.length > MAX_TEXT_CHARS) {
        this.renderNotice(ERROR_TEXT.too_large, "error");
        return;
      }
      const message = {id: newClientId(), text: clean, payload: payload || null};
      this.pending.set(message.id, message);
      this.renderOwnMessage(message);
      this.scrollToEnd();
      this.stopTyping();
      this.start();
      if (this.ready) this.transmit(message);
    }

    transmit(message) {
      if (message.firstSentOn === undefined) message.firstSentOn = this.generation;
      const frame = {type: "message", id: message.id, text: message.text};
      if (message.payload) frame.payload = message.payload;
      this.sendFrame(frame);
    }

    /** Tell the agent the shopper is typing: only while a person is (or will be) reading. */
    noteTyping() {
      const withPerson = this.handoff && (this.handoff.state === "queued" || this.handoff.state === "agent_joined");
      if (!withPerson || !this.ready) return;
      if (!this.typingSent) this.typingSent = this.sendFrame({type: "typing", on: true});
      clearTimeout(this.timers.typingOut);
      this.timers.typingOut = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
    }

    stopTyping() {
      clearTimeout(this.timers.typingOut);
      if (this.typingSent) this.sendFrame({type: "typing", on: false});
      this.typingSent = false;
    }

    /* ---- rating */

    showRating() {
      this.ui.composer.hidden = true;
      this.ui.thanks.hidden = true;
      this.ui.rating.hidden = false;
      this.ui.ratingError.hidden = true;
      this.ui.end.hidden = true;
      const checked = this.ui.scores.find((input) => input.checked);
      (checked || this.ui.scores[0]).focus();
    }

    showComposer() {
      this.ui.rating.hidden = true;
      this.ui.thanks.hidden = true;
      this.ui.composer.hidden = false;
      this.ui.end.hidden = false;
      for (const input of this.ui.scores) input.checked = false;
      this.ui.comment.value = "";
    }

    submitRating() {
      const checked = this.ui.scores.find((input) => input.checked);
      if (!checked) {
        this.showRatingError("Please choose a score from 1 to 5.");
        this.ui.scores[0].focus();
        return;
      }
      const frame = {type: "rating", score: Number(checked.value)};
      const comment = this.ui.comment.value.trim();
      if (comment) frame.comment = comment.slice(0, MAX_COMMENT_CHARS);
      this.ui.ratingError.hidden = true;
      // Kept until `rated` arrives, and sent again after a reconnect if need be.
      this.pendingRating = frame;
      this.start();
      if (this.ready) this.sendFrame(frame);
    }

    showRatingError(text) {
      this.ui.ratingError.textContent = text;
      this.ui.ratingError.hidden = false;
    }

    /* ---- rendering */

    /** One message object from the server (PROTOCOL.md "Message object"). */
    renderMessage(message) {
      const from = ["user", "bot", "agent"].includes(message.from) ? message.from : "bot";
      if (from === "user") this.clearQuickReplies();
      const node = el("div", {
        className: `sb-message sb-from-${from}`,
        "data-testid": "shopbot-message",
        "data-from": from,
        title: message.at ? new Date(message.at).toLocaleString() : null,
      });
      node.append(this.senderLabel(from, message.agent_name));
      if (message.text) node.append(el("div", {className: "sb-bubble"}, [linkified(String(message.text))]));
      const image = safeImageUrl(message.image);
      if (image) {
        node.append(el("img", {className: "sb-image", src: image, alt: `Image from ${this.config.botName}`, loading: "lazy"}));
      }
      if (Array.isArray(message.buttons) && message.buttons.length) node.append(this.quickReplies(message.buttons));
      this.appendToLog(node, from, message.agent_name);
      return node;
    }

    /** The shopper's own message as typed, before (or without) the server's copy. */
    renderOwnMessage(message) {
      this.clearQuickReplies();
      const node = el("div", {
        className: "sb-message sb-from-user",
        "data-testid": "shopbot-message",
        "data-from": "user",
        "data-client-id": message.id,
        "data-state": "sending",
      }, [
        this.senderLabel("user"),
        el("div", {className: "sb-bubble"}, [linkified(message.text)]),
        el("span", {className: "sb-delivery sb-sending", text: "Sending…"}),
        el("span", {className: "sb-delivery sb-failed", text: "Not sent"}),
      ]);
      this.appendToLog(node, "user", null);
    }

    senderLabel(from, agentName) {
      if (from === "agent") {
        return el("div", {className: "sb-sender"}, [
          el("span", {className: "sb-name", text: agentName || "Support agent"}),
          el("span", {className: "sb-badge sb-badge-agent", text: "support agent"}),
        ]);
      }
      if (from === "bot") {
        return el("div", {className: "sb-sender"}, [
          el("span", {className: "sb-name", text: this.config.botName}),
          el("span", {className: "sb-badge", text: "virtual assistant"}),
        ]);
      }
      return el("div", {className: "sb-sender"}, [el("span", {className: "sb-name", text: "You"})]);
    }

    quickReplies(buttons) {
      const group = el("div", {className: "sb-quick-replies", role: "group", "aria-label": "Suggested replies"});
      for (const button of buttons) {
        if (!button || !button.title) continue;
        group.append(el("button", {
          type: "button",
          className: "sb-quick-reply",
          "data-testid": "shopbot-quick-reply",
          "data-title": button.title,
          "data-payload": button.payload || "",
          text: button.title,
        }));
      }
      return group;
    }

    /** Quick replies answer the latest question only: drop them once the shopper speaks. */
    clearQuickReplies() {
      for (const group of this.ui.messages.querySelectorAll(".sb-quick-replies")) group.remove();
    }

    /** Append to the log; a run of messages from one sender shows its label once. */
    appendToLog(node, from, agentName) {
      const previous = this.ui.messages.lastElementChild;
      const key = `${from}:${agentName || ""}`;
      node.dataset.sender = key;
      if (previous && previous.dataset.sender === key) node.classList.add("sb-continued");
      this.ui.messages.append(node);
    }

    renderNotice(text, kind) {
      const node = el("p", {
        className: `sb-notice sb-notice-${kind}`,
        "data-testid": kind === "error" ? "shopbot-error" : "shopbot-notice",
        "data-generation": String(this.generation),
        text,
      });
      this.ui.messages.append(node);
      this.scrollToEnd();
    }

    findOwnMessage(id) {
      return Array.from(this.ui.messages.querySelectorAll("[data-client-id]")).find(
        (node) => node.dataset.clientId === id,
      );
    }

    showTyping(from, on) {
      clearTimeout(this.timers.typingIn);
      if (!this.ui) return;
      if (!on) {
        this.ui.typing.hidden = true;
        return;
      }
      const who = from === "agent" && this.handoff && this.handoff.agent_name
        ? this.handoff.agent_name
        : from === "agent" ? "The support agent" : this.config.botName;
      this.ui.typing.querySelector(".sb-typing-text").textContent = `${who} is typing…`;
      this.ui.typing.dataset.from = from === "agent" ? "agent" : "bot";
      this.ui.typing.hidden = false;
      this.timers.typingIn = setTimeout(() => this.showTyping(null, false), TYPING_SHOWN_MAX_MS);
      this.scrollToEnd();
    }

    /** Apply a handoff state; `announce` also records the change in the conversation. */
    setHandoff(state, announce) {
      const previous = this.handoff;
      this.handoff = state;
      clearTimeout(this.timers.banner);
      this.handoffNote = handoffText(state, this.config.botName);
      this.renderStatus();
      if (!state || !this.ui) return;
      this.ui.status.dataset.state = state.state;
      // Queue positions change often; only the first "queued" goes into the log.
      const repeat = previous && previous.state === "queued" && state.state === "queued";
      if (announce && !repeat) this.renderNotice(this.handoffNote, "handoff");
      if (state.state === "back_to_bot") {
        this.timers.banner = setTimeout(() => {
          this.handoffNote = "";
          this.renderStatus();
        }, BACK_TO_BOT_BANNER_MS);
      }
    }

    setConnectionNote(text) {
      this.connectionNote = text;
      this.renderStatus();
    }

    /** One banner: a connection problem outranks the handoff state. */
    renderStatus() {
      if (!this.ui) return;
      const text = this.connectionNote || this.handoffNote;
      this.ui.status.textContent = text;
      this.ui.status.hidden = !text;
      this.ui.status.dataset.kind = this.connectionNote ? "connection" : "handoff";
    }

    setUnread(count) {
      this.unread = count;
      if (!this.ui) return;
      this.ui.unread.textContent = count > 9 ? "9+" : String(count);
      this.ui.unread.hidden = count === 0;
      this.ui.launcher.dataset.unread = String(count);
    }

    scrollToEnd() {
      if (this.ui) this.ui.messages.scrollTop = this.ui.messages.scrollHeight;
    }
  }

  /* ------------------------------------------------------------- public API */

  window.ShopbotWidget = Object.freeze({
    version: "1.0.0",
    protocolVersion: PROTOCOL_VERSION,
    /**
     * Mount a widget. config: socketUrl (required, ws:// or wss://), token (shop-signed
     * or null), getToken (optional function, called before every connection), title,
     * botName, storageKey (default "shopbot"), cssUrl, container (default document.body).
     * Returns the instance: open(), close(), restart({token}), destroy().
     */
    init(config) {
      const widget = new Widget(normaliseConfig(config));
      return {
        open: () => { widget.open(); },
        close: () => { widget.close(); },
        restart: (options) => { widget.restart(options || {}); },
        destroy: () => { widget.destroy(); },
        isOpen: () => widget.isOpen(),
        get sessionId() { return widget.sessionId; },
        get shadowRoot() { return widget.root || null; },
      };
    },
    // Pure helpers, exposed for the browser tests.
    _internals: Object.freeze({backoffDelay, handoffText, newClientId}),
  });
})();
