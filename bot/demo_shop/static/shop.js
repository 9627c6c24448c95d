/*
 * Demo shop page script: fills the "chat as" picker from /api/customers, asks the
 * shop's backend (/api/session) for a signed token for the chosen customer, and
 * starts the shopbot widget with it. Changing the picker restarts the chat as the
 * new identity. The choice survives a reload (localStorage), like a login would.
 */
(function () {
  "use strict";

  const CHOICE_KEY = "shopbot-demo.chat-as";
  const config = JSON.parse(document.getElementById("shop-config").textContent);
  const picker = document.getElementById("chat-as");
  let customers = [];
  let widget = null;

  function showNotice(text) {
    const notice = document.getElementById("notice");
    notice.textContent = text;
    notice.hidden = false;
  }

  async function fetchJson(url, options) {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || `${url} answered HTTP ${response.status}`);
    return body;
  }

  async function loadCustomers() {
    try {
      customers = (await fetchJson("/api/customers")).customers;
    } catch (error) {
      showNotice(`Demo customers unavailable (${error.message}); you can still chat anonymously.`);
      return;
    }
    for (const customer of customers) {
      const role = customer.role ? ` — ${customer.role.replace(/_/g, " ")}` : "";
      const option = new Option(`${customer.name} (${customer.tier})${role}`, String(customer.id));
      picker.append(option);
    }
  }

  function chosenId() {
    return picker.value ? Number(picker.value) : null;
  }

  /** Called by the widget before every connection, so a token is never stale. */
  async function currentToken() {
    const session = await fetchJson("/api/session", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({customer_id: chosenId()}),
    });
    return session.token;
  }

  function describeChoice() {
    const customer = customers.find((c) => c.id === chosenId());
    let text = "You are chatting as an anonymous shopper.";
    if (customer) {
      text = `You are chatting as ${customer.name}, a ${customer.tier} customer.`;
      if (customer.role) text += ` Demo role "${customer.role.replace(/_/g, " ")}": ${customer.purpose}.`;
    }
    document.getElementById("who").textContent = text;
  }

  function restoreChoice() {
    let saved = null;
    try {
      saved = window.localStorage.getItem(CHOICE_KEY);
    } catch (error) {
      /* storage blocked: start anonymous */
    }
    if (saved && customers.some((c) => String(c.id) === saved)) picker.value = saved;
  }

  function rememberChoice() {
    try {
      window.localStorage.setItem(CHOICE_KEY, picker.value);
    } catch (error) {
      /* the choice lasts until reload */
    }
  }

  async function main() {
    await loadCustomers();
    restoreChoice();
    describeChoice();
    if (!window.ShopbotWidget) {
      showNotice("The chat server is not reachable, so the chat widget could not load. Start it with `make run` and reload.");
      return;
    }
    widget = window.ShopbotWidget.init({
      socketUrl: config.socketUrl,
      title: config.title,
      getToken: currentToken,
    });
    picker.addEventListener("change", () => {
      rememberChoice();
      describeChoice();
      // A new identity is a new conversation: the old session belongs to someone else.
      widget.restart({token: null});
      widget.open();
    });
  }

  main();
})();
