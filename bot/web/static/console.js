/*
 * shopbot agent console: sign in, watch the hand-off queue, read a hand-off
 * packet, claim the conversation and chat with the shopper live, then release
 * it or hand it back to the bot. Protocol v1: bot/chat/PROTOCOL.md ("Agent socket").
 *
 * Everything the shopper or the server sends is put on the page with
 * textContent (never innerHTML): shopper text is untrusted.
 */
(function () {
  "use strict";

  // The channel's base URL (".../webhooks/shopbot/"), from where this script was
  // served, so the console works behind any host or port.
  const BASE_URL = new URL("..", document.currentScript.src);
  const LOGIN_URL = new URL("agent/login", BASE_URL).href;
  const SOCKET_URL = (() => {
    const url = new URL("agent/ws", BASE_URL);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  })();

  const PROTOCOL_VERSION = 1;
  const SESSION_KEY = "shopbot.agent";
  const CLOSE_UNAUTHORIZED = 4401;
  const BACKOFF_BASE_MS = 500;
  const BACKOFF_CAP_MS = 30000;
  const PING_EVERY_MS = 25000;
  const TYPING_IDLE_MS = 3000;
  const TYPING_SHOWN_MAX_MS = 20000;
  const ERROR_SHOWN_MS = 15000;

  const state = {
    agent: null, // {token, username, display_name, expires_at}
    socket: null,
    ready: false,
    attempt: 0,
    timers: {},
    queue: [], // latest queue items, each with `receivedAt` (ms) for the ticking clock
    open: null, // the handoff being viewed: the `handoff` frame's fields
    granted: new Map(), // handoff id -> {code, title}: offers granted this session
    pendingReplies: new Map(), // client id -> {handoffId, text}
    typingSent: false,
  };

  const $ = (id) => document.getElementById(id);

  /* ---------------------------------------------------------------- helpers */

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children || []) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function backoffDelay(attempt) {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function percent(value) {
    return typeof value === "number" && Number.isFinite(value) ? `${Math.round(value * 100)}%` : "–";
  }

  function money(amount, currency) {
    if (typeof amount !== "number" || !Number.isFinite(amount)) return "–";
    try {
      if (currency) return new Intl.NumberFormat(undefined, {style: "currency", currency}).format(amount);
    } catch (error) {
      /* an unknown currency code: fall through to a plain number */
    }
    return new Intl.NumberFormat(undefined, {minimumFractionDigits: 2, maximumFractionDigits: 2}).format(amount);
  }

  /** "45 s", "3 min 05 s", "2 h 07 min". */
  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  }

  function clock(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
  }

  function holdsOpenHandoff() {
    if (!state.open || !state.agent || state.open.status !== "assigned") return false;
    // The server says so when it can (`held_by_you`); display names are the fallback.
    if (typeof state.open.held_by_you === "boolean") return state.open.held_by_you;
    return state.open.agent === state.agent.display_name;
  }

  /* ---------------------------------------------------------------- errors */

  function showError(text) {
    $("error-text").textContent = text;
    $("error").hidden = false;
    clearTimeout(state.timers.error);
    state.timers.error = setTimeout(hideError, ERROR_SHOWN_MS);
  }

  function hideError() {
    $("error").hidden = true;
  }

  /* ---------------------------------------------------------- sign in / out */

  function loadSession() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(SESSION_KEY) || "null");
      if (saved && saved.token && (!saved.expires_at || new Date(saved.expires_at) > new Date())) return saved;
    } catch (error) {
      /* unreadable: sign in again */
    }
    return null;
  }

  function saveSession(agent) {
    try {
      window.sessionStorage.setItem(SESSION_KEY, JSON.stringify(agent));
    } catch (error) {
      /* storage blocked: the session lasts until reload */
    }
  }

  async function submitLogin(event) {
    event.preventDefault();
    const username = $("username").value.trim();
    const password = $("password").value;
    if (!username || !password) {
      showLoginError("Enter your username and password.");
      return;
    }
    $("login").disabled = true;
    try {
      const agent = await requestLogin(username, password);
      $("password").value = "";
      saveSession(agent);
      startDesk(agent);
    } catch (error) {
      showLoginError(error.message);
    } finally {
      $("login").disabled = false;
    }
  }

  /** POST the credentials; resolves to the session or rejects with a readable Error. */
  async function requestLogin(username, password) {
    let response;
    try {
      response = await fetch(LOGIN_URL, {
        method: "POST",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({username, password}),
      });
    } catch (error) {
      throw new Error("Cannot reach the chat server. Check your connection and try again.");
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok && body.token) return body;
    if (response.status === 401) throw new Error(body.error || "Wrong username or password.");
    throw new Error(body.error || `Sign-in failed (HTTP ${response.status}). Try again in a moment.`);
  }

  function showLoginError(text) {
    $("login-error").textContent = text;
    $("login-error").hidden = false;
  }

  function showLogin(message) {
    $("desk").hidden = true;
    $("session").hidden = true;
    $("login-view").hidden = false;
    document.title = "shopbot agent console";
    if (message) showLoginError(message);
    else $("login-error").hidden = true;
    $("username").focus();
  }

  function signOut(message) {
    try {
      window.sessionStorage.removeItem(SESSION_KEY);
    } catch (error) {
      /* nothing stored */
    }
    state.agent = null;
    dropSocket();
    clearTimeout(state.timers.reconnect);
    state.timers.reconnect = null;
    state.queue = [];
    state.open = null;
    state.pendingReplies.clear();
    $("queue-list").replaceChildren();
    closeHandoffView();
    showLogin(message);
  }

  function startDesk(agent) {
    state.agent = agent;
    state.attempt = 0;
    $("login-view").hidden = true;
    $("desk").hidden = false;
    $("session").hidden = false;
    $("agent-name").textContent = agent.display_name || agent.username;
    connect();
  }

  /* ------------------------------------------------------------- the socket */

  function connect() {
    if (!state.agent || state.socket) return;
    state.timers.reconnect = null;
    setConnection(state.attempt ? "reconnecting" : "connecting");
    let socket;
    try {
      socket = new WebSocket(SOCKET_URL);
    } catch (error) {
      scheduleReconnect();
      return;
    }
    state.socket = socket;
    state.ready = false;
    // Handlers ignore sockets that were replaced meanwhile.
    socket.addEventListener("open", () => {
      if (socket === state.socket) sendFrame({type: "hello", token: state.agent.token});
    });
    socket.addEventListener("message", (event) => {
      if (socket === state.socket) onFrame(event.data);
    });
    socket.addEventListener("close", (event) => {
      if (socket === state.socket) onClose(event);
    });
  }

  function onClose(event) {
    state.socket = null;
    state.ready = false;
    clearInterval(state.timers.ping);
    if (event.code === CLOSE_UNAUTHORIZED) {
      signOut("Your session has ended. Please sign in again.");
      return;
    }
    if (state.agent) scheduleReconnect();
  }

  function scheduleReconnect() {
    setConnection("reconnecting");
    clearTimeout(state.timers.reconnect);
    state.timers.reconnect = setTimeout(connect, backoffDelay(state.attempt));
    state.attempt += 1;
  }

  function dropSocket() {
    const socket = state.socket;
    state.socket = null;
    state.ready = false;
    clearInterval(state.timers.ping);
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, "signed out");
  }

  function sendFrame(frame) {
    if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return false;
    state.socket.send(JSON.stringify(Object.assign({v: PROTOCOL_VERSION}, frame)));
    return true;
  }

  /** Send a frame that needs the live connection; says so when there is none. */
  function sendOrWarn(frame) {
    if (state.ready && sendFrame(frame)) return true;
    showError("Not connected to the chat server; reconnecting. Try again in a moment.");
    return false;
  }

  function setConnection(kind) {
    const text = {connecting: "Connecting…", reconnecting: "Reconnecting…", online: "Connected"}[kind];
    $("connection").textContent = text;
    $("connection").dataset.state = kind;
  }

  function onFrame(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch (error) {
      console.warn("agent console: ignoring a frame that is not JSON");
      return;
    }
    const handler = frame && HANDLERS[frame.type];
    if (handler) handler(frame);
  }

  /* ------------------------------------------------------- server frames */

  const HANDLERS = {
    welcome(frame) {
      state.ready = true;
      state.attempt = 0;
      setConnection("online");
      if (frame.agent && frame.agent.display_name) {
        state.agent.display_name = frame.agent.display_name;
        $("agent-name").textContent = frame.agent.display_name;
      }
      clearInterval(state.timers.ping);
      state.timers.ping = setInterval(() => sendFrame({type: "ping"}), PING_EVERY_MS);
      // After a reconnect, pick up the conversation that was on screen.
      if (state.open) sendFrame({type: "open", handoff_id: state.open.handoff_id});
    },
    queue(frame) {
      const now = Date.now();
      state.queue = (frame.items || []).map((item) => Object.assign({receivedAt: now}, item));
      renderQueue();
    },
    handoff(frame) {
      const keepTyping = state.open && state.open.handoff_id === frame.handoff_id;
      state.open = {
        handoff_id: frame.handoff_id,
        status: frame.status,
        agent: frame.agent || null,
        held_by_you: frame.held_by_you,
        packet: frame.packet || {},
        shopper_online: Boolean(frame.shopper_online),
        offer_granted: frame.offer_granted || state.granted.get(frame.handoff_id) || null,
      };
      renderHandoff(frame.messages || [], keepTyping);
    },
    claimed(frame) {
      if (!isOpen(frame.handoff_id)) return;
      state.open.status = "assigned";
      state.open.agent = frame.agent || null;
      state.open.held_by_you = Boolean(state.agent && frame.agent === state.agent.display_name);
      renderHandoffState();
    },
    ack(frame) {
      const reply = state.pendingReplies.get(frame.id);
      if (!reply) return;
      state.pendingReplies.delete(frame.id);
      const bubble = findReplyBubble(frame.id);
      if (bubble) bubble.dataset.state = "sent";
    },
    message(frame) {
      if (!isOpen(frame.handoff_id)) return;
      if (frame.from === "user") showShopperTyping(false);
      if (frame.from === "agent" && adoptEcho(frame)) return;
      appendMessage(frame);
    },
    typing(frame) {
      if (isOpen(frame.handoff_id)) showShopperTyping(Boolean(frame.on));
    },
    presence(frame) {
      if (!isOpen(frame.handoff_id)) return;
      state.open.shopper_online = Boolean(frame.shopper_online);
      renderHandoffState();
    },
    offer_granted(frame) {
      const offer = {code: frame.code, title: frame.title};
      state.granted.set(frame.handoff_id, offer);
      if (!isOpen(frame.handoff_id)) return;
      state.open.offer_granted = offer;
      renderPacket();
      renderHandoffState();
    },
    released(frame) {
      if (!isOpen(frame.handoff_id)) return;
      state.open.status = "waiting";
      state.open.agent = null;
      state.open.held_by_you = false;
      renderHandoffState();
    },
    resolved(frame) {
      if (!isOpen(frame.handoff_id)) return;
      state.open.status = "resolved";
      state.open.held_by_you = false;
      renderHandoffState();
    },
    error(frame) {
      onServerError(frame);
    },
    pong() {},
  };

  function isOpen(handoffId) {
    return Boolean(state.open && state.open.handoff_id === handoffId);
  }

  function onServerError(frame) {
    if (frame.code === "unauthorized") {
      signOut(frame.message || "Your session has ended. Please sign in again.");
      return;
    }
    if (frame.id && state.pendingReplies.has(frame.id)) {
      state.pendingReplies.delete(frame.id);
      const bubble = findReplyBubble(frame.id);
      if (bubble) bubble.dataset.state = "failed";
    }
    showError(frame.message || `The server refused that (${frame.code}).`);
    // The view may be stale (someone else claimed or closed it): fetch it again.
    const stale = ["already_claimed", "not_holder", "not_claimable", "no_offer"];
    if (state.open && stale.includes(frame.code)) sendFrame({type: "open", handoff_id: state.open.handoff_id});
  }

  /* ------------------------------------------------------------- the queue */

  function renderQueue() {
    const list = $("queue-list");
    // Re-rendering moves nodes, which blurs them: remember what had focus.
    const focused = document.activeElement && document.activeElement.closest("[data-handoff-id]");
    const focusedId = focused ? focused.dataset.handoffId : null;
    list.replaceChildren(...state.queue.map(queueItem));
    const waiting = state.queue.filter((item) => item.status === "waiting").length;
    $("queue-count").textContent = state.queue.length ? `(${waiting} waiting)` : "";
    $("queue-empty").hidden = state.queue.length > 0;
    document.title = waiting ? `(${waiting}) shopbot agent console` : "shopbot agent console";
    if (focusedId) {
      const again = list.querySelector(`[data-handoff-id="${CSS.escape(focusedId)}"] [data-testid=open-handoff]`);
      if (again) again.focus();
    }
    tickQueue();
  }

  function queueItem(item) {
    const mine = state.agent && item.agent === state.agent.display_name;
    const holder = item.status === "assigned"
      ? (mine ? "With you" : `Taken by ${item.agent || "another agent"}`)
      : "Waiting";
    const facts = [
      item.tier ? `${item.tier}` : "no tier",
      `churn ${percent(item.churn_probability)}`,
      `risk ${percent(item.risk_score)}`,
      `value ${money(item.lifetime_value)}`,
    ].join(" · ");
    const node = el("li", {
      className: "queue-item",
      "data-testid": "queue-item",
      "data-handoff-id": item.handoff_id,
      "data-status": item.status,
      "aria-current": isOpen(item.handoff_id) ? "true" : null,
    }, [
      el("div", {className: "queue-top"}, [
        el("strong", {className: "customer", text: item.customer_name || "Guest shopper"}),
        el("span", {className: `status-pill ${item.status}`, text: holder}),
      ]),
      el("div", {className: "facts", text: facts}),
      el("div", {className: "reason", text: item.reason ? `Reason: ${item.reason}` : null}),
      item.last_message ? el("div", {className: "last", text: `“${item.last_message}”`}) : null,
      el("div", {className: "queue-bottom"}, [
        el("span", {className: "waited", "data-waited": "", text: ""}),
        el("button", {
          type: "button",
          className: "button small",
          "data-testid": "open-handoff",
          "aria-label": `Open the conversation with ${item.customer_name || "the guest shopper"}`,
          text: "Open",
        }),
      ]),
    ]);
    node.querySelector("[data-testid=open-handoff]").addEventListener("click", () => openHandoff(item.handoff_id));
    return node;
  }

  /** Advance every queue clock by the time since its `queue` frame arrived. */
  function tickQueue() {
    const now = Date.now();
    const nodes = $("queue-list").children;
    state.queue.forEach((item, index) => {
      const label = nodes[index] && nodes[index].querySelector("[data-waited]");
      if (!label) return;
      const seconds = (item.waiting_seconds || 0) + (now - item.receivedAt) / 1000;
      label.textContent = `${item.status === "waiting" ? "waiting" : "open"} ${duration(seconds)}`;
    });
  }

  function openHandoff(handoffId) {
    if (!sendOrWarn({type: "open", handoff_id: handoffId})) return;
    for (const node of $("queue-list").children) {
      node.toggleAttribute("aria-current", Number(node.dataset.handoffId) === handoffId);
    }
  }

  /* ------------------------------------------------------ the hand-off view */

  function closeHandoffView() {
    $("handoff-view").hidden = true;
    $("handoff-empty").hidden = false;
    $("chat-log").replaceChildren();
    $("packet").replaceChildren();
  }

  function renderHandoff(messages, keepTyping) {
    $("handoff-empty").hidden = true;
    $("handoff-view").hidden = false;
    const profile = state.open.packet.profile;
    $("handoff-title").textContent = profile && profile.name ? profile.name : "Guest shopper";
    renderPacket();
    $("chat-log").replaceChildren();
    for (const message of messages) appendMessage(message);
    if (!keepTyping) showShopperTyping(false);
    renderHandoffState();
  }

  /** Status line and which buttons the agent may use right now. */
  function renderHandoffState() {
    const open = state.open;
    const mine = holdsOpenHandoff();
    const labels = {waiting: "Waiting", assigned: "Assigned", resolved: "Resolved: back with the bot", closed: "Closed"};
    $("handoff-status").textContent = labels[open.status] || open.status;
    $("handoff-status").className = `status-pill ${open.status}`;
    $("handoff-holder").textContent = open.status === "assigned"
      ? (mine ? "You hold this conversation" : `Taken by ${open.agent || "another agent"}`)
      : "";
    $("presence").textContent = open.shopper_online ? "Shopper online" : "Shopper offline";
    $("presence").dataset.online = String(open.shopper_online);
    $("claim").disabled = open.status !== "waiting";
    $("release").disabled = !mine;
    $("resolve").disabled = !mine;
    $("agent-input").disabled = !mine;
    $("agent-send").disabled = !mine;
    $("agent-input").placeholder = mine ? "Write to the shopper…" : "Claim the conversation to reply";
    const grant = document.querySelector("[data-testid=grant-offer]");
    if (grant) grant.disabled = !mine || !grantable(open);
  }

  function grantable(open) {
    const offer = open.packet.suggested_offer;
    return Boolean(offer && offer.arm === "offer" && !open.offer_granted);
  }

  function appendMessage(message) {
    const from = ["user", "bot", "agent"].includes(message.from) ? message.from : "bot";
    const node = el("div", {className: `chat-message from-${from}`, "data-testid": "agent-message", "data-from": from}, [
      el("div", {className: "chat-sender"}, [
        el("span", {text: senderName(from, message.agent_name)}),
        el("time", {datetime: message.at || null, text: clock(message.at)}),
      ]),
      el("div", {className: "chat-bubble", text: message.text || ""}),
    ]);
    if (Array.isArray(message.buttons) && message.buttons.length) {
      node.append(el("div", {className: "chat-buttons", text: `Buttons: ${message.buttons.map((b) => b.title).join(" | ")}`}));
    }
    $("chat-log").append(node);
    $("chat-log").scrollTop = $("chat-log").scrollHeight;
    return node;
  }

  function senderName(from, agentName) {
    if (from === "user") {
      const profile = state.open && state.open.packet.profile;
      return profile && profile.name ? profile.name : "Shopper";
    }
    if (from === "agent") {
      const me = state.agent && agentName === state.agent.display_name;
      return me ? `You (${agentName})` : `${agentName || "Agent"} (agent)`;
    }
    return "shopbot";
  }

  /**
   * The server may echo our own reply as a `message`; the bubble drawn when it was sent
   * stands for it, so the reply shows once whether or not the server echoes.
   */
  function adoptEcho(frame) {
    if (!state.agent || frame.agent_name !== state.agent.display_name) return false;
    const candidates = $("chat-log").querySelectorAll("[data-client-id]:not([data-echoed])");
    for (const bubble of candidates) {
      if (bubble.querySelector(".chat-bubble").textContent === frame.text) {
        bubble.dataset.echoed = "true";
        if (bubble.dataset.state === "sending") bubble.dataset.state = "sent";
        return true;
      }
    }
    return false;
  }

  function findReplyBubble(id) {
    return Array.from($("chat-log").querySelectorAll("[data-client-id]")).find((node) => node.dataset.clientId === id);
  }

  function sendReply(event) {
    event.preventDefault();
    const text = $("agent-input").value.trim();
    if (!text || !holdsOpenHandoff()) return;
    const id = newClientId();
    const frame = {type: "reply", handoff_id: state.open.handoff_id, id, text};
    if (!sendOrWarn(frame)) return;
    state.pendingReplies.set(id, {handoffId: state.open.handoff_id, text});
    const bubble = appendMessage({from: "agent", text, agent_name: state.agent.display_name, at: new Date().toISOString()});
    bubble.dataset.clientId = id;
    bubble.dataset.state = "sending";
    $("agent-input").value = "";
    stopAgentTyping();
  }

  function noteAgentTyping() {
    if (!holdsOpenHandoff()) return;
    if (!state.typingSent) {
      state.typingSent = sendFrame({type: "typing", handoff_id: state.open.handoff_id, on: true});
    }
    clearTimeout(state.timers.typingOut);
    state.timers.typingOut = setTimeout(stopAgentTyping, TYPING_IDLE_MS);
  }

  function stopAgentTyping() {
    clearTimeout(state.timers.typingOut);
    if (state.typingSent && state.open) sendFrame({type: "typing", handoff_id: state.open.handoff_id, on: false});
    state.typingSent = false;
  }

  function showShopperTyping(on) {
    clearTimeout(state.timers.typingIn);
    $("shopper-typing").hidden = !on;
    if (on) state.timers.typingIn = setTimeout(() => showShopperTyping(false), TYPING_SHOWN_MAX_MS);
  }

  /* ------------------------------------------------------------- the packet */

  function renderPacket() {
    const packet = state.open.packet;
    $("packet").replaceChildren(
      profileCard(packet),
      offerCard(packet),
      churnCard(packet),
      riskCard(packet),
      intentCard(packet),
      transcriptCard(packet),
      casesCard(packet),
    );
  }

  function card(title, children, extraClass) {
    return el("section", {className: `card ${extraClass || ""}`}, [el("h3", {text: title}), ...children]);
  }

  function facts(rows) {
    const list = el("dl", {className: "facts-list"});
    for (const [label, value] of rows) {
      list.append(el("dt", {text: label}), el("dd", {text: value}));
    }
    return list;
  }

  function profileCard(packet) {
    const profile = packet.profile;
    if (!profile) {
      return card("Customer", [el("p", {className: "muted", text: "Guest shopper: not signed in, no profile."})]);
    }
    const order = profile.last_order;
    return card("Customer", [facts([
      ["Name", profile.name],
      ["Customer id", String(profile.customer_id)],
      ["Tier", profile.tier || "–"],
      ["Orders", String(profile.order_count ?? "–")],
      ["Lifetime value", money((profile.lifetime_value_cents || 0) / 100, profile.currency)],
      ["Last order", order ? `${order.number} (${order.status}${order.placed_at ? `, ${new Date(order.placed_at).toLocaleDateString()}` : ""})` : "none"],
      ["Open tickets", String(profile.open_tickets ?? 0)],
      ["Hand-off reason", packet.reason || "–"],
    ])]);
  }

  function offerCard(packet) {
    const offer = packet.suggested_offer;
    const granted = state.open.offer_granted;
    const button = el("button", {type: "button", className: "button primary", "data-testid": "grant-offer", text: "Grant offer"});
    button.addEventListener("click", () => {
      if (holdsOpenHandoff()) sendOrWarn({type: "grant_offer", handoff_id: state.open.handoff_id});
    });
    let note;
    if (granted) note = `Granted: ${granted.title || offer.title} (code ${granted.code}). The shopper has been told.`;
    else if (!offer) note = "No offer suggested for this shopper.";
    else if (offer.arm === "holdout") note = "Hold-out group: this shopper must not get the offer (it measures whether offers work).";
    else note = "You may grant this offer once, while you hold the conversation.";
    button.disabled = !holdsOpenHandoff() || !grantable(state.open);
    return card("Suggested offer", [
      offer ? el("p", {className: "offer-title", text: `${offer.title} (${offer.code})`}) : null,
      el("p", {className: "muted", "data-offer-note": "", text: note}),
      button,
    ], "offer");
  }

  function churnCard(packet) {
    const reasons = packet.churn_reasons || [];
    return card("Churn risk", [
      meter(packet.churn_probability, "Churn probability"),
      reasons.length
        ? el("ol", {className: "reasons"}, reasons.map((r) => el("li", {text: r.text || r.feature})))
        : el("p", {className: "muted", text: churnNote(packet)}),
    ]);
  }

  function churnNote(packet) {
    if (packet.churn_probability != null) return "No reasons given.";
    return packet.profile ? "No prediction for this customer." : "No prediction (guest shopper).";
  }

  function riskCard(packet) {
    const risk = packet.risk || {};
    const factors = risk.factors || [];
    return card("Live risk", [
      meter(risk.score, "Risk score"),
      risk.asked_for_human ? el("p", {className: "flag", text: "The shopper asked for a person."}) : null,
      (risk.reasons || []).length ? el("ul", {className: "reasons"}, risk.reasons.map((r) => el("li", {text: r}))) : null,
      factors.length
        ? el("ul", {className: "signals"}, factors.map((f) => el("li", {text: `${f.name}: ${percent(f.chance)}${f.text ? ` (${f.text})` : ""}`})))
        : null,
    ]);
  }

  function meter(value, label) {
    const known = typeof value === "number" && Number.isFinite(value);
    const bar = el("meter", {min: "0", max: "1", low: "0.34", high: "0.66", optimum: "0", value: known ? String(value) : "0", "aria-label": label});
    return el("div", {className: "meter"}, [el("span", {className: "meter-label", text: `${label}: ${percent(value)}`}), known ? bar : null]);
  }

  function intentCard(packet) {
    const ranking = (packet.intent_ranking || []).slice(0, 5);
    return card("Intent ranking (latest message)", [
      ranking.length
        ? el("ol", {className: "intents"}, ranking.map((i) => el("li", {}, [
          el("span", {text: i.name}), el("span", {className: "muted", text: percent(i.confidence)}),
        ])))
        : el("p", {className: "muted", text: "No ranking."}),
    ]);
  }

  function transcriptCard(packet) {
    const lines = packet.transcript || [];
    const details = el("details", {className: "card transcript"}, [
      el("summary", {text: `Conversation before the hand-off (${lines.length} messages)`}),
      el("ol", {}, lines.map((line) => el("li", {className: `line ${line.speaker}`}, [
        el("strong", {text: line.speaker === "shopper" ? "Shopper: " : "shopbot: "}),
        line.text,
      ]))),
    ]);
    details.open = lines.length <= 8;
    return details;
  }

  function casesCard(packet) {
    const cases = packet.retrieval_candidates || [];
    return el("details", {className: "card cases"}, [
      el("summary", {text: `Similar past cases (${cases.length})`}),
      ...cases.map((c) => el("div", {className: "case"}, [
        el("p", {className: "case-q", text: `Q: ${c.question}`}),
        el("p", {text: `A: ${c.answer}`}),
        el("p", {className: "muted", text: `similarity ${Number(c.score).toFixed(2)}`}),
      ])),
    ]);
  }

  /* ----------------------------------------------------------------- wiring */

  function bind() {
    $("login-form").addEventListener("submit", submitLogin);
    $("signout").addEventListener("click", () => signOut(null));
    $("error-dismiss").addEventListener("click", hideError);
    $("composer").addEventListener("submit", sendReply);
    $("agent-input").addEventListener("input", noteAgentTyping);
    $("agent-input").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) sendReply(event);
    });
    const act = (type) => () => {
      if (state.open) sendOrWarn({type, handoff_id: state.open.handoff_id});
    };
    $("claim").addEventListener("click", act("claim"));
    $("release").addEventListener("click", act("release"));
    $("resolve").addEventListener("click", act("resolve"));
    window.addEventListener("online", () => {
      if (state.agent && !state.socket) {
        clearTimeout(state.timers.reconnect);
        connect();
      }
    });
    setInterval(tickQueue, 1000);
  }

  function main() {
    bind();
    const saved = loadSession();
    if (saved) startDesk(saved);
    else showLogin(null);
  }

  main();
})();
