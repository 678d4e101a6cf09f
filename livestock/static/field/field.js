/* The field app's script: counts kept on the phone until the server answers.
 *
 * Every entry typed on a village page (and every correction on a household
 * page) is checked at once against the per-entry rules the server describes
 * (/field/rules.json), then put in an outbox in IndexedDB under its own uuid.
 * The outbox is sent to the API's bulk endpoint (idempotent by uuid) whenever
 * there is a connection, with retries and backoff. An item leaves the outbox
 * only when the server has answered: stored (201/200) and removed, or refused
 * and kept under "需要处理" with the server's message, to be corrected or
 * discarded. A reload, a closed tab or a lost signal mid-sync leaves every
 * unanswered item where it was; sent again under its uuid it is stored once.
 * A correction carries the ETag of the version it was made from; a server
 * copy changed meanwhile is a conflict shown side by side, theirs and mine.
 *
 * What it writes is in the page's two languages, as the page shows its labels
 * (templatetags/both.py: Kazakh with the Chinese beside it on a Kazakh page,
 * Chinese with the English beside it otherwise): its own texts are the msgids
 * of _("…") below, translated in the djangojs catalogs and served by Django's
 * JavaScript catalog for the page's language (/field/i18n/<language>.js, loaded
 * before this script and kept for offline like the page); the rules' messages
 * and labels come in every language with the rules description.
 */
