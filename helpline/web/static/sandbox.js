/* The sandbox phone.
 *
 * The page draws texts ONLY from the server's event stream (GET /sandbox/events),
 * never from the POST response, so the order on screen is exactly the server's.
 * Every event has an id (a Redis stream id); ids already drawn are skipped, so a
 * reconnect that replays the line never shows a text twice.
 *
 * Message text is put in the page with text nodes and <a> elements built one by
 * one: never innerHTML.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "helpline.sandbox.line";
  var LINE_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
  var MAX_CHARS = 1600;
  var RECONNECT_MAX_MS = 10000;
  var REPLAY_SETTLE_MS = 300;
  var NEAR_BOTTOM_PX = 120;

  var body = document.body;
  var helplineName = body.getAttribute("data-helpline-name") || "Helpline";
  var $ = function (id) { return document.getElementById(id); };
  var scroller = $("scroller");
  var log = $("messages");
  var form = $("composer");
  var textbox = $("text");
  var sendButton = $("send");
  var countEl = $("count");
  var errorEl = $("error");
  var statusEl = $("status");
  var statusText = statusEl.querySelector(".status-text");
  var jump = $("jump");
  var newButton = $("new-conversation");
  var guide = $("guide");
  var aboutButton = $("about-button");
  var guideClose = $("guide-close");
  var lineIdEl = $("line-id");
  var phone = document.querySelector("main.phone");

  // ------------------------------------------------------------ the line

  function randomLine() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function loadLine() {
    var stored = null;
    try { stored = window.localStorage.getItem(STORAGE_KEY); } catch (e) { /* private mode */ }
    if (stored && LINE_PATTERN.test(stored)) return stored;
    var fresh = body.getAttribute("data-new-line");
    if (!fresh || !LINE_PATTERN.test(fresh)) fresh = randomLine();
    saveLine(fresh);
    return fresh;
  }

  function saveLine(value) {
    try { window.localStorage.setItem(STORAGE_KEY, value); } catch (e) { /* private mode */ }
  }

  var line = loadLine();
  lineIdEl.textContent = line;

  // ------------------------------------------------------------ drawing

  var seen = new Set();
  var lastId = null;

  /** Redis stream ids ("1712345678901-0") in order. */
  function compareIds(a, b) {
    var pa = a.split("-"), pb = b.split("-");
    var ma = Number(pa[0]), mb = Number(pb[0]);
    if (ma !== mb) return ma < mb ? -1 : 1;
    var sa = Number(pa[1] || 0), sb = Number(pb[1] || 0);
    return sa === sb ? 0 : (sa < sb ? -1 : 1);
  }

  var URL_PATTERN = /https:\/\/[^\s<>"]+/g;
  var TRAILING = /[.,;:!?'"\u2019\u201d]+$/;
  var PHONE_PATTERN = /\b1-\d{3}-\d{3}-\d{4}\b/g;

  /** Plain text, with phone numbers kept on one line (1-800-662-4357 must not break). */
  function appendPlain(parent, text) {
    var at = 0, match;
    PHONE_PATTERN.lastIndex = 0;
    while ((match = PHONE_PATTERN.exec(text)) !== null) {
      if (match.index > at) parent.appendChild(document.createTextNode(text.slice(at, match.index)));
      var number = document.createElement("span");
      number.className = "nowrap";
      number.textContent = match[0];
      parent.appendChild(number);
      at = match.index + match[0].length;
    }
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
  }

  /** Text with https:// links made clickable, as DOM nodes. */
  function appendLinkified(parent, text) {
    var at = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(text)) !== null) {
      var raw = match[0];
      var trimmed = raw.replace(TRAILING, "");
      if (trimmed.endsWith(")") && trimmed.indexOf("(") === -1) trimmed = trimmed.slice(0, -1);
      var url = null;
      try { url = new URL(trimmed); } catch (e) { url = null; }
      if (!url || url.protocol !== "https:") continue;
      if (match.index > at) appendPlain(parent, text.slice(at, match.index));
      var a = document.createElement("a");
      a.href = url.href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = trimmed;
      parent.appendChild(a);
      at = match.index + trimmed.length;
      URL_PATTERN.lastIndex = at;
    }
    if (at < text.length) appendPlain(parent, text.slice(at));
  }

  var timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
  var dateTimeFormat = new Intl.DateTimeFormat(undefined, {
    month: "short", day: "numeric", hour: "numeric", minute: "2-digit",
  });

  function formatTime(iso) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) return "";
    var today = new Date();
    return when.toDateString() === today.toDateString()
      ? timeFormat.format(when) : dateTimeFormat.format(when);
  }

  var WORKER_ICON = "M12 8v4l2.5 2.5M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z";

  function icon(pathData) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "13");
    svg.setAttribute("height", "13");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2");
    path.setAttribute("stroke-linecap", "round");
    svg.appendChild(path);
    return svg;
  }

  function buildMessage(id, m) {
    var mine = m.direction === "in";
    var item = document.createElement("div");
    item.className = "msg " + (mine ? "me" : "them") + (m.via === "worker" ? " worker" : "");
    item.setAttribute("data-id", id);
    item.setAttribute("data-direction", m.direction);
    item.setAttribute("data-via", m.via);

    var bubble = document.createElement("div");
    bubble.className = "bubble";
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = mine ? "You: " : helplineName + (m.via === "worker" ? ", sent by a worker: " : ": ");
    bubble.appendChild(who);
    var text = document.createElement("span");
    text.className = "text";
    appendLinkified(text, String(m.body == null ? "" : m.body));
    bubble.appendChild(text);
    var shown = formatTime(m.at);
    if (shown) {
      var room = document.createElement("span");
      room.className = "stamp-room";
      room.setAttribute("aria-hidden", "true");
      room.textContent = shown;
      bubble.appendChild(room);
      var time = document.createElement("time");
      time.className = "stamp";
      time.dateTime = m.at;
      time.textContent = shown;
      bubble.appendChild(time);
    }
    item.appendChild(bubble);

    if (m.via === "worker") {
      var meta = document.createElement("div");
      meta.className = "meta via";
      meta.setAttribute("aria-hidden", "true"); // already said in the bubble's label
      meta.title = "Sent later by a background job (an RQ worker), not as the direct reply";
      meta.appendChild(icon(WORKER_ICON));
      meta.appendChild(document.createTextNode("sent by a worker"));
      item.appendChild(meta);
    }
    return item;
  }

  /** Consecutive texts from the same side sit closer together. */
  function markFollow(item) {
    var prev = item.previousElementSibling;
    var same = prev && prev.getAttribute("data-direction") === item.getAttribute("data-direction");
    item.classList.toggle("follow", !!same);
    var next = item.nextElementSibling;
    if (next) {
      next.classList.toggle("follow", next.getAttribute("data-direction") === item.getAttribute("data-direction"));
    }
  }

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }

  // Follow new texts unless the reader scrolled up to read older ones.
  var pinned = true;

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    pinned = true;
    jump.hidden = true;
  }

  var replaying = true;
  var settleTimer = null;

  function settleReplaySoon() {
    clearTimeout(settleTimer);
    settleTimer = setTimeout(function () {
      if (replaying) {
        replaying = false;
        body.classList.remove("replaying");
        log.setAttribute("aria-busy", "false");
        scrollToBottom();
      }
    }, REPLAY_SETTLE_MS);
  }

  function draw(id, m) {
    if (!id || seen.has(id)) return;
    seen.add(id);
    var stick = replaying || pinned || m.direction === "in";
    var item = buildMessage(id, m);
    if (lastId === null || compareIds(id, lastId) > 0) {
      log.appendChild(item);
      lastId = id;
    } else {
      // Never expected (the server sends in order), but keep the order if it happens.
      var children = log.children, placed = false;
      for (var i = 0; i < children.length; i++) {
        if (compareIds(children[i].getAttribute("data-id"), id) > 0) {
          log.insertBefore(item, children[i]);
          placed = true;
          break;
        }
      }
      if (!placed) log.appendChild(item);
    }
    markFollow(item);
    body.classList.add("has-messages");
    if (replaying) settleReplaySoon();
    if (stick) scrollToBottom();
    else jump.hidden = false;
  }

  function clearConversation() {
    while (log.firstChild) log.removeChild(log.firstChild);
    seen = new Set();
    lastId = null;
    body.classList.remove("has-messages");
    jump.hidden = true;
  }

  scroller.addEventListener("scroll", function () {
    pinned = nearBottom();
    if (pinned) jump.hidden = true;
  }, { passive: true });
  jump.addEventListener("click", function () {
    scrollToBottom();
    textbox.focus({ preventScroll: true });
  });
  // The phone keyboard opening or the window resizing must not lose the newest text.
  window.addEventListener("resize", function () { if (pinned) scrollToBottom(); });

  // ------------------------------------------------------------ the stream

  var source = null;
  var generation = 0;
  var retryTimer = null;
  var retryDelay = 1000;

  function setStatus(state) {
    if (statusEl.getAttribute("data-state") === state) return;
    statusEl.setAttribute("data-state", state);
    statusText.textContent = {
      connecting: "Connecting…",
      connected: "Connected",
      reconnecting: "Reconnecting…",
    }[state];
  }

  function connect() {
    disconnect();
    var mine = ++generation;
    replaying = true;
    body.classList.add("replaying");
    log.setAttribute("aria-busy", "true");
    settleReplaySoon();
    var es = new EventSource("/sandbox/events?line=" + encodeURIComponent(line));
    source = es;
    es.onopen = function () {
      if (mine !== generation) return;
      retryDelay = 1000;
      setStatus("connected");
    };
    es.onmessage = function (event) {
      if (mine !== generation) return;
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      draw(event.lastEventId, data);
    };
    es.onerror = function () {
      if (mine !== generation) return;
      setStatus("reconnecting");
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (an HTTP error, not a dropped connection): try again
        // ourselves, a little later each time. The replay is deduplicated by id.
        clearTimeout(retryTimer);
        retryTimer = setTimeout(function () { if (mine === generation) connect(); }, retryDelay);
        retryDelay = Math.min(retryDelay * 2, RECONNECT_MAX_MS);
      }
      // Otherwise EventSource reconnects by itself, sending Last-Event-ID.
    };
  }

  function disconnect() {
    clearTimeout(retryTimer);
    if (source) source.close();
    source = null;
  }

  // ------------------------------------------------------------ sending

  var queue = Promise.resolve();
  var pending = 0;

  function showError(message) {
    errorEl.textContent = message;
    errorEl.hidden = !message;
  }

  function postJSON(path, payload) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    }).then(function (response) {
      if (response.ok) return response.json();
      return response.json().catch(function () { return {}; }).then(function (data) {
        throw new Error(data.error || "the server answered " + response.status);
      });
    });
  }

  /** Texts go out one at a time, in the order typed. */
  function sendText(text) {
    if (!text.trim()) return Promise.resolve(false);
    var forLine = line;
    pending++;
    updateSendButton();
    showError("");
    var done = queue.then(function () {
      return postJSON("/sandbox/messages", { line: forLine, body: text });
    }).then(function () {
      return true;
    }, function (err) {
      var reason = err instanceof TypeError
        ? "Could not reach the helpline. Is `helpline dev` still running?"
        : "Not sent: " + err.message;
      showError(reason);
      return false;
    }).then(function (ok) {
      pending--;
      updateSendButton();
      return ok;
    });
    queue = done;
    return done;
  }

  function submitTextbox() {
    var text = textbox.value;
    if (!text.trim()) return;
    textbox.value = "";
    onInput();
    sendText(text).then(function (ok) {
      if (!ok && textbox.value === "") {
        textbox.value = text; // give the text back so nothing typed is lost
        onInput();
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submitTextbox();
    textbox.focus();
  });

  textbox.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submitTextbox();
  });

  document.addEventListener("click", function (event) {
    var chip = event.target.closest("[data-send]");
    if (!chip) return;
    sendText(chip.getAttribute("data-send"));
    textbox.focus({ preventScroll: true });
  });

  // ------------------------------------------------------------ the hint

  var GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM_EXTENDED = "^{}\\[~]|€\f";

  /** Same rules as helpline/engine/segments.py. */
  function segments(text) {
    var gsm = true, units = 0;
    for (var ch of text) {
      if (GSM_BASIC.indexOf(ch) !== -1) units += 1;
      else if (GSM_EXTENDED.indexOf(ch) !== -1) units += 2;
      else { gsm = false; break; }
    }
    if (!gsm) units = text.length; // UTF-16 units
    var single = gsm ? 160 : 70, part = gsm ? 153 : 67;
    var count = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / part));
    return { gsm: gsm, units: units, count: count, single: single };
  }

  function updateSendButton() {
    sendButton.disabled = !textbox.value.trim() || Array.from(textbox.value).length > MAX_CHARS;
  }

  function onInput() {
    textbox.style.height = "auto";
    textbox.style.height = Math.min(textbox.scrollHeight + 3, 160) + "px";
    var text = textbox.value;
    var chars = Array.from(text).length;
    if (!chars) {
      countEl.textContent = "";
      countEl.classList.remove("over");
    } else if (chars > MAX_CHARS) {
      countEl.textContent = "Too long: " + MAX_CHARS + " characters at most";
      countEl.classList.add("over");
    } else {
      var s = segments(text);
      countEl.textContent = s.units + " / " + (s.count > 1 ? s.count * (s.gsm ? 153 : 67) : s.single) +
        " · " + s.count + (s.count === 1 ? " text" : " texts");
      countEl.title = s.gsm
        ? "Plain characters: 160 per text, 153 when split"
        : "Accents or emoji: 70 characters per text, 67 when split";
      countEl.classList.remove("over");
    }
    updateSendButton();
  }

  textbox.addEventListener("input", onInput);

  // ------------------------------------------------------------ new conversation

  function switchLine(next) {
    line = next;
    lineIdEl.textContent = line;
    clearConversation();
    showError("");
    setStatus("connecting");
    connect();
  }

  newButton.addEventListener("click", function () {
    var old = line;
    newButton.disabled = true;
    disconnect();
    postJSON("/sandbox/reset", { line: old }).catch(function () {
      /* the old line is forgotten anyway: nothing on this page uses it again */
    }).then(function () {
      var next = randomLine();
      saveLine(next);
      switchLine(next);
      newButton.disabled = false;
      textbox.focus();
    });
  });

  // Another tab of this browser started a new conversation: follow it.
  window.addEventListener("storage", function (event) {
    if (event.key === STORAGE_KEY && event.newValue && event.newValue !== line &&
        LINE_PATTERN.test(event.newValue)) {
      switchLine(event.newValue);
    }
  });

  // ------------------------------------------------------------ the guide (phones)

  var guideOpener = null;

  function openGuide() {
    guideOpener = document.activeElement;
    guide.classList.add("open");
    phone.inert = true; // the sheet covers the phone: keep Tab inside the sheet
    aboutButton.setAttribute("aria-expanded", "true");
    $("guide-title").focus();
  }

  function closeGuide() {
    if (!guide.classList.contains("open")) return;
    guide.classList.remove("open");
    phone.inert = false;
    aboutButton.setAttribute("aria-expanded", "false");
    (guideOpener && guideOpener.focus ? guideOpener : aboutButton).focus();
  }

  aboutButton.addEventListener("click", function () {
    if (guide.classList.contains("open")) closeGuide(); else openGuide();
  });
  guideClose.addEventListener("click", closeGuide);
  $("intro-more").addEventListener("click", openGuide);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeGuide();
  });
  // Wide screens show the guide beside the phone: no sheet to close there.
  var wide = window.matchMedia("(min-width: 900px)");
  var onWidth = function () { if (wide.matches) closeGuide(); };
  if (wide.addEventListener) wide.addEventListener("change", onWidth);

  // ------------------------------------------------------------ start

  onInput();
  connect();
  // A phone keyboard popping up on load would hide the conversation.
  if (window.matchMedia("(hover: hover) and (pointer: fine)").matches) textbox.focus();
})();