(function () {
  "use strict";

  const script = document.currentScript;
  /* The page as the server drew it (this script runs once it is parsed,
     before it changes anything), kept for offline without a second download. */
  const drawnPage = "<!DOCTYPE html>\n" + document.documentElement.outerHTML;
  /* kept.js, loaded before this script: whose pages and roster the phone keeps. */
  const fieldKept = window.fieldKept;
  const CACHE = fieldKept.CACHE;
  const urls = {
    rules: script.dataset.rules,
    roster: script.dataset.roster,
    sw: script.dataset.sw,
    scope: script.dataset.scope,
    bulk: script.dataset.bulk,
    entries: script.dataset.entries,
    probe: script.dataset.probe,
    login: script.dataset.login,
    /* A household's page, its record's id in place of the 0. */
    recordPage: script.dataset.recordPage,
    /* Who last changed an entry, and when: its id in place of the 0. */
    entryChange: script.dataset.entryChange,
  };
  const BULK_LIMIT = 1000;
  const MAX_BACKOFF_MS = 60000;
  /* An entry's inputs are drawn from the rules description (the server's
     template and editRefused below): each carries data-field, and a count its
     empty value (data-empty: "" for none). No field is named here. */
  const FIELD_INPUTS = "[data-field]";
  /* The page's two languages: their keys in the rules description ({first, beside}),
     and each one's code and direction ({lang: {first, beside}, dir: {first, beside}}). */
  const shown = JSON.parse(script.dataset.languages || '{"first": "zh", "beside": "en"}');
  shown.lang = shown.lang || { first: "zh-hans", beside: "en" };
  shown.dir = shown.dir || { first: "ltr", beside: "ltr" };

  /* IndexedDB (kept.js): "outbox" (items by uuid) and "kept" (the rules, the roster,
     and whose they are). */
  const transact = fieldKept.transact;
  /* Who is logged in: an item is the technician's who typed it, and is sent only in
     their session, so that it is stored as theirs. A phone passed to a colleague who
     logs in sent the first one's counts as the colleague's (and out of their places,
     refused). Items kept before items were named (no user) go with whoever is in. */
  const currentUser = script.dataset.user || "";
  /* The pages and the roster kept from now are this user's: another's, or those kept
     before a logout, are dropped (kept.js). Only this page's user can be logged in:
     the server drew it for them, or the worker showed it kept for them, logged in. */
  const userId = script.dataset.userId || "";
  const keptForMe = fieldKept.keptFor(userId, currentUser).catch(function () {});
  function isMine(item) {
    return item.user === undefined || item.user === currentUser;
  }
  /* The field app's other tabs on this phone, told when this one changes the outbox
     (a count kept, uploaded, refused), and drawing it again when told (outboxChanged
     below): a tab that drew it only after its own upload, which offline never came,
     showed a household whose count another tab had kept as uncounted, and "待上传"
     fewer than waited. BroadcastChannel does not tell the tab that speaks. */
  const otherTabs = "BroadcastChannel" in window ? new BroadcastChannel("lambing-field-outbox") : null;
  /* A change of the outbox, in one transaction, the other tabs told once it is kept. */
  function changeOutbox(change) {
    return transact("outbox", "readwrite", change).then(function (result) {
      if (otherTabs) otherTabs.postMessage("outbox changed");
      return result;
    });
  }
  const outbox = {
    all: function () {
      return transact("outbox", "readonly", function (s) { return s.getAll(); }).then(function (items) {
        return (items || []).filter(isMine);
      });
    },
    others: function () {
      return transact("outbox", "readonly", function (s) { return s.getAll(); }).then(function (items) {
        return (items || []).filter(function (item) { return !isMine(item); });
      });
    },
    get: function (uuid) { return transact("outbox", "readonly", function (s) { return s.get(uuid); }); },
    put: function (item) { return changeOutbox(function (s) { s.put(item); }); },
    /* Items kept together: all, or none. */
    putAll: function (items) {
      return changeOutbox(function (s) { items.forEach(function (item) { s.put(item); }); });
    },
    remove: function (uuid) { return changeOutbox(function (s) { s.delete(uuid); }); },
    /* An item replaced by its correction, in one transaction: never both, never neither. */
    replace: function (old, item) {
      return changeOutbox(function (s) { s.delete(old); s.put(item); });
    },
  };
  /* A save's write to the outbox (a row's, 全部保存's, a correction's, a refused
     count's sent again), from the tap until the phone's storage has it: ``items`` put
     by ``write``, each replacing the uuid ``replaces`` if given. A page left meanwhile
     (a link, the back button) took the write with it, unfinished: the count tapped
     保存 was gone. What is still being written as the page goes is stashed (kept.js),
     and put in the outbox by the next page. */
  const beingKept = new Map();
  /* The saves this page stashed as it was hidden, still being written: {uuid: "writing",
     or "failed" once the phone's storage refused it while the page was hidden}. A page
     the browser keeps in its back-forward cache is hidden (pagehide, persisted) and may
     be shown again (pageshow, persisted), its writes ending there: the stash follows
     each save's end, as it does on the next page. Left in it once the save had ended,
     the next page put that older copy back in the outbox under its uuid: a correction
     uploaded, then corrected again, went once more from its old version, and came back
     as a conflict with the technician's own later correction. A save kept is taken out
     of the stash; one refused is too, once the page is shown saying so (its row as
     typed): hidden for good, its stash is what keeps it. */
  const stashedHere = new Map();
  let pageHidden = false;
  function keeping(items, write, replaces) {
    items.forEach(function (item) { beingKept.set(item.uuid, { item: item, replaces: replaces || null }); });
    const ended = function (kept) {
      items.forEach(function (item) { beingKept.delete(item.uuid); });
      const stashed = items.map(function (item) { return item.uuid; }).filter(function (uuid) {
        return stashedHere.has(uuid);
      });
      if (!stashed.length) return;
      if (kept || !pageHidden) {
        fieldKept.unstash(stashed);
        stashed.forEach(function (uuid) { stashedHere.delete(uuid); });
      } else {
        stashed.forEach(function (uuid) { stashedHere.set(uuid, "failed"); });
      }
    };
    return write().then(function (result) {
      ended(true);
      return result;
    }, function (error) {
      ended(false);
      throw error;
    });
  }
  window.addEventListener("pagehide", function () {
    pageHidden = true;
    const unstashed = Array.from(beingKept.values()).filter(function (write) {
      return !stashedHere.has(write.item.uuid);
    });
    if (!unstashed.length) return;
    fieldKept.stashUnkept(unstashed);
    unstashed.forEach(function (write) { stashedHere.set(write.item.uuid, "writing"); });
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    pageHidden = false;
    const failed = Array.from(stashedHere.keys()).filter(function (uuid) {
      return stashedHere.get(uuid) === "failed";
    });
    if (!failed.length) return;
    fieldKept.unstash(failed);
    failed.forEach(function (uuid) { stashedHere.delete(uuid); });
  });

  /* The rules and the roster, kept once what another user's was kept is dropped:
     put before, the page's own copy went with it. */
  const kept = {
    get: function (key) {
      return keptForMe.then(function () {
        return transact("kept", "readonly", function (s) { return s.get(key); });
      });
    },
    put: function (key, value) {
      return keptForMe.then(function () {
        return transact("kept", "readwrite", function (s) { s.put(value, key); });
      });
    },
  };

  function newUuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function localToday() {
    const now = new Date();
    const pad = function (n) { return String(n).padStart(2, "0"); };
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  /* The day the page was drawn for; a page kept for offline work may be shown
     days later (opened from the worker's cache with no signal). Its date inputs
     default to that day, so each row left at it follows the phone's calendar:
     a count typed the next morning is dated the next morning, not the day the
     page was last fetched. A date the technician chose stays as chosen. The latest
     day the date picker offers follows too, up to the season's last day. */
  let shownToday = script.dataset.today || "";
  function catchUpWithToday() {
    const today = localToday();
    if (!shownToday || today <= shownToday) return;
    document.querySelectorAll('form[data-entry-form] input[type=date]').forEach(function (input) {
      if (input.value === shownToday) input.value = today;
    });
    document.querySelectorAll("input[type=date][max]").forEach(function (input) {
      const end = input.dataset.seasonEnd;
      const latest = end && end < today ? end : today;
      if (input.max < latest) input.max = latest;
    });
    document.querySelectorAll("[data-today-shown]").forEach(function (node) { node.textContent = today; });
    shownToday = today;
  }

  /* A message template ("%(value)s …", the server's and the catalogs') filled in. */
  function fill(template, params) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return name in params ? String(params[name]) : whole;
    }).replace(/%%/g, "%");
  }
  /* A text in the page's two languages: {first, beside}. */
  function isPair(value) {
    return Boolean(value) && typeof value === "object" && typeof value.first === "string" &&
      typeof value.beside === "string";
  }
  /* The two texts of ``template`` ({first, beside}), each filled with ``params`` in its
     own language: a param that is itself a pair (a season's name, a field's label)
     gives each language its own, never one language's to both. */
  function fillBoth(template, params) {
    const filled = {};
    ["first", "beside"].forEach(function (side) {
      const own = {};
      Object.keys(params || {}).forEach(function (name) {
        own[name] = isPair(params[name]) ? params[name][side] : params[name];
      });
      filled[side] = fill(template[side], own);
    });
    return filled;
  }
  /* One of our texts in the page's two languages: {first, beside}. Without the
     catalog (never kept) it is the English msgid. */
  function _(msgid, params) {
    const catalog = window.django || {};
    const first = catalog.gettext ? catalog.gettext(msgid) : msgid;
    const beside = (catalog.besideCatalog || {})[msgid] || msgid;
    return fillBoth({ first: first, beside: beside }, params);
  }
  /* A message or label of the rules description (a text per language), likewise. */
  function bilingual(message, params) {
    return fillBoth({
      first: message[shown.first] || message.en,
      beside: message[shown.beside] || message.en,
    }, params);
  }
  /* A name or a date inside a line: isolated (FSI … PDI), as the catalogs isolate
     their placeholders (scripts/kk_arabic_po.py), so that 2026-12-06 after an
     Arabic-script word does not read 06-12-2026. */
  function isolate(text) {
    return "\u2068" + text + "\u2069";
  }
  /* Both texts as one line: "first · beside" (one, when they are the same). */
  function both(pair, between) {
    return pair.first === pair.beside ? pair.first : pair.first + (between || " · ") + pair.beside;
  }
  /* One language's text of a pair in its own <bdi>, with that language's code and
     direction: laid out on its own, its brackets and full stop where its language
     puts them (Chinese beside Arabic-script Kazakh ended "。数）" at the wrong end). */
  function part(pair, side) {
    const node = document.createElement("bdi");
    node.lang = shown.lang[side];
    node.dir = shown.dir[side];
    node.textContent = pair[side];
    return node;
  }
  /* The same in an element: each language's text in its own <bdi>, "first · beside". */
  function showBoth(node, pair) {
    if (!pair) return node.replaceChildren();
    if (pair.first === pair.beside) return node.replaceChildren(pair.first);
    node.replaceChildren(part(pair, "first"), " · ", part(pair, "beside"));
  }

  /* A label in an element as the templates write one: "first <small>beside</small>",
     the text beside in its own <bdi> (templatetags/both.py). */
  function showLabel(node, pair) {
    if (pair.first === pair.beside) return node.replaceChildren(pair.first);
    const beside = document.createElement("small");
    beside.append(part(pair, "beside"));
    node.replaceChildren(pair.first + " ", beside);
  }

  /* An answer to the page's own requests (what it asks for in the background, and
     its uploads to the API) drawn for nobody logged in says so when the session ended
     without a logout (livestock/access/sessions.py): what the phone kept of its
     owner's is dropped before the answer is read (kept.js), and the page says so,
     where the technician looks for what the phone is doing: the login page they open
     next has nothing left to clear, and would not say it. The outbox stays. Resolves
     to ``response``. An answer drawn for them logged in (another tab logged in again)
     ends it. */
  let sessionEnded = false;
  async function heardOfTheSession(response) {
    const ended = await fieldKept.answeredLoggedOut(response).catch(function () { return false; });
    if (ended) {
      sessionEnded = true;
      syncState(null);
    } else if (response.ok && sessionEnded) {
      /* Logged in again (in another tab): what the line said before the session
         ended ("正在上传…" of an upload refused since, "no connection" of a signal
         back since) is no longer so. It is forgotten, and an upload says what is. */
      sessionEnded = false;
      syncSaid = null;
      syncState(null);
      sync();
    }
    return response;
  }

  /* The session's end, said for as long as it lasts, whatever the sync says meanwhile
     (with no signal, "they upload when the signal returns": they would not, without a
     login), on the outbox's line shown even with nothing waiting (it was written in
     the line hidden), with a link to log in again that comes back to this page. */
  function saySessionEnded(node) {
    showBoth(node, _("Your session has ended: log in again. What this phone kept for offline work was cleared; counts not yet uploaded stay on it."));
    const link = document.createElement("a");
    link.className = "button log-in-again";
    link.dataset.logInAgain = "";
    link.href = urls.login + "?next=" + encodeURIComponent(location.pathname + location.search);
    const label = _("Log in again");
    link.replaceChildren(part(label, "first"), " ", part(label, "beside"));
    node.append(" ", link);
    const line = node.closest("[data-outbox]");
    if (line) line.hidden = false;
  }

  /* What the page asks for behind the technician's back (the rules, the roster, the
     stored page) stops at a redirect: one followed to the login page drew it, and with
     no cookie yet (cleared, or a new phone) set a new CSRF cookie under the login form
     the technician was filling in, which was then refused. A redirect's answer is not
     ok: the same as no answer. The server answers such a request drawn for nobody
     logged in saying so (heardOfTheSession). */
  async function askInTheBackground(url) {
    return heardOfTheSession(await fetch(url, { credentials: "same-origin", redirect: "manual" }));
  }

  /* The rules the server describes, kept in IndexedDB. The copy kept on the phone is
     used at once and the server's asked for behind it, for the next check: on a signal
     that answers nothing, waiting for the server's held the page's households and every
     Save tapped meanwhile for as long as the service worker waits. The rules change
     with the season, rarely; the date's upper bound is the phone's own today when later
     (check), and the server checks every count again when it is uploaded. Only a
     phone with none kept waits for the server's, and so does a page drawn for another
     season than the kept rules describe (its dates changed, or the next season begun,
     since they were kept): checked against them, a count dated in the season's new
     days was refused on the page that offered them, "not within the season". Once the
     server's come, every check after uses them. */
  let rulesReady = null;
  /* The season the page was drawn for ("id start end", "" for none), as the rules
     describe it (seasonOf); undefined on a page kept from before pages said it. */
  const drawnSeason = script.dataset.season;
  function seasonOf(rules) {
    const season = rules && rules.date && rules.date.season;
    return season ? [season.id, season.start, season.end].join(" ") : "";
  }
  function loadRules() {
    if (!rulesReady) {
      const fromServer = askInTheBackground(urls.rules)
        .then(function (response) {
          if (!response.ok) throw new Error("rules " + response.status);
          return response.json();
        })
        .then(function (rules) {
          kept.put("rules", rules);
          knownRules = rules;
          rulesReady = Promise.resolve(rules);
          return rules;
        });
      rulesReady = kept.get("rules")
        .catch(function () { return null; })
        .then(function (keptRules) {
          if (keptRules && (drawnSeason === undefined || seasonOf(keptRules) === drawnSeason)) {
            fromServer.catch(function () {});
            return keptRules;
          }
          return fromServer.catch(function () { return keptRules || null; });
        })
        .then(function (rules) { knownRules = knownRules || rules || null; return knownRules; });
    }
    return rulesReady;
  }

  /* The per-entry rules, from the description: {field: {zh, en}} or null. */
  function check(body, rules) {
    const errors = {};
    Object.keys(rules.fields).forEach(function (name) {
      const field = rules.fields[name];
      const value = body[name];
      if (field.type !== "integer" || value === null || value === undefined || name in errors) return;
      if (!Number.isInteger(value)) {
        errors[name] = _("%(value)s is not a whole number.", { value: value });
      } else if (field.min && value < field.min.value) {
        errors[name] = bilingual(field.min.message, { show_value: value, limit_value: field.min.value });
      } else if (field.max && value > field.max.value) {
        errors[name] = bilingual(field.max.message, { show_value: value, limit_value: field.max.value });
      }
    });
    rules.together.forEach(function (rule) {
      const names = Object.keys(rule.fields);
      const empty = names.filter(function (name) {
        const value = body[name] === undefined ? rule.fields[name] : body[name];
        return value === rule.fields[name] || (rule.fields[name] === null && value === null);
      });
      if (empty.length && empty.length < names.length && !(empty[0] in errors)) {
        errors[empty[0]] = bilingual(rule.message);
      }
    });
    const date = rules.date;
    const today = localToday() > date.today ? localToday() : date.today;
    if (!body.date) {
      errors.date = _("Give the date.");
    } else if (body.date > today) {
      errors.date = bilingual(date.future.message, { value: isolate(body.date), today: isolate(today) });
    } else if (date.season && (body.date < date.season.start || body.date > date.season.end)) {
      errors.date = bilingual(date.outside_season.message, {
        value: isolate(body.date),
        season: seasonName(date.season),
        start: isolate(date.season.start),
        end: isolate(date.season.end),
      });
    }
    return Object.keys(errors).length ? errors : null;
  }

  /* A season's name in the page's two languages (the rules describe it in each), each
     isolated: "2026–2027 冬羔" in the Chinese message, its Kazakh name in the Kazakh
     one. A description kept from before it named the season in every language has
     one name, in the language it was fetched in. */
  function seasonName(season) {
    if (typeof season.name === "string") return isolate(season.name);
    return {
      first: isolate(season.name[shown.first] || season.name.zh),
      beside: isolate(season.name[shown.beside] || season.name.zh),
    };
  }

  /* What a row's inputs say, in the API's fields. */
  function isCount(input) {
    return input.type === "number";
  }
  function emptyCount(input) {
    return input.dataset.empty === "" || input.dataset.empty === undefined ? null : Number(input.dataset.empty);
  }
  /* A count typed as the browser cannot read a number ("12-", "--2": a slip on the
     phone's keypad) has no value for the script ("", its text kept from it): read as
     empty, the row was kept as a count of nothing, said "已保存在手机上", and cleared,
     the 12 lambs typed gone. It is a count typed, and not a whole number. */
  function unreadable(input) {
    return isCount(input) && Boolean(input.validity && input.validity.badInput);
  }
  const UNREADABLE = "…";
  /* A count is ASCII digits (a minus before them is a negative count, refused as the
     rules' minimum says), as the server reads it (models/fields.py): "1e3", which the
     browser reads as a number, was kept as 1000 lambs, where the page without the
     script refuses it, "1e3不是整数". Anything else is kept as typed, and refused. */
  function readCount(input) {
    const raw = input.value.trim();
    if (unreadable(input)) return UNREADABLE;
    if (raw === "") return emptyCount(input);
    return /^-?[0-9]+$/.test(raw) ? Number(raw) : raw;
  }
  function readCounts(form) {
    const body = {};
    form.querySelectorAll(FIELD_INPUTS).forEach(function (input) {
      body[input.dataset.field] = isCount(input) ? readCount(input) : input.value.trim();
    });
    return body;
  }
  function typedSomething(form) {
    return Array.from(form.querySelectorAll(FIELD_INPUTS)).some(function (input) {
      return isCount(input) && (input.value.trim() !== "" || unreadable(input));
    });
  }
  /* Whether a village row holds anything typed: a count, or a choice (a loss's
     cause) made. A row is emptied once it is kept (clearRow); its date stays. */
  function holdsTyped(form) {
    return Array.from(form.querySelectorAll(FIELD_INPUTS)).some(function (input) {
      return (input.type !== "date" && input.value.trim() !== "") || unreadable(input);
    });
  }
  /* What a correction's form holds, its reason too, as one string to compare. */
  function typedIn(form) {
    const values = Array.from(form.querySelectorAll(FIELD_INPUTS)).map(function (input) { return input.value; });
    if (form.elements.reason) values.push(form.elements.reason.value);
    return JSON.stringify(values);
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
  }
  function showErrors(form, errors) {
    Object.keys(errors).forEach(function (name) {
      const input = form.elements[name];
      const note = document.createElement("span");
      note.className = "field-error";
      note.setAttribute("role", "alert");
      note.dataset.errorFor = name;
      showBoth(note, errors[name]);
      if (input && input.closest("label")) {
        input.setAttribute("aria-invalid", "true");
        input.closest("label").appendChild(note);
      } else {
        form.prepend(note);
      }
    });
  }
  function rowStatus(form, pair, kind) {
    const status = form.querySelector("[data-row-status]");
    if (!status) return;
    showBoth(status, pair);
    status.className = "row-status " + (kind || "");
  }

  function householdName(form) {
    const heading = form.querySelector("h3 a, .name");
    return heading ? heading.textContent.replace(/\s+/g, " ").trim() : "#" + form.dataset.record;
  }

  /* One save of a form at a time. A second tap while the first was being kept (a
     double tap in gloves, a tap on a slow phone) read the same counts again, before
     the first had cleared them: the count went into the outbox twice, under two
     uuids, and was stored twice. */
  const saving = new WeakSet();
  function onceAtATime(save) {
    return async function (form) {
      if (saving.has(form)) return false;
      saving.add(form);
      try {
        return await save(form);
      } finally {
        saving.delete(form);
      }
    };
  }
  const saveRow = onceAtATime(keepRow);

  /* A correction's saves one after another. A correction's form keeps what is typed
     in it once kept, so a second 更正 tapped while the first was being kept was
     dropped here as a double tap is: the technician's second correction was lost.
     Each now waits for the one before; a double tap (the same counts and reason as
     a correction of the entry still waiting to upload) is kept once (keepCorrection). */
  const correctionsUnderWay = new WeakMap();
  /* What each correction's form held when it was drawn, or last kept (typedIn): it
     keeps what was typed once kept, so what differs from this is typed and unsaved. */
  const correctionKept = new WeakMap();
  function saveCorrection(form) {
    const before = correctionsUnderWay.get(form) || Promise.resolve();
    const next = before.catch(function () {}).then(function () { return keepCorrection(form); });
    correctionsUnderWay.set(form, next);
    return next;
  }

  /* A village row checked: {item, read}, its outbox item and what was read of each
     of its inputs (clearRow), or null when it is refused (its errors are shown at its
     fields). */
  async function checkedRow(form) {
    catchUpWithToday();
    const rules = await loadRules();
    clearErrors(form);
    const read = new Map();
    form.querySelectorAll(FIELD_INPUTS).forEach(function (input) { read.set(input, input.value); });
    const body = readCounts(form);
    const errors = rules ? check(body, rules) : null;
    if (errors) {
      showErrors(form, errors);
      rowStatus(form, _("Not saved: correct it."), "refused");
      return null;
    }
    const uuid = newUuid();
    const record = Number(form.dataset.record);
    return {
      read: read,
      item: {
        uuid: uuid,
        kind: "create",
        state: "pending",
        user: currentUser,
        record: record,
        label: householdName(form),
        body: Object.assign({ uuid: uuid, record: record }, body),
        created: Date.now(),
      },
    };
  }

  /* A row once kept: each input cleared of what was read and kept (``read``), but
     one changed since (typed in while the phone's storage was writing: a slow phone,
     a village of 200 rows) keeps what it holds, unsaved, and says so, with what was
     saved of it. Cleared whole, the digit typed meanwhile was gone, never saved. */
  function clearRow(form, read) {
    form.querySelectorAll(FIELD_INPUTS).forEach(function (input) {
      if (input.type === "date") return;
      const was = read.get(input);
      if (input.value === was) {
        input.value = "";
        return;
      }
      const note = document.createElement("span");
      note.className = "field-error typed-since";
      note.setAttribute("role", "status");
      note.dataset.errorFor = input.dataset.field;
      const option = input.options ? Array.from(input.options).find(function (each) { return each.value === was; }) : null;
      const saved = option ? option.textContent : was;
      showBoth(note, saved
        ? _("Typed while the row was being saved: not saved yet (%(value)s was saved).", { value: saved })
        : _("Typed while the row was being saved: not saved yet."));
      if (input.closest("label")) input.closest("label").appendChild(note);
      else form.prepend(note);
    });
  }

  /* A write to the phone's storage refused (IndexedDB: full, or denied): said, in the
     page's two languages, with the browser's name for it. */
  function storageRefused(error, where) {
    const reason = (error && (error.name || error.message)) || "?";
    return where === "rows"
      ? _("Not saved on this phone: its storage refused it (%(reason)s). What you typed is still in the rows.", { reason: reason })
      : _("Not saved on this phone: its storage refused it (%(reason)s). What you typed is still here.", { reason: reason });
  }

  /* The rows the phone's storage refused, with what they say ({first, beside}): each
     keeps saying it was not saved while it holds what was typed, whatever the outbox
     holds of its household (render). In a household with counts waiting, the next
     redraw said "已保存在手机上，待上传" of the row, its count never saved. */
  const refusedByStorage = new WeakMap();
  function notSaved(form, pair) {
    refusedByStorage.set(form, pair);
    rowStatus(form, pair, "refused");
  }

  /* A village row: checked, then into the outbox. Returns whether it was kept. A
     write the phone's storage refuses leaves the row as typed, saying so. */
  async function keepRow(form) {
    const checked = await checkedRow(form);
    if (!checked) return false;
    try {
      await keeping([checked.item], function () { return outbox.put(checked.item); });
    } catch (error) {
      notSaved(form, storageRefused(error, "row"));
      return false;
    }
    refusedByStorage.delete(form);
    clearRow(form, checked.read);
    await render();
    sync();
    return true;
  }

  /* 全部保存: every row typed in, checked, kept in one transaction (written to the
     phone's storage once, not once a row), then the page drawn and the upload begun
     once. Kept row by row, each written to storage and the page drawn again after
     each, a village of 200 households took over a minute before the last count was
     kept. A row being saved on its own is left to that save; a second tap while the
     rows are kept does nothing (they were read once). */
  let savingAll = false;
  /* What the last 全部保存 did, said on the bar beside its button (saveAllState): the
     technician taps it at the foot of a long village, far from the rows refused and
     from the page's top, where the server's refusals are listed. */
  let lastSaveAll = null;
  async function keepAllRows() {
    if (savingAll) return;
    savingAll = true;
    const forms = Array.from(document.querySelectorAll("form[data-entry-form]")).filter(function (form) {
      return typedSomething(form) && !saving.has(form);
    });
    forms.forEach(function (form) { saving.add(form); });
    const said = { kept: 0, notValid: 0, refused: null };
    try {
      const kept = [];
      for (const form of forms) {
        const checked = await checkedRow(form);
        if (checked) kept.push({ form: form, checked: checked });
        else said.notValid += 1;
      }
      if (kept.length) {
        const items = kept.map(function (each) { return each.checked.item; });
        try {
          await keeping(items, function () { return outbox.putAll(items); });
          kept.forEach(function (each) {
            refusedByStorage.delete(each.form);
            clearRow(each.form, each.checked.read);
          });
          said.kept = kept.length;
        } catch (error) {
          said.refused = storageRefused(error, "rows");
          kept.forEach(function (each) { notSaved(each.form, storageRefused(error, "row")); });
        }
      }
    } finally {
      forms.forEach(function (form) { saving.delete(form); });
      savingAll = false;
    }
    lastSaveAll = said;
    await render();
    sync();
  }

  /* The bar's line: what the last 全部保存 kept, what it could not, and how many of the
     page's rows the server has refused since (listed under 需要处理 at the top). */
  function saveAllState(attention) {
    const node = document.querySelector("[data-save-all-state]");
    if (!node || !lastSaveAll) return;
    const said = [];
    if (lastSaveAll.refused) said.push(lastSaveAll.refused);
    else said.push(_("Saved on this phone: %(count)s.", { count: lastSaveAll.kept }));
    if (lastSaveAll.notValid) said.push(_("Not saved, to correct as the row says: %(count)s.", { count: lastSaveAll.notValid }));
    const shownRecords = new Set(Array.from(document.querySelectorAll("form[data-entry-form]")).map(function (form) {
      return Number(form.dataset.record);
    }));
    const refused = attention.filter(function (item) { return shownRecords.has(item.record); }).length;
    if (refused) said.push(_("Refused by the server: %(count)s, listed at the top under Needs attention.", { count: refused }));
    showBoth(node, joined(said));
    node.className = "save-all-state" + (lastSaveAll.refused || lastSaveAll.notValid || refused ? " refused" : "");
    node.hidden = false;
  }

  /* The reason a correction or a deletion needs (services.guards.require_reason):
     one empty or of spaces alone is none, refused at its field with the server's
     message, in the page's two languages, before anything is kept or sent. (Without
     the rules, never fetched, the browser's own note refuses an empty one.) */
  function reasonError(form, rules) {
    const rule = rules && rules.correction_fields && rules.correction_fields.reason.blank;
    if (!rule || form.elements.reason.value.trim() !== "") return null;
    return bilingual(rule.message);
  }

  /* The rules a household's page checks a correction with: the rules served describe
     the season counted in today, but the page may be of another season's record (last
     winter's, opened once spring lambing began), whose entries are dated in theirs. Its
     season (its dates and its name in every language, record.html's "record-season")
     stands in for today's: checked against today's, every correction of last season's
     entries was refused on the phone, "not within the 2026–2027 season", though the
     server takes it. */
  function forThisPage(rules) {
    const node = document.getElementById("record-season");
    if (!rules || !node) return rules;
    const season = JSON.parse(node.textContent);
    if (!season || seasonOf({ date: { season: season } }) === seasonOf(rules)) return rules;
    return Object.assign({}, rules, { date: Object.assign({}, rules.date, { season: season }) });
  }

  /* A correction of a saved entry, from the version shown (its ETag). */
  async function keepCorrection(form) {
    const rules = forThisPage(await loadRules());
    clearErrors(form);
    const read = typedIn(form);
    const body = readCounts(form);
    const errors = Object.assign({}, rules ? check(body, rules) : null);
    const reason = reasonError(form, rules);
    if (reason) errors.reason = reason;
    if (Object.keys(errors).length) {
      showErrors(form, errors);
      return;
    }
    if (!form.elements.reason.reportValidity()) return;
    body.reason = form.elements.reason.value.trim();
    const entry = Number(form.dataset.entry);
    const again = (await outbox.all()).some(function (item) {
      return item.kind === "update" && item.state === "pending" && item.entry === entry &&
        JSON.stringify(item.body) === JSON.stringify(body);
    });
    if (again) {
      correctionKept.set(form, typedIn(form));
      return;
    }
    const item = {
      uuid: newUuid(),
      kind: "update",
      state: "pending",
      user: currentUser,
      record: Number(form.dataset.recordId),
      entry: entry,
      etag: form.dataset.etag,
      label: (document.querySelector("h1") || {}).textContent || "",
      body: body,
      created: Date.now(),
    };
    await keeping([item], function () { return outbox.put(item); });
    correctionKept.set(form, read);
    await render();
    sync();
  }

  /* Sending the outbox. One sync at a time across tabs (Web Locks), retried
     with growing waits while the server cannot be reached. */

  let backoff = 0;
  let retryTimer = null;
  let syncing = null;

  function csrfToken() {
    const cookie = document.cookie.split("; ").find(function (c) { return c.indexOf("csrftoken=") === 0; });
    if (cookie) return decodeURIComponent(cookie.split("=")[1]);
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /* What the sync is doing, said on the outbox's line (``pair``; null: said before). */
  let syncSaid = null;
  function syncState(pair) {
    if (pair) syncSaid = pair;
    const node = document.querySelector("[data-sync-state]");
    if (!node) return;
    if (sessionEnded) return saySessionEnded(node);
    showBoth(node, syncSaid);
  }

  function retryLater(seconds) {
    backoff = Math.min(backoff ? backoff * 2 : 1000, MAX_BACKOFF_MS);
    const wait = seconds ? seconds * 1000 : backoff + Math.floor(Math.random() * 500);
    syncState(_("No connection; trying again in %(seconds)s s.", { seconds: Math.round(wait / 1000) }));
    clearTimeout(retryTimer);
    retryTimer = setTimeout(sync, wait);
  }

  function sync() {
    if (syncing) return syncing;
    const run = function () { return syncOnce(); };
    syncing = (navigator.locks ? navigator.locks.request("lambing-field-sync", run) : run())
      .catch(function () { retryLater(); })
      .finally(function () { syncing = null; render(); });
    return syncing;
  }

  /* The server's refusal in the page's two languages ({first, beside}), each message
     after the label of its field in the same language: the label as the rules describe
     it (a correction's reason too), the message as the server writes it when asked for
     the page's languages apart (the X-Shown-Languages and X-Shown-Apart headers below;
     livestock/api/errors.py says every refusal so): {language code: text} for each
     message, a text alone where both languages read the same. Joined in one string,
     the Chinese half's brackets and full stop were laid out at the wrong end of a
     right-to-left page. */
  let knownRules = null;
  function fieldLabel(field) {
    const described = knownRules && (knownRules.fields[field] || (knownRules.correction_fields || {})[field]);
    return described ? bilingual(described.label) : { first: field, beside: field };
  }
  function saidApart(said) {
    if (typeof said === "string") return { first: said, beside: said };
    if (said && typeof said[shown.lang.first] === "string" && typeof said[shown.lang.beside] === "string") {
      return { first: said[shown.lang.first], beside: said[shown.lang.beside] };
    }
    return null;
  }
  function joined(pairs) {
    return {
      first: pairs.map(function (pair) { return pair.first; }).join(" "),
      beside: pairs.map(function (pair) { return pair.beside; }).join(" "),
    };
  }
  function messageOf(errors) {
    const said = saidApart(errors);
    if (said) return said;
    if (Array.isArray(errors)) return joined(errors.map(messageOf));
    if (!errors || typeof errors !== "object") return { first: String(errors), beside: String(errors) };
    return joined(Object.keys(errors).map(function (field) {
      /* A refusal of the whole (a 404's "detail") is said without a label. */
      const message = messageOf(errors[field]);
      if (field === "non_field_errors" || field === "detail") return message;
      return _("%(label)s: %(message)s", { label: fieldLabel(field), message: message });
    }));
  }

  async function request(url, options) {
    options.credentials = "same-origin";
    options.headers = Object.assign({
      "Accept": "application/json",
      "X-CSRFToken": csrfToken(),
      /* Its messages in this page's two languages, whatever the session's is since,
         each language's apart (shown each in its own <bdi>). */
      "X-Shown-Languages": document.documentElement.lang,
      "X-Shown-Apart": "1",
    }, options.headers || {});
    /* Refused because the session ended (an upload is often the only request a
       technician makes once the signal returns): the phone learns it here too. */
    return heardOfTheSession(await fetch(url, options));
  }

  /* Answers that say "try again later" rather than "no": the server's own trouble
     (5xx), too many requests (429), and a request that came too slowly to be read
     whole (408, a proxy's on a poor link). */
  function isTransient(response) {
    return response.status === 408 || response.status === 429 || response.status >= 500;
  }

  /* An upload refused (4xx, not to its sender: refusedToSender): the answer's JSON,
     or null for an answer that is none (a proxy's page in front of the server, HTML:
     a body too large, 413; a request it will not pass on, 400). Such a refusal is an
     answer, not a lost signal: it was taken for one (the JSON unread) and the upload
     tried again for ever, the line saying "No connection", what was typed sent again
     every minute to be refused again. A body cut short (the signal lost) still
     rejects, as any request does: tried again later. */
  async function refusedBody(response) {
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      return null;
    }
  }

  /* What a refused item says under 需要处理: the server's message, or when the
     answer said none the phone can read (refusedBody), its status. */
  function refusalSaid(response, answer) {
    const said = answer && typeof answer === "object" ? messageOf(answer) : null;
    if (said && said.first) return said;
    return _("The server refused it (HTTP %(status)s) without saying why; it is kept on this phone.", {
      status: response.status,
    });
  }

  async function syncOnce() {
    heldBack = null;
    const items = (await outbox.all()).filter(function (item) { return item.state === "pending"; });
    items.sort(function (a, b) { return a.created - b.created; });
    if (!items.length) return settled(null);
    if (navigator.onLine === false) {
      /* No network at all: nothing is sent until the "online" event. */
      syncState(_("Offline: they upload when the signal returns."));
      return;
    }
    syncState(_("Uploading…"));
    let creates = items.filter(function (item) { return item.kind === "create"; });
    while (creates.length) {
      const batch = creates.slice(0, BULK_LIMIT);
      let response, refusedTheSender, answer;
      try {
        response = await request(urls.bulk, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(batch.map(function (item) { return item.body; })),
        });
        if (isTransient(response)) return retryLater(Number(response.headers.get("Retry-After")) || 0);
        refusedTheSender = await refusedToSender(response);
        if (!refusedTheSender) answer = response.ok ? await response.json() : await refusedBody(response);
      } catch (error) {
        return retryLater();
      }
      if (refusedTheSender === "stop") return;
      if (refusedTheSender === "held") {
        creates = creates.slice(batch.length);
        continue;
      }
      if (response.ok) {
        /* Stored, or stored before (the same uuid): answered, so out of the outbox. */
        for (const item of batch) await outbox.remove(item.uuid);
        await uploaded(batch);
        creates = creates.slice(batch.length);
        continue;
      }
      /* All or nothing: the refused items wait under 需要处理, the rest go again. */
      const refused = new Set();
      ((answer && Array.isArray(answer.errors)) ? answer.errors : []).forEach(function (error) {
        const indexes = error.index === null || error.index === undefined ? batch.map(function (_, i) { return i; }) : [error.index];
        indexes.forEach(function (index) {
          const item = batch[index];
          if (!item) return;
          refused.add(item.uuid);
          item.state = "refused";
          item.message = messageOf(error.errors);
        });
      });
      if (!refused.size) {
        /* Refused naming no item (not the API's answer: a proxy's page): the whole
           batch waits under 需要处理, saying the server refused it, and with what. */
        batch.forEach(function (item) {
          refused.add(item.uuid);
          item.state = "refused";
          item.message = refusalSaid(response, null);
        });
      }
      for (const item of batch) if (refused.has(item.uuid)) await outbox.put(item);
      creates = creates.filter(function (item) { return !refused.has(item.uuid); });
    }
    for (const queued of items.filter(function (i) { return i.kind === "update"; })) {
      /* As it is now: a correction uploaded before it may have moved it on (uploadedAs). */
      const item = await outbox.get(queued.uuid);
      if (!item || item.state !== "pending") continue;
      const done = await sendCorrection(item);
      if (done === "retry") return retryLater();
      if (done === "stop") return;
    }
    backoff = 0;
    /* What the phone keeps for offline work follows the upload before it says so. */
    await refreshRoster();
    await keepChangedPages();
    await showStored();
    await settled(_("All uploaded."));
  }

  /* An upload refused to the one who sent it (401 or 403: the outbox's bulk, or a
     correction), read here for both. Nothing of it leaves the outbox: it waits there,
     as it was, to go with a later upload. Resolves to null when ``response`` is no
     such refusal; to "stop" when nothing more can go now: the session ended (said
     already, request()), or a 401 that does not say so ("Log in again to upload.");
     else to "held": refused to who is logged in, with the server's message (a role
     that may not add or correct counts), which the line says once the rest of the
     outbox has gone (heldBack, settled): it held up the rest, and a correction's was
     said nowhere, the line left at "Uploading…". */
  let heldBack = null;
  async function refusedToSender(response) {
    if (response.status !== 401 && response.status !== 403) return null;
    if (fieldKept.saysLoggedOut(response)) return "stop";
    const answer = response.status === 403 ? await response.json().catch(function () { return null; }) : null;
    /* Held back only for the server's own refusal of the technician's role, said in
       this page's two languages (api/errors.py): any other 403 (a CSRF failure, said in
       English only; a proxy's) stops the upload as needing a new login, which brings a
       new token. */
    const said = answer && typeof answer === "object" ? saidApart(answer) : null;
    if (said && said.first) {
      heldBack = said;
      return "held";
    }
    syncState(_("Log in again to upload."));
    return "stop";
  }

  /* What the line says once the server has answered all that was sent: ``done``,
     unless items wait under 需要处理 (refused, or a conflict to resolve): then how
     many. It said "All uploaded." with a conflict still waiting there. The server's
     refusal of an upload to who is logged in (refusedToSender) is said before all. */
  async function settled(done) {
    const waiting = (await outbox.all()).filter(function (item) { return item.state !== "pending"; });
    const attention = waiting.length ? _("Needs attention: %(count)s, listed below.", { count: waiting.length }) : null;
    if (heldBack) syncState(attention ? joined([heldBack, attention]) : heldBack);
    else syncState(attention || done);
  }

  /* The household pages an upload changed, as the phone keeps them for offline work.
     Kept as they were, they came back offline with the numbers of before the upload,
     until opened again with a signal (and the one shown, if the signal went before it
     was asked for again). Each is dropped from the kept pages as soon as the upload is
     answered, then asked for again (the worker keeps the answer): with no signal left
     to ask, it is a page not kept (offline, Today is shown in its place, saying so),
     never one of before the upload; it is asked for again with the next sync. */
  const changedPages = new Set();
  let shownPageChanged = false;
  async function uploaded(items) {
    if (typeof caches === "undefined") return;
    const cache = await caches.open(CACHE);
    const pages = new Set(items.map(function (item) {
      return urls.recordPage.replace(/\/0\/$/, "/" + item.record + "/");
    }));
    for (const url of pages) {
      const dropped = await cache.delete(url, { ignoreVary: true });
      if (url === location.pathname) shownPageChanged = true; /* asked for again by showStored */
      else if (dropped) changedPages.add(url);
    }
  }
  async function keepChangedPages() {
    for (const url of Array.from(changedPages)) {
      try {
        await askInTheBackground(url);
        changedPages.delete(url); /* answered: kept by the worker, or not ours to keep */
      } catch (error) {
        /* No answer: not kept until the next sync asks again. */
      }
    }
  }

  /* A household's page once counts were uploaded: its entries' lines and its totals
     as of each date, as the server now draws them (the page asked for again, which
     the worker keeps for offline work in place of the copy drawn before). They kept
     the numbers of before the upload until the page was reloaded. An entry new to the
     page (counted here, or elsewhere) is added with its correction form; the forms
     already here stay as they are, with what is typed in them. */
  async function showStored() {
    const timeline = document.querySelector("[data-timeline]");
    const entries = document.querySelector("[data-entry-list]");
    if (!timeline || !entries) return;
    let drawn;
    try {
      const response = await askInTheBackground(location.pathname);
      if (!response.ok) return;
      drawn = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (error) {
      return;
    }
    const freshTimeline = drawn.querySelector("[data-timeline]");
    const freshEntries = drawn.querySelector("[data-entry-list]");
    if (!freshTimeline || !freshEntries) return;
    timeline.tBodies[0].replaceWith(document.adoptNode(freshTimeline.tBodies[0]));
    /* The earlier dates and entries (behind a line that opens them, field/record.html):
       their totals and lines as now drawn; a change to an early count moves every
       later date's totals. */
    const earlierTimeline = document.querySelector("[data-earlier-timeline]");
    const freshEarlierTimeline = drawn.querySelector("[data-earlier-timeline]");
    if (earlierTimeline && freshEarlierTimeline) {
      earlierTimeline.tBodies[0].replaceWith(document.adoptNode(freshEarlierTimeline.tBodies[0]));
    }
    drawn.querySelectorAll("[data-earlier-entry-list] > li[data-entry]").forEach(function (fresh) {
      const here = document.getElementById(fresh.id);
      if (here) here.querySelector(".entry-line").replaceWith(document.adoptNode(fresh.querySelector(".entry-line")));
    });
    let before = null;
    Array.from(freshEntries.querySelectorAll(":scope > li[data-entry]")).reverse().forEach(function (fresh) {
      const here = document.getElementById(fresh.id);
      if (here) {
        here.querySelector(".entry-line").replaceWith(document.adoptNode(fresh.querySelector(".entry-line")));
        if (here.parentNode === entries) before = here;
        return;
      }
      const added = document.adoptNode(fresh);
      entries.insertBefore(added, before);
      added.querySelectorAll("form[data-correction-form]").forEach(wireCorrection);
      before = added;
    });
    entries.querySelectorAll(":scope > li:not([data-entry])").forEach(function (none) {
      if (entries.querySelector(":scope > li[data-entry]")) none.remove();
    });
  }

  function sameContent(server, body) {
    return Object.keys(body).filter(function (name) { return name !== "reason"; }).every(function (name) {
      const mine = body[name] === undefined ? null : body[name];
      const theirs = server[name] === undefined ? null : server[name];
      return String(mine) === String(theirs);
    });
  }

  async function sendCorrection(item) {
    const url = urls.entries + item.entry + "/";
    let response;
    try {
      response = await request(url, {
        method: "PATCH",
        headers: { "Content-Type": "application/json", "If-Match": item.etag },
        body: JSON.stringify(item.body),
      });
      if (response.ok) {
        await outbox.remove(item.uuid);
        await uploaded([item]);
        const stored = await response.json().catch(function () { return {}; });
        await uploadedAs(item, response.headers.get("ETag"), stored.version);
        return "done";
      }
      if (isTransient(response)) return "retry";
      const refusedTheSender = await refusedToSender(response);
      if (refusedTheSender === "stop") return "stop";
      if (refusedTheSender === "held") return "done";
      if (response.status === 412) {
        const current = await request(url, { method: "GET" });
        if (!current.ok) return current.status === 404 ? refuse(item, _("Deleted on the server.")) : "retry";
        const theirs = await current.json();
        if (sameContent(theirs, item.body)) {
          /* Our own correction, whose answer was lost on the way. */
          await outbox.remove(item.uuid);
          await uploaded([item]);
          await uploadedAs(item, current.headers.get("ETag"), theirs.version);
          return "done";
        }
        /* Said in the field app's own words (the API's 412 names the ETag, a word for
           integrations), with who changed it and when. */
        item.state = "conflict";
        item.theirs = theirs;
        item.theirsEtag = current.headers.get("ETag");
        item.changed = await whoChanged(item.entry);
        delete item.message;
        await outbox.put(item);
        return "done";
      }
      return refuse(item, refusalSaid(response, await refusedBody(response)));
    } catch (error) {
      return "retry";
    }
  }

  /* A correction uploaded: the entry's forms on this page now stand on the version it
     made. They stood on the one before, so a second correction made from them met the
     first as a change made meanwhile (the technician's own count shown as the
     server's), and a deletion was refused as made from an old version. So do the
     technician's later corrections of the entry still waiting in the outbox that were
     made from the same version as this one (with no signal, before it was uploaded):
     each goes on top of it. One made from another version (a change from elsewhere
     since) is left on its own, to meet that change as a conflict. */
  async function uploadedAs(item, etag, version) {
    document.querySelectorAll('[data-entry="' + item.entry + '"]').forEach(function (node) {
      if (etag && node.dataset.etag !== undefined) node.dataset.etag = etag;
      const seen = node.querySelector('input[name="version"]');
      if (seen && version) seen.value = version;
    });
    if (!etag) return;
    const later = (await outbox.all()).filter(function (other) {
      return other.kind === "update" && other.state === "pending" && other.uuid !== item.uuid &&
        other.entry === item.entry && other.etag === item.etag;
    });
    for (const other of later) {
      other.etag = etag;
      await outbox.put(other);
    }
  }

  /* Who last changed an entry, when and why ({changed_by, changed_at, reason}), or
     null when that cannot be asked now. */
  async function whoChanged(entry) {
    try {
      const response = await askInTheBackground(urls.entryChange.replace(/\/0\/$/, "/" + entry + "/"));
      return response.ok ? await response.json() : null;
    } catch (error) {
      return null;
    }
  }

  async function refuse(item, message) {
    item.state = "refused";
    item.message = message;
    await outbox.put(item);
    return "done";
  }

  /* The roster: the technician's households and their totals, refreshed with
     only what changed since the last refresh. */
  let refreshing = null;
  function refreshRoster() {
    /* One refresh at a time: two crossing would each merge into the copy they read. */
    if (!refreshing) refreshing = refreshRosterOnce().finally(function () { refreshing = null; });
    return refreshing;
  }

  /* The roster kept, if it is the logged-in technician's: another's (a phone passed
     on) is no base for a refresh of what changed since, which would keep of it only
     the households both may see, and miss the rest of this one's. */
  async function keptRoster() {
    const roster = (await kept.get("roster")) || null;
    return roster && roster.user === currentUser ? roster : null;
  }

  async function refreshRosterOnce() {
    const roster = await keptRoster();
    const since = roster && roster.refreshed ? "?since=" + encodeURIComponent(roster.refreshed) : "";
    let fresh;
    try {
      const response = await askInTheBackground(urls.roster + since);
      if (!response.ok) return;
      fresh = await response.json();
    } catch (error) {
      return;
    }
    /* An answer older than the copy kept now (another tab's refresh) changes nothing. */
    const latest = await keptRoster();
    if (latest && latest.refreshed && fresh.refreshed <= latest.refreshed) return;
    const households = {};
    if (!fresh.full && roster) {
      const ids = new Set(fresh.record_ids);
      (roster.households || []).forEach(function (h) { if (ids.has(h.record)) households[h.record] = h; });
    }
    fresh.households.forEach(function (h) { households[h.record] = h; });
    fresh.households = Object.keys(households).map(function (key) { return households[key]; });
    fresh.user = currentUser;
    await kept.put("roster", fresh);
    showTotals(fresh);
  }

  function showTotals(roster) {
    (roster.households || []).forEach(function (h) {
      document.querySelectorAll('[data-record="' + h.record + '"]').forEach(function (node) {
        Object.keys(h.totals).forEach(function (name) {
          const cell = node.querySelector('[data-total="' + name + '"]');
          if (cell) cell.textContent = h.totals[name] === null ? "—" : h.totals[name];
        });
        const last = node.querySelector("[data-last-count]");
        if (last && h.last_count) last.textContent = h.last_count;
        const flags = node.querySelector("[data-flags]");
        if (flags) {
          flags.replaceChildren();
          /* By key, in the page's languages (a roster kept from before keys has labels). */
          h.flags.map(function (key) {
            const label = (roster.flag_labels || {})[key];
            return label ? bilingual(label) : { first: key, beside: key };
          }).concat(h.sent_back ? [_("sent back")] : []).forEach(function (pair) {
            const flag = document.createElement("span");
            flag.className = "flag";
            showLabel(flag, pair);
            flags.append(flag);
          });
        }
        node.classList.toggle("needs-visit", h.needs_visit);
        /* A row that says its count was uploaded says the household's lambs born as
           they now are: drawn before this refresh (a count another tab uploaded), it
           said the total of before the upload. */
        const status = node.matches("form[data-entry-form]") && node.querySelector("[data-row-status].saved");
        if (status) uploadedStatus(node);
      });
    });
    showVisitFirst(roster);
  }

  /* Today's households to visit first, and each village's count of them, as its rows
     now say (their needs-visit, from the roster): drawn once by the server, they kept
     a household whose flag an upload had cleared until the page was reloaded. */
  function showVisitFirst(roster) {
    const nav = document.querySelector("[data-visit]");
    if (!nav) return;
    const names = {};
    (roster.households || []).forEach(function (h) { names[h.record] = h.name; });
    const rows = Array.from(document.querySelectorAll("form[data-entry-form].needs-visit"));
    const links = [];
    rows.forEach(function (form, index) {
      const link = document.createElement("a");
      link.href = "#record-" + form.dataset.record;
      link.textContent = names[form.dataset.record] || householdName(form);
      link.hidden = form.hidden; /* a search on the phone left it out */
      const isolated = document.createElement("bdi");
      isolated.append(link);
      if (index) links.push(" · ");
      links.push(isolated);
    });
    nav.querySelector("[data-visit-list]").replaceChildren(...links);
    nav.querySelector("[data-visit-count]").textContent = rows.length;
    nav.hidden = rows.length === 0;
    document.querySelectorAll("section.village").forEach(function (section) {
      const toVisit = section.querySelector("[data-to-visit]");
      if (!toVisit) return;
      const count = section.querySelectorAll("form[data-entry-form].needs-visit").length;
      toVisit.querySelector("b").textContent = count;
      toVisit.hidden = count === 0;
    });
  }

  /* The page: how many wait, what needs attention, each row's state. */

  /* A row whose counts have all been uploaded: said so, with its household's lambs
     born as the page shows them. */
  function uploadedStatus(form) {
    const totals = form.querySelector("[data-total=lambs_born]");
    rowStatus(form, _("Uploaded. Lambs born: %(lambs_born)s", { lambs_born: totals ? totals.textContent : "" }), "saved");
  }

  async function render() {
    const items = await outbox.all();
    const pending = items.filter(function (item) { return item.state === "pending"; });
    const attention = items.filter(function (item) { return item.state !== "pending"; });
    const outboxLine = document.querySelector("[data-outbox]");
    if (outboxLine) {
      outboxLine.setAttribute("data-outbox-count", String(pending.length));
      const waitingText = outboxLine.querySelector("[data-outbox-text]");
      showBoth(waitingText, _("Saved on this phone, waiting to upload: %(count)s", { count: pending.length }));
      waitingText.hidden = pending.length === 0;
      /* Another technician's, typed on this phone: they wait for them. */
      const others = {};
      (await outbox.others()).forEach(function (item) { others[item.user] = (others[item.user] || 0) + 1; });
      const othersLine = outboxLine.querySelector("[data-outbox-others]");
      if (othersLine) {
        const lines = Object.keys(others).map(function (user) {
          return both(_("%(count)s more, saved on this phone by %(user)s, upload once %(user)s logs in here.", { count: others[user], user: user }));
        });
        othersLine.textContent = lines.join(" ");
        othersLine.hidden = lines.length === 0;
      }
      /* Shown too while items wait under 需要处理: the sync's line says how many. */
      outboxLine.hidden = pending.length === 0 && Object.keys(others).length === 0 && attention.length === 0 &&
        !sessionEnded;
    }
    /* Each record's items counted once, not once a row: a village has hundreds. */
    const waitingBy = new Map();
    pending.forEach(function (item) { waitingBy.set(item.record, (waitingBy.get(item.record) || 0) + 1); });
    const refusedRecords = new Set(attention.map(function (item) { return item.record; }));
    document.querySelectorAll("form[data-entry-form]").forEach(function (form) {
      const record = Number(form.dataset.record);
      const waiting = waitingBy.get(record) || 0;
      const refused = refusedRecords.has(record);
      const status = form.querySelector("[data-row-status]");
      if (refusedByStorage.has(form) && !holdsTyped(form)) refusedByStorage.delete(form);
      if (refusedByStorage.has(form)) {
        rowStatus(form, refusedByStorage.get(form), "refused");
      } else if (waiting) {
        rowStatus(form, _("Saved on this phone, waiting to upload: %(count)s", { count: waiting }), "waiting");
      } else if (refused) {
        rowStatus(form, _("Not uploaded: see what needs attention."), "refused needs-attention");
      } else if (status && status.classList.contains("needs-attention")) {
        rowStatus(form, null, "");
      } else if (status && status.classList.contains("waiting")) {
        uploadedStatus(form);
      }
    });
    /* A correction's form, likewise: it said "waiting to upload" after the upload too. */
    document.querySelectorAll("form[data-correction-form]").forEach(function (form) {
      const mine = items.filter(function (item) { return item.kind === "update" && item.entry === Number(form.dataset.entry); });
      const status = form.querySelector("[data-row-status]");
      if (mine.some(function (item) { return item.state === "pending"; })) {
        rowStatus(form, _("Correction saved on this phone, waiting to upload."), "waiting");
      } else if (mine.length) {
        rowStatus(form, _("Not uploaded: see what needs attention."), "refused needs-attention");
      } else if (status && status.classList.contains("needs-attention")) {
        rowStatus(form, null, "");
      } else if (status && status.classList.contains("waiting")) {
        rowStatus(form, _("Correction uploaded."), "saved");
      }
    });
    saveAllState(attention);
    renderAttention(attention, attention.length ? await loadRules() : null);
  }

  /* An entry in a line: its date, then each field given (not left at its
     empty value) by its label in the page's first language, a choice by its label. */
  function describeCounts(body, rules) {
    const parts = [isolate(body.date || "")];
    const fields = rules ? rules.fields : {};
    Object.keys(fields).forEach(function (name) {
      const field = fields[name];
      const value = body[name];
      const empty = field.empty === undefined ? "" : field.empty;
      if (field.type === "date" || field.type === "text" || value === undefined || value === null || value === empty) return;
      const choice = (field.choices || []).find(function (each) { return each.value === value; });
      parts.push(bilingual(field.label).first + " " + (choice ? bilingual(choice.label).first : value));
    });
    return parts.join(" · ");
  }

  /* A button of what needs attention, acting once at a time: a double tap on
     "Send again" put the corrected count in the outbox twice, under two uuids. */
  function button(pair, action) {
    const node = document.createElement("button");
    node.type = "button";
    node.textContent = both(pair, " ");
    node.addEventListener("click", function () {
      if (node.disabled) return;
      node.disabled = true;
      Promise.resolve(action()).finally(function () { node.disabled = false; });
    });
    return node;
  }

  function renderAttention(items, rules) {
    const section = document.querySelector("[data-attention]");
    const list = document.querySelector("[data-attention-list]");
    if (!section || !list) return;
    section.hidden = items.length === 0;
    /* A Correct form open (editRefused), with what the technician typed in it, is
       kept across the list's redraws: each upload and each sync redraws it, and
       wiped the form while it was being filled in. */
    const open = new Map();
    list.querySelectorAll("li[data-uuid] > form").forEach(function (form) {
      open.set(form.parentNode.dataset.uuid, form);
    });
    list.replaceChildren();
    items.forEach(function (item) {
      const li = document.createElement("li");
      li.dataset.outboxRecord = item.record;
      li.dataset.uuid = item.uuid;
      li.dataset.state = item.state;
      const title = document.createElement("p");
      title.textContent = isolate(item.label) + " — " + describeCounts(item.body, rules);
      const message = document.createElement("p");
      message.className = "message";
      message.dataset.serverMessage = "";
      li.append(title, message);
      if (item.state === "conflict") {
        showBoth(message, _("Someone else changed this entry after you read it. Choose which counts to keep."));
        const changed = changedBy(item.changed);
        if (changed) {
          const who = document.createElement("p");
          who.className = "changed-by";
          who.dataset.changedBy = "";
          showBoth(who, changed);
          li.append(who);
        }
        const sides = document.createElement("div");
        sides.className = "sides";
        const theirs = document.createElement("div");
        theirs.dataset.side = "theirs";
        showSide(theirs, _("On the server:"), describeCounts(item.theirs, rules));
        const mine = document.createElement("div");
        mine.dataset.side = "mine";
        showSide(mine, _("Mine:"), describeCounts(item.body, rules));
        sides.append(theirs, mine);
        li.append(sides);
        li.append(
          button(_("Keep mine"), async function () {
            item.state = "pending";
            item.etag = item.theirsEtag;
            delete item.theirs;
            await outbox.put(item);
            await render();
            sync();
          }),
          button(_("Keep the server's"), async function () {
            await outbox.remove(item.uuid);
            await render();
            sync();
          })
        );
      } else {
        /* Kept before refusals were kept in each language apart: one string, as it came. */
        if (typeof item.message === "string") message.textContent = item.message;
        else showBoth(message, item.message);
        li.append(
          button(_("Correct"), function () { editRefused(li, item); }),
          button(_("Discard"), async function () {
            await outbox.remove(item.uuid);
            await render();
            sync();
          })
        );
        if (open.has(item.uuid)) li.append(open.get(item.uuid));
      }
      list.append(li);
    });
  }

  /* Who changed an entry meanwhile, when and why, as far as the server said
     (whoChanged): {first, beside}, or null when it is not known. */
  function changedBy(changed) {
    if (!changed || !changed.changed_at) return null;
    const said = [changed.changed_by
      ? _("Changed by %(user)s at %(time)s.", { user: isolate(changed.changed_by), time: isolate(changed.changed_at) })
      : _("Changed at %(time)s.", { time: isolate(changed.changed_at) })];
    if (changed.reason) said.push(_("Their reason: %(reason)s", { reason: isolate(changed.reason) }));
    return joined(said);
  }

  /* One side of a conflict: its heading in the page's two languages, then the counts. */
  function showSide(node, heading, counts) {
    const label = document.createElement("b");
    showLabel(label, heading);
    node.replaceChildren(label, " " + counts);
  }

  /* What each refused item's form held when it was opened (typedIn, the item's own
     counts): what differs from it is typed and not yet sent again (unsavedOnThePage). */
  const sendAgainDrawn = new WeakMap();

  /* A refused item corrected where it waits: checked again, then kept under a new
     uuid (the refused one was never stored), replacing it in one step. A count goes
     again as a count, its body under the new uuid; a correction as the correction of
     the same entry, from the same version, with its reason (shown, to be changed too:
     a reason may be what was refused) and no uuid in its body, which the API refuses
     in a correction ("uuid: Unknown or read-only field."): sent with one, it was
     refused again, and could never go. */
  async function editRefused(li, item) {
    if (li.querySelector("form")) return; /* open already */
    const rules = await loadRules();
    const isCorrection = item.kind === "update";
    const form = document.createElement("form");
    form.noValidate = true;
    form.dataset.record = item.record;
    Object.keys(rules.fields).forEach(function (name) {
      const field = rules.fields[name];
      if (field.type === "text") return; /* as the row's inputs: counts, choices, the date */
      const label = document.createElement("label");
      label.textContent = both(bilingual(field.label), " ") + " ";
      let input;
      if (field.type === "choice") {
        input = document.createElement("select");
        input.append(new Option("—", ""));
        field.choices.forEach(function (choice) { input.append(new Option(both(bilingual(choice.label), " "), choice.value)); });
      } else {
        input = document.createElement("input");
        input.type = field.type === "date" ? "date" : "number";
      }
      input.name = name;
      input.dataset.field = name;
      if (field.type === "integer") input.dataset.empty = field.empty === null ? "" : field.empty;
      const value = item.body[name];
      input.value = value === null || value === undefined ? "" : value;
      label.append(input);
      form.append(label);
    });
    if (isCorrection) {
      const label = document.createElement("label");
      label.textContent = both(fieldLabel("reason"), " ") + " ";
      const reason = document.createElement("input");
      reason.name = "reason";
      reason.value = item.body.reason || "";
      label.append(reason);
      form.append(label);
    }
    form.append(button(_("Send again"), async function () {
      clearErrors(form);
      const body = readCounts(form);
      const errors = Object.assign({}, check(body, rules));
      if (isCorrection) {
        const reason = reasonError(form, rules);
        if (reason) errors.reason = reason;
        body.reason = form.elements.reason.value.trim();
      }
      if (Object.keys(errors).length) return showErrors(form, errors);
      const uuid = newUuid();
      const sent = Object.assign({}, item.body, body);
      /* One sent again before this was mended holds a uuid: dropped. */
      if (isCorrection) delete sent.uuid;
      else sent.uuid = uuid;
      const fresh = Object.assign({}, item, {
        uuid: uuid, state: "pending", message: "", created: Date.now(), body: sent,
      });
      await keeping([fresh], function () { return outbox.replace(item.uuid, fresh); }, item.uuid);
      await render();
      sync();
    }));
    form.dataset.sendAgainForm = "";
    sendAgainDrawn.set(form, typedIn(form));
    li.append(form);
  }

  /* A search on the phone. Offline, a search the worker never kept is answered
     with the Today page kept without one (every household of the technician's);
     the households shown are then those whose names, Chinese, Latin or Kazakh
     (the roster's), hold what was typed, both written as the server stores and
     searches names (livestock/places/names.py, whose letters the roster carries). */
  function normalizeName(text, spelling) {
    const normal = text.normalize("NFC");
    const legacy = spelling.legacy_letters;
    const hasLegacy = function (word) { return Array.from(word).some(function (c) { return c in legacy; }); };
    if (!hasLegacy(normal)) return normal;
    return normal.replace(new RegExp(spelling.arabic_word, "gu"), function (word) {
      if (!hasLegacy(word)) return word;
      const letters = Array.from(word).map(function (c) { return legacy[c] || c; }).join("").split(spelling.high_hamza).join("");
      const front = Array.from(letters).some(function (c) { return spelling.front_letters.indexOf(c) >= 0; });
      return front ? letters : spelling.high_hamza + letters;
    });
  }

  async function searchOnThePhone() {
    const box = document.querySelector("form.search input[name=q]");
    const asked = (new URLSearchParams(location.search).get("q") || "").trim();
    /* The server drew this page for this search: it has answered. */
    if (!box || box.value.trim() === asked) return;
    box.value = asked;
    const roster = await keptRoster();
    if (!roster || !roster.spelling) return;
    const folded = function (text) { return normalizeName(text || "", roster.spelling).toLowerCase(); };
    /* Written as the server's search key is (names.search_key), less its tables of
       look-alike letters: another dot, no dot, spaces, full-width letters. A roster
       kept before the server described it has none. */
    const ignored = roster.spelling.search_ignored ? new RegExp(roster.spelling.search_ignored, "gu") : null;
    const compact = function (text) {
      return normalizeName(text || "", roster.spelling).normalize("NFKC").replace(ignored, "").toLowerCase();
    };
    const wanted = folded(asked);
    const wantedCompact = ignored ? compact(asked) : "";
    const found = new Set(roster.households.filter(function (h) {
      return [h.name, h.name_latin, h.name_kazakh].some(function (name) {
        return name && (folded(name).indexOf(wanted) >= 0 || (wantedCompact !== "" && compact(name).indexOf(wantedCompact) >= 0));
      });
    }).map(function (h) { return String(h.record); }));
    document.querySelectorAll("form[data-entry-form]").forEach(function (form) {
      form.hidden = !found.has(form.dataset.record);
    });
    document.querySelectorAll("section.village").forEach(function (section) {
      section.hidden = !section.querySelector("form[data-entry-form]:not([hidden])");
    });
    document.querySelectorAll("nav.visit a[href^='#record-']").forEach(function (link) {
      link.hidden = !found.has(link.getAttribute("href").slice("#record-".length));
    });
    const note = document.createElement("p");
    note.className = "searched-offline";
    note.setAttribute("role", "status");
    showBoth(note, _("Searched on this phone: %(count)s found.", { count: found.size }));
    box.form.after(note);
  }

  /* Forms the server must answer there and then (a new household or record, a
     deletion, the language): sent with no signal, the browser left the page for
     its own "no internet" page, and what was typed was gone. Before one is sent,
     the server is asked whether it can be reached (a HEAD, which the worker leaves
     to the network); if not, the page stays as typed, with a line saying why. */
  const PROBE_TIMEOUT_MS = 8000;
  async function reachable() {
    if (navigator.onLine === false) return false;
    const abort = new AbortController();
    const timer = setTimeout(function () { abort.abort(); }, PROBE_TIMEOUT_MS);
    try {
      await fetch(urls.probe, { method: "HEAD", cache: "no-store", credentials: "same-origin", signal: abort.signal });
      return true;
    } catch (error) {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
  const reached = new WeakSet();
  /* A form asked or sent already: a second tap (a double tap, a tap on a slow link)
     sent it twice, and a household was added twice. */
  let sending = new WeakSet();
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    sending = new WeakSet(); /* back to this page: it may be sent again */
    leavingWith = null;
  });
  function sendWhenReachable(form, event, unreachable) {
    if (reached.has(form)) {
      reached.delete(form);
      leavingWith = form;
      return;
    }
    event.preventDefault();
    if (sending.has(form)) return;
    sending.add(form);
    const submitter = event.submitter;
    reachable().then(function (yes) {
      if (!yes) {
        sending.delete(form);
        return unreachable();
      }
      reached.add(form);
      if (submitter) form.requestSubmit(submitter);
      else form.requestSubmit();
    });
  }
  function needsConnection(form) {
    let note = form.querySelector("[data-needs-connection]");
    if (!note) {
      note = document.createElement("p");
      note.className = "field-error needs-connection";
      note.setAttribute("role", "alert");
      note.dataset.needsConnection = "";
      form.append(note);
    }
    showBoth(note, _("This needs a connection. What you typed stays here: send it when the signal returns."));
  }

  /* Offline, a page the phone never kept is answered by the worker with Today (which
     takes every household's count): said so, or a tapped household or village seemed
     to lead back to Today with nothing to tell why. */
  function sayIfShownInstead() {
    if (!script.dataset.path || location.pathname === script.dataset.path) return;
    const note = document.createElement("p");
    note.className = "not-kept";
    note.setAttribute("role", "status");
    note.dataset.notKept = "";
    showBoth(note, _("This page was not kept on this phone for offline work: Today is shown instead, with every household's row."));
    const main = document.querySelector("main");
    if (main) main.prepend(note);
  }

  /* A form the server refused (a new household, at the page's end) answers with the
     page drawn again: its errors are brought into view, or the page opened at its
     top with nothing to say why the form was not sent. */
  function showRefusedForm() {
    const refused = document.querySelector("main form .errorlist[role=alert]");
    if (refused) refused.scrollIntoView({ block: "center" });
  }

  /* Wiring. */

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(urls.sw, { scope: urls.scope }).catch(function () {});
    const keepThisPage = function () {
      /* This page, as drawn, and the files it loaded (asked again through the
         worker, which keeps them; the browser's cache answers) kept for offline.
         Not a page drawn again with a refused form (400: its errors, what was
         typed): kept as its address's page, it came back offline with those errors
         long after they were corrected. */
      const drawn = performance.getEntriesByType("navigation")[0];
      /* Nor one an upload has changed since it was drawn (uploaded above). Kept as
         this page's user's, and only while they own what is kept, logged in: not
         put back after a logout in another tab (kept.js). */
      if (!shownPageChanged && (!drawn || !drawn.responseStatus || drawn.responseStatus === 200)) {
        keptForMe.then(function () {
          return fieldKept.ownedBy(userId);
        }).then(function (mine) {
          if (!mine) return null;
          return caches.open(CACHE).then(function (cache) {
            const headers = { "Content-Type": "text/html; charset=utf-8" };
            headers[fieldKept.USER_HEADER] = userId;
            return cache.put(location.href, new Response(drawnPage, { headers: headers }));
          });
        }).catch(function () {});
      }
      document.querySelectorAll("link[rel=stylesheet], link[rel=icon], link[rel=manifest], script[src]").forEach(function (node) {
        fetch(node.href || node.src, { credentials: "same-origin" }).catch(function () {});
      });
    };
    if (navigator.serviceWorker.controller) keepThisPage();
    else navigator.serviceWorker.addEventListener("controllerchange", keepThisPage, { once: true });
  }

  /* An entry's correction (or deletion) form: a correction is checked here, as a row
     is, by the rules the server describes, with their messages in the page's languages
     (not the browser's, in its own), then kept in the outbox; a deletion needs a
     connection. */
  function wireCorrection(form) {
    form.noValidate = true;
    correctionKept.set(form, typedIn(form));
    form.addEventListener("submit", function (event) {
      const action = event.submitter ? event.submitter.value : "correct";
      if (action === "delete") {
        clearErrors(form);
        const reason = reasonError(form, knownRules);
        if (reason) showErrors(form, { reason: reason });
        if (reason || !form.elements.reason.reportValidity()) {
          event.preventDefault();
          return;
        }
        sendWhenReachable(form, event, function () {
          rowStatus(form, _("Deleting needs a connection."), "refused");
        });
        return;
      }
      event.preventDefault();
      saveCorrection(form);
    });
  }

  /* Whether a form the server answers there and then (a new household, a new record)
     holds anything typed: a field filled in, a box ticked. They are drawn empty, and
     drawn again holding what was typed only when the server refused it (not saved). */
  function holdsAnythingTyped(form) {
    return Array.from(form.elements).some(function (field) {
      if (!field.name || ["hidden", "submit", "button", "reset"].indexOf(field.type) >= 0) return false;
      if (field.type === "checkbox" || field.type === "radio") return field.checked;
      return field.value.trim() !== "";
    });
  }

  /* Leaving the page (a link, the back button, a form sent) while it holds counts
     typed and not yet saved on the phone, or a save still being written, asks first
     (the browser's own "Leave site?"): they were lost without a word. So does a
     refused count's form under 需要处理 typed in and not sent again, and a new
     household or a new record typed and not added. Asked only then, never once all is
     saved or emptied; not for the form being sent itself (a deletion sends its form's
     reason to the server, a new household its names). */
  let leavingWith = null;
  function unsavedOnThePage() {
    if (beingKept.size) return true;
    const typed = function (selector, unsaved) {
      return Array.from(document.querySelectorAll(selector)).some(function (form) {
        return form !== leavingWith && unsaved(form);
      });
    };
    return typed("form[data-entry-form]", holdsTyped) ||
      typed("form[data-correction-form]", function (form) { return typedIn(form) !== correctionKept.get(form); }) ||
      typed("form[data-send-again-form]", function (form) { return typedIn(form) !== sendAgainDrawn.get(form); }) ||
      typed("form[data-new-form]", holdsAnythingTyped);
  }
  window.addEventListener("beforeunload", function (event) {
    if (!unsavedOnThePage()) return;
    event.preventDefault();
    event.returnValue = ""; /* what older browsers ask for */
  });

  /* A village row's field tapped just above "Save all": the browser leaves a field in
     view where it is, so the row's Save button stayed under the bar (the stylesheet's
     scroll margins act only when a field comes into view from elsewhere, by the
     keyboard's Next). The page moves up by as much as the Save button is covered,
     never so far that the field itself leaves the top of the screen; and not at all
     once the focus has moved on before the next frame (Next pressed twice quickly on
     a slow phone): the row left behind, measured then, moved the page by its own
     distance and the field being typed off the top of the screen. */
  function keepRowAbove(bar, field) {
    const row = field.closest && field.closest("form[data-entry-form]");
    const save = row && row.querySelector("button.save");
    if (!save || !field.matches("input, select, button")) return;
    requestAnimationFrame(function () {
      if (document.activeElement !== field) return;
      const covered = save.getBoundingClientRect().bottom + 8 - bar.getBoundingClientRect().top;
      const room = field.getBoundingClientRect().top - 8;
      const by = Math.min(covered, room);
      if (covered > 0 && by > 0) window.scrollBy(0, by);
    });
  }

  function wire() {
    document.querySelectorAll("form[data-entry-form]").forEach(function (form) {
      form.noValidate = true;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        saveRow(form);
      });
    });
    const saveAll = document.querySelector("[data-save-all]");
    if (saveAll) {
      const bar = saveAll.closest("[data-save-all-bar]") || saveAll;
      bar.hidden = false;
      document.addEventListener("focusin", function (event) { keepRowAbove(bar, event.target); });
      saveAll.addEventListener("click", keepAllRows);
    }
    document.querySelectorAll("form[data-correction-form]").forEach(wireCorrection);
    document.querySelectorAll('form[method="post"]:not([data-entry-form]):not([data-correction-form])').forEach(function (form) {
      form.addEventListener("submit", function (event) {
        sendWhenReachable(form, event, function () { needsConnection(form); });
      });
    });
    /* The roster and the pages an upload changed too: a refresh that failed (a signal
       lost) is made again. */
    const refreshKept = function () { return refreshRoster().then(keepChangedPages); };
    window.addEventListener("online", function () { backoff = 0; sync().then(refreshKept); });
    setInterval(function () { sync().then(refreshKept); }, 30000);
  }

  wire();
  showRefusedForm();
  sayIfShownInstead();
  catchUpWithToday();
  /* The outbox changed in another tab: drawn again once, however many items it
     changed at once (an upload removes each). */
  let outboxChanged = null;
  if (otherTabs) {
    otherTabs.onmessage = function () {
      if (outboxChanged) return;
      outboxChanged = setTimeout(function () { outboxChanged = null; render(); }, 100);
    };
  }
  /* A phone left on the page overnight, woken the next day. */
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") catchUpWithToday();
  });
  registerServiceWorker();
  loadRules().then(function () { return render(); });
  searchOnThePhone();
  keptRoster().then(function (roster) { if (roster) showTotals(roster); });
  /* Counts a page left while writing them stashed (keeping) go in the outbox first. */
  fieldKept.keepStashed().catch(function () { return 0; })
    .then(function () { return render(); })
    .then(function () { return sync(); })
    .then(function () { return refreshRoster(); });
})();
