// Herald's browser test: a campaign manager's whole path through the web UI,
// against a real Herald, real Postgres/Redis, a real SIPp carrier and
// Debian's Chromium (playwright-core drives it; no browser download).
//
//   sign in → add a trunk → put it in an ordered trunk group → upload a
//   prompt and play it → write a call script (a say step with a {{tag}},
//   the prompt, a keypress menu with a branch; the server's field errors for
//   an empty text and a missing prompt shown where they belong) and listen to
//   its text-to-speech → create a round-robin caller-ID pool with two
//   numbers and rename it → add a webhook to a receiver of the test's own
//   that answers 503 (secret shown once; edited, a refused URL's error by
//   its field; disabled and enabled; no deliveries yet) → create a campaign
//   routing through the group, using the pool and playing the script (which
//   then cannot be deleted, nor can the pool)
//   → upload contacts with column mapping (one bad row, reported by line)
//   → put one contact on the campaign's blacklist (it must never be dialed;
//   the list renamed) → open the live dashboard → start → watch calls,
//   outcomes and the event latency change live → wait for completion → the
//   report (its answers: the carrier presses no keys) → export the report
//   CSV (both pool numbers presented, answered calls as long as the script)
//   → the webhook's deliveries (one per attempt, each answered 503; the
//   receiver comes back and a retried delivery is delivered) → a campaign
//   called within each country's default hours (the defaults shown, the
//   mode on its page, kept when edited) → add a viewer, who sees
//   everything and is offered no change.
//
// Environment:
//   HERALD_URL                 e.g. http://127.0.0.1:18080 (required)
//   HERALD_ADMIN_EMAIL         an admin's email (required)
//   HERALD_ADMIN_PASSWORD      and password (required)
//   CARRIER_HOST, CARRIER_PORT the SIPp carrier (uas_mix.xml: numbers ending
//                              0-5 answer, 6-7 busy, 8-9 ring until cancelled)
//   PROMPT_WAV                 a WAV file to upload (required)
//   CONTACTS_CSV               contacts with a header row (required); rows whose
//                              phone column holds no digits are the bad ones
//   ARTIFACTS_DIR              screenshots and the exported CSV (default ui/test-results)
//   CHROMIUM                   browser binary (default /usr/bin/chromium)
//   MIN_LIVE_ATTEMPTS          attempts that must arrive over SSE (default 20)
//   MAX_LATENCY_MS             bound on commit → browser latency (default 1000)
//   CAMPAIGN_TIMEOUT_SECS      how long the campaign may take (default 240)
//   HEADFUL=1                  show the browser
//
// Prints one line per step, a JSON line with the measured latencies
// ({"browser_sse_latency_ms": …}) and exits non-zero on the first failure.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));

function required(name) {
  const value = process.env[name];
  if (!value) fail(`environment variable ${name} is required`);
  return value;
}

function fail(message) {
  console.error(`browser-test: FAILED: ${message}`);
  process.exit(1);
}

const BASE = required("HERALD_URL").replace(/\/+$/, "");
const ADMIN_EMAIL = required("HERALD_ADMIN_EMAIL");
const ADMIN_PASSWORD = required("HERALD_ADMIN_PASSWORD");
const CARRIER_HOST = process.env.CARRIER_HOST || "127.0.0.1";
const CARRIER_PORT = required("CARRIER_PORT");
const PROMPT_WAV = path.resolve(required("PROMPT_WAV"));
const CONTACTS_CSV = path.resolve(required("CONTACTS_CSV"));
const ARTIFACTS_DIR = path.resolve(process.env.ARTIFACTS_DIR || path.join(HERE, "..", "test-results"));
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const MIN_LIVE_ATTEMPTS = Number(process.env.MIN_LIVE_ATTEMPTS || 20);
const MAX_LATENCY_MS = Number(process.env.MAX_LATENCY_MS || 1000);
const CAMPAIGN_TIMEOUT_MS = Number(process.env.CAMPAIGN_TIMEOUT_SECS || 240) * 1000;
const STAMP = new Date().toISOString().replace(/[-:TZ.]/g, "").slice(0, 14);

fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
// Screenshots of an earlier run would mix with this one's.
for (const name of fs.readdirSync(ARTIFACTS_DIR)) {
  if (/^(\d\d-.*\.png|dashboard-peak\.png|campaign-\d+-attempts\.csv)$/.test(name)) fs.rmSync(path.join(ARTIFACTS_DIR, name));
}

// ---------------------------------------------------------------- helpers

function log(message) {
  console.log(`browser-test: ${message}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

let shotNumber = 0;
async function screenshot(page, name, numbered = true) {
  if (numbered) shotNumber += 1;
  const slug = name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
  const file = path.join(ARTIFACTS_DIR, numbered ? `${String(shotNumber).padStart(2, "0")}-${slug}.png` : `${slug}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => {});
  return file;
}

/** Runs one step, screenshots `page` after it (also when it fails). */
async function step(page, name, action) {
  const started = Date.now();
  log(`▶ ${name}`);
  try {
    const result = await action();
    await screenshot(page(), name);
    log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return result;
  } catch (error) {
    const file = await screenshot(page(), `failed-${name}`);
    throw new Error(`${name}: ${error.message.split("\n")[0]} (screenshot ${file})`);
  }
}

/** Waits until `probe()` returns a truthy value, polling every `everyMs`. */
async function until(description, probe, timeoutMs, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${description}`);
}

/** Selects the option of `select` whose text contains `text`. */
async function selectByText(select, text) {
  const value = await select.evaluate((element, wanted) => {
    const option = [...element.options].find((candidate) => candidate.textContent.includes(wanted));
    return option ? option.value : null;
  }, text);
  check(value !== null, `no option containing “${text}”`);
  await select.selectOption(value);
}

function numberIn(text) {
  const digits = (text ?? "").replace(/[^\d]/g, "");
  return digits ? Number(digits) : 0;
}

/** RFC 4180 records (quoted fields, doubled quotes). */
function parseCsv(text) {
  const records = [];
  let record = [], value = "", quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') { value += '"'; index++; }
      else if (char === '"') quoted = false;
      else value += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") { record.push(value); value = ""; }
    else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index++;
      record.push(value); records.push(record); record = []; value = "";
    } else value += char;
  }
  if (value !== "" || record.length) { record.push(value); records.push(record); }
  return records.filter((row) => !(row.length === 1 && row[0] === ""));
}

/** What uas_mix.xml does with a number, by its last digit. */
function expectedOutcome(phone) {
  const digit = phone.replace(/\D/g, "").slice(-1);
  if ("012345".includes(digit)) return "answered";
  if ("67".includes(digit)) return "busy";
  return "no_answer";
}

function percentile(sorted, share) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

// ---------------------------------------------------------------- the contacts file

const contactsText = fs.readFileSync(CONTACTS_CSV, "utf8");
const contactRecords = parseCsv(contactsText);
const contactHeader = contactRecords[0].map((name) => name.trim());
const phoneIndex = contactHeader.indexOf("phone");
if (phoneIndex < 0) fail(`${CONTACTS_CSV} has no "phone" column`);
const zoneColumn = contactHeader.find((name) => /^(tz|timezone)$/i.test(name)) ?? null;
const goodPhones = new Set();
const badLines = [];
contactRecords.slice(1).forEach((record, index) => {
  const phone = record[phoneIndex] ?? "";
  // Line numbers as Herald reports them: the header is line 1.
  if (/\d{6,}/.test(phone.replace(/\D/g, "")) && /^\+?[\d\s()-]+$/.test(phone.trim())) goodPhones.add("+" + phone.replace(/\D/g, ""));
  else badLines.push(index + 2);
});
if (!badLines.length) fail(`${CONTACTS_CSV} should hold at least one bad row`);
const expectedContacts = goodPhones.size;
// One answering number goes on the campaign's blacklist: never dialed.
const blockedPhone = [...goodPhones].filter((phone) => expectedOutcome(phone) === "answered")[1];
if (!blockedPhone) fail(`${CONTACTS_CSV} should hold at least two numbers the carrier answers`);
const expectedAttempts = expectedContacts - 1;

// ---------------------------------------------------------------- a webhook receiver

// Answers 503 (an endpoint that is down) until `up` is set, then 200.
const receiver = { up: false, posts: 0, signed: 0, answered: {} };
const receiverServer = http.createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    receiver.posts += 1;
    if (/^sha256=[0-9a-f]{64}$/.test(request.headers["x-herald-signature"] ?? "")) receiver.signed += 1;
    const status = receiver.up ? 200 : 503;
    receiver.answered[status] = (receiver.answered[status] ?? 0) + 1;
    response.writeHead(status, { "Content-Type": "text/plain" }).end(receiver.up ? "ok" : "down for maintenance");
  });
});
await new Promise((resolve) => receiverServer.listen(0, "127.0.0.1", resolve));
const RECEIVER_URL = `http://127.0.0.1:${receiverServer.address().port}`;
function closeReceiver() {
  receiverServer.closeAllConnections();
  receiverServer.close();
}

// ---------------------------------------------------------------- the flow

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: process.env.HEADFUL !== "1",
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required"],
});
const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
context.setDefaultTimeout(20_000);
const pageErrors = [];
function watch(page, name) {
  page.on("pageerror", (error) => pageErrors.push(`${name}: ${error.message}`));
  page.on("console", (message) => {
    // API errors the flow provokes on purpose show up as failed loads.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) log(`(${name} console) ${message.text()}`);
  });
  page.on("dialog", (dialog) => dialog.accept());
}
const page = await context.newPage();
watch(page, "main");
let dashboard = null;
let current = page;
const on = () => current;

const names = {
  trunk: `SIPp carrier ${STAMP}`,
  group: "Flow group",
  prompt: `Welcome ${STAMP}`,
  campaign: `Browser test ${STAMP}`,
  hoursCampaign: `Country hours ${STAMP}`,
  pool: "Flow pool",
  script: `Reminder ${STAMP}`,
  list: `Do not call ${STAMP}`,
  renamedList: `Never call ${STAMP}`,
};
// The webhook as added, then as edited; it hears the campaign's attempts.
const hookUrls = { added: `${RECEIVER_URL}/herald`, edited: `${RECEIVER_URL}/hooks/herald` };
// The script's keypress menu: how long it waits for keys, and how often it asks.
const GATHER_WAIT_SECS = 3;
const GATHER_TRIES = 1;
/** The silence after the script's "Hello.": longer than the detector's wait for a person's greeting to end. */
const OPENING_PAUSE_MS = 1200;
const poolNumbers = ["+12025550101", "+12025550102"];
let campaignId = null;
let latencyReport = null;

try {
  await step(on, "sign in", async () => {
    await page.goto(`${BASE}/`);
    await page.getByLabel("Email", { exact: true }).fill(ADMIN_EMAIL);
    await page.getByLabel("Password", { exact: true }).fill(ADMIN_PASSWORD + "-wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.locator(".form-alert");
    await alert.waitFor({ state: "visible" });
    log(`  a wrong password shows: “${(await alert.innerText()).trim()}”`);
    await page.getByLabel("Password", { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    await page.getByRole("heading", { name: "Live dashboard" }).waitFor();
    check((await page.getByTestId("signed-in-as").innerText()).length > 0, "no signed-in user shown");
  });

  await step(on, "add a trunk", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Trunks" }).click();
    await page.getByRole("heading", { name: "Add a trunk" }).waitFor();
    // An empty form first: the API's field messages must sit next to their inputs.
    await page.getByRole("button", { name: "Add trunk" }).click();
    const nameError = page.locator('[data-error-for="name"], [data-error-for="host"]').first();
    await nameError.waitFor({ state: "visible" });
    log(`  an empty trunk form shows next to its field: “${(await nameError.innerText()).trim()}”`);
    await page.getByLabel("Name", { exact: true }).fill(names.trunk);
    await page.getByLabel("Host", { exact: true }).fill(CARRIER_HOST);
    await page.getByLabel("Port", { exact: true }).fill(String(CARRIER_PORT));
    await page.getByLabel("Calls per second limit", { exact: true }).fill("20");
    await page.getByLabel("Lines", { exact: true }).fill("100");
    await page.getByRole("button", { name: "Add trunk" }).click();
    await page.getByTestId("trunks").getByRole("rowheader", { name: names.trunk }).waitFor();
  });

  await step(on, "create a trunk group", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Trunk groups" }).click();
    await page.getByRole("heading", { name: "New trunk group" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill(names.group);
    await page.getByLabel("Strategy", { exact: true }).selectOption("ordered");
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByRole("heading", { name: names.group }).waitFor();
    await selectByText(page.getByLabel("Trunk", { exact: true }), names.trunk);
    await page.getByRole("button", { name: "Add to group" }).click();
    await page.getByTestId("members").getByRole("rowheader", { name: names.trunk }).waitFor();
    log(`  group “${names.group}” (ordered): ${names.trunk}`);
  });

  await step(on, "upload a prompt and play it", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Prompts" }).click();
    await page.getByRole("heading", { name: "Upload a prompt" }).waitFor();
    await page.getByLabel("Audio file", { exact: true }).setInputFiles(PROMPT_WAV);
    await page.getByLabel("Name", { exact: true }).fill(names.prompt);
    await page.getByRole("button", { name: "Upload prompt" }).click();
    const item = page.locator("[data-prompt]").filter({ has: page.getByRole("heading", { name: names.prompt }) });
    await item.waitFor();
    const duration = await item.locator("audio").evaluate(
      (audio) =>
        new Promise((resolve, reject) => {
          if (audio.readyState >= 1 && audio.duration > 0) return resolve(audio.duration);
          audio.addEventListener("loadedmetadata", () => resolve(audio.duration), { once: true });
          audio.addEventListener("error", () => reject(new Error(`audio element error ${audio.error?.code}: ${audio.error?.message}`)), { once: true });
          setTimeout(() => reject(new Error("no loadedmetadata within 10 s")), 10_000);
        }),
    );
    check(Number.isFinite(duration) && duration > 0, `the prompt's audio has duration ${duration}`);
    log(`  the browser decodes the prompt: ${duration.toFixed(2)} s`);
  });

  await step(on, "write a call script", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Scripts" }).click();
    await page.getByRole("heading", { name: "Call scripts" }).waitFor();
    await page.getByRole("link", { name: "New script" }).click();
    await page.getByRole("heading", { name: "New script" }).waitFor();
    const card = (path) => page.locator(`[data-path="${path}"]`);
    const add = (list, type) => page.locator(`[data-list="${list}"] > .add-step`).getByRole("button", { name: type, exact: true });
    const save = page.getByRole("button", { name: "Create script" });
    await page.getByLabel("Name", { exact: true }).fill(names.script);
    // A new script says something, then hangs up. Before the hang-up go: a
    // pause, the reminder, the prompt and a menu (each added last, then moved
    // up). "Hello." and a pause open the call as outbound calls do, so that the
    // answering-machine detector hears a person: this carrier echoes what it
    // hears, and a long sentence at once sounds like a machine's greeting.
    const addBeforeHangup = async (type, at) => {
      await add("body.steps", type).click();
      await card(`body.steps[${at + 1}]`).getByRole("button", { name: `Move step ${at + 2} up` }).click();
      const focused = await page.evaluate(() => document.activeElement?.getAttribute("aria-label"));
      check(focused === `Move step ${at + 1} up`, `after moving a step up, the focus is on “${focused}”, not on the moved step's button`);
      return card(`body.steps[${at}]`);
    };
    const pause = await addBeforeHangup("Pause", 1);
    await pause.getByLabel("Length (ms)", { exact: true }).fill(String(OPENING_PAUSE_MS));
    const reminder = await addBeforeHangup("Say", 2);
    await reminder.getByLabel("Text", { exact: true }).fill("{{name}}, this is a reminder from Herald.");
    const play = await addBeforeHangup("Play prompt", 3);
    await selectByText(play.getByLabel("Prompt", { exact: true }), names.prompt);
    const menu = await addBeforeHangup("Keypress menu", 4);
    check((await menu.getAttribute("data-type")) === "gather", "the keypress menu is not the fifth step");
    await menu.getByLabel("Answer name", { exact: true }).fill("confirm");
    await menu.getByLabel("Wait for keys (s)", { exact: true }).fill(String(GATHER_WAIT_SECS));
    await menu.getByLabel("Tries", { exact: true }).fill(String(GATHER_TRIES));
    await card("body.steps[4].prompt[0]").getByLabel("Text", { exact: true }).fill("Press 1 to confirm your appointment.");
    await menu.getByRole("button", { name: "Add a key" }).click();
    await card("body.steps[4].branches.1[0]").getByLabel("Text", { exact: true }).fill("Thank you, see you then.");
    await add("body.steps[4].otherwise", "Say").click();
    await card("body.steps[4].otherwise[0]").getByLabel("Text", { exact: true }).fill("Goodbye.");

    // The first step's text is still empty: the server says so, next to it.
    await save.click();
    const textError = page.locator('[data-error-for="body.steps[0].text"]');
    await textError.waitFor({ state: "visible" });
    log(`  an empty say step shows next to its text: “${(await textError.innerText()).trim()}”`);
    await card("body.steps[0]").getByLabel("Text", { exact: true }).fill("Hello.");

    // A prompt that does not exist, typed as JSON: the server's error names the step.
    await page.getByTestId("json-toggle").click();
    const json = page.getByLabel("Script body (JSON)", { exact: true });
    const body = JSON.parse(await json.inputValue());
    const types = body.steps.map((entry) => entry.type).join(",");
    check(types === "say,pause,say,play,gather,hangup", `the JSON has steps ${types}`);
    check(JSON.stringify(body.steps[4].branches["1"]).includes("Thank you"), `the menu's key 1 is not in the JSON: ${JSON.stringify(body.steps[4])}`);
    body.steps[3].prompt_id = 987654321;
    await json.fill(JSON.stringify(body, null, 2));
    await save.click();
    const bodyError = page.locator('[data-error-for="body"]');
    await bodyError.waitFor({ state: "visible" });
    const promptError = (await bodyError.innerText()).trim();
    log(`  a missing prompt shows by the JSON: “${promptError}”`);
    check(/^Step 4\b/.test(promptError), `the missing prompt's error does not name step 4: “${promptError}”`);

    // Back to the steps: choose the real prompt again, and save.
    await page.getByTestId("json-toggle").click();
    await selectByText(card("body.steps[3]").getByLabel("Prompt", { exact: true }), names.prompt);
    await save.click();
    await page.waitForURL(/#\/scripts\/\d+$/);
    await page.getByRole("heading", { name: names.script }).waitFor();
    check((await card("body.steps[2]").getByLabel("Text", { exact: true }).inputValue()).includes("{{name}}"), "the saved script lost its {{name}}");
    await card("body.steps[4].branches.1[0]").waitFor();
    log(`  script ${page.url().match(/scripts\/(\d+)/)[1]}: “Hello.” → ${OPENING_PAUSE_MS} ms → say (with {{name}}) → play “${names.prompt}” → menu “confirm” (key 1; wait ${GATHER_WAIT_SECS} s, ${GATHER_TRIES} try) → hang up`);
  });

  await step(on, "listen to the script's text-to-speech", async () => {
    const say = page.locator('[data-path="body.steps[2]"]');
    const [preview] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith("/api/v1/speech/preview") && response.request().method() === "POST"),
      say.getByRole("button", { name: /^Listen/ }).click(),
    ]);
    const type = preview.headers()["content-type"] ?? "";
    check(preview.status() === 200, `POST /speech/preview answered ${preview.status()}: ${await preview.text()}`);
    check(type.startsWith("audio/wav"), `POST /speech/preview answered ${type}, not audio/wav`);
    const audio = say.locator("audio");
    await until("the audio element to get the preview", async () => (await audio.getAttribute("src"))?.startsWith("blob:"), 10_000);
    // The blob the page plays (Chromium keeps no copy of a fetched body for the test to read).
    const blob = await audio.evaluate(async (element) => {
      const played = await (await fetch(element.src)).blob();
      return { size: played.size, type: played.type };
    });
    check(blob.size > 44, `the preview's blob holds ${blob.size} bytes: not even a WAV header`);
    const duration = await audio.evaluate(
      (element) =>
        new Promise((resolve, reject) => {
          if (element.readyState >= 1 && element.duration > 0) return resolve(element.duration);
          element.addEventListener("loadedmetadata", () => resolve(element.duration), { once: true });
          element.addEventListener("error", () => reject(new Error(`audio element error ${element.error?.code}: ${element.error?.message}`)), { once: true });
          setTimeout(() => reject(new Error("no loadedmetadata within 10 s")), 10_000);
        }),
    );
    check(Number.isFinite(duration) && duration > 0, `the preview's audio has duration ${duration}`);
    log(`  ${type}, ${blob.size} bytes (${blob.type}), played from a blob: URL (${duration.toFixed(2)} s)`);
  });

  await step(on, "create a caller-ID pool and rename it", async () => {
    const draftName = `Draft pool ${STAMP}`;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Caller IDs" }).click();
    await page.getByRole("heading", { name: "New pool" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill(draftName);
    await page.getByLabel("Strategy", { exact: true }).selectOption("least_used");
    await page.getByRole("button", { name: "Create pool" }).click();
    await page.getByRole("heading", { name: draftName, exact: true }).waitFor();
    for (const number of poolNumbers) {
      await page.getByLabel("Number", { exact: true }).fill(number);
      await page.getByRole("button", { name: "Add number" }).click();
      await page.getByTestId("caller-ids").getByRole("rowheader", { name: number, exact: true }).waitFor();
    }
    // Renamed and its strategy changed: the server's error for an empty name first, by its field.
    await page.getByLabel("Pool name", { exact: true }).fill(" ");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const nameError = page.locator('[data-error-for="name"]');
    await nameError.waitFor({ state: "visible" });
    log(`  an empty pool name shows next to its field: “${(await nameError.innerText()).trim()}”`);
    await page.getByLabel("Pool name", { exact: true }).fill(names.pool);
    await page.getByLabel("Strategy", { exact: true }).selectOption("round_robin");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("heading", { name: names.pool, exact: true }).waitFor();
    check((await page.getByTestId("pool-strategy").innerText()).trim() === "Round robin", "the renamed pool does not show its new strategy");
    check((await page.getByTestId("caller-ids").locator("tbody tr").count()) === poolNumbers.length, "the renamed pool lost numbers");
    log(`  pool “${draftName}” (least used) renamed “${names.pool}” (round robin): ${poolNumbers.join(", ")}`);
  });

  await step(on, "add a webhook, edit it, disable and enable it", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("heading", { name: "Add a webhook" }).waitFor();
    await page.getByLabel("URL", { exact: true }).fill(hookUrls.added);
    await page.getByRole("button", { name: "Add webhook" }).click();
    const secret = (await page.getByTestId("webhook-secret").innerText()).trim();
    check(secret.length >= 16, `the new webhook's secret is not shown (“${secret}”)`);
    const webhookRow = (url) => page.getByTestId("webhooks").getByRole("row").filter({ has: page.getByRole("rowheader", { name: url, exact: true }) });
    await webhookRow(hookUrls.added).waitFor();
    await page.getByRole("button", { name: "I have stored it" }).click();
    await page.getByRole("button", { name: "Refresh", exact: true }).click();
    await webhookRow(hookUrls.added).waitFor();
    check(!(await page.locator("main").innerText()).includes(secret), "the webhook's secret is shown again");

    // Edited: a URL Herald refuses shows its message next to the field, then a good one is saved.
    await webhookRow(hookUrls.added).getByRole("button", { name: /^Edit/ }).click();
    const editForm = page.getByRole("form", { name: `Edit the webhook to ${hookUrls.added}` });
    const urlField = editForm.getByLabel("Webhook URL", { exact: true });
    check(await urlField.evaluate((element) => element === document.activeElement), "the edit form's URL field does not have the focus");
    await urlField.fill("ftp://example.com/herald");
    await editForm.getByRole("button", { name: "Save", exact: true }).click();
    const urlError = editForm.locator('[data-error-for="url"]');
    await urlError.waitFor({ state: "visible" });
    log(`  a refused URL shows next to its field: “${(await urlError.innerText()).trim()}”`);
    await urlField.fill(hookUrls.edited);
    await editForm.getByRole("button", { name: "Save", exact: true }).click();
    const row = webhookRow(hookUrls.edited);
    await row.waitFor();

    // Disabled, then enabled again, from the keyboard's point of view: the focus stays on the toggle.
    const state = row.locator("td .badge");
    await row.getByRole("button", { name: /^Disable/ }).click();
    await until("the webhook to show disabled", async () => (await state.innerText()).trim() === "disabled", 5_000, 100);
    check(await row.getByRole("button", { name: /^Enable/ }).evaluate((element) => element === document.activeElement), "after disabling, the focus left the row's toggle");
    await page.keyboard.press("Enter");
    await until("the webhook to show enabled", async () => (await state.innerText()).trim() === "enabled", 5_000, 100);

    // Nothing finished yet: no deliveries.
    await row.getByRole("button", { name: /^Deliveries/ }).click();
    await page.getByTestId("no-deliveries").waitFor();
    check(await page.locator("#deliveries-title").evaluate((element) => element === document.activeElement), "the opened deliveries' heading does not have the focus");
    log(`  deliveries before the campaign: “${(await page.getByTestId("no-deliveries").innerText()).trim()}”`);
    await page.getByRole("button", { name: "Close", exact: true }).click();
    await page.getByTestId("deliveries-section").waitFor({ state: "hidden" });
    log(`  webhook to ${hookUrls.edited} (was ${hookUrls.added}): secret shown once (${secret.length} characters), disabled and enabled`);
  });

  await step(on, "create a campaign", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Campaigns" }).click();
    await page.getByRole("link", { name: "New campaign" }).click();
    await page.getByRole("heading", { name: "New campaign" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill(names.campaign);
    await page.getByLabel("A trunk group", { exact: true }).check();
    await selectByText(page.getByLabel("Trunk group", { exact: true }), names.group);
    await selectByText(page.getByLabel("Prompt", { exact: true }), names.prompt);
    await selectByText(page.getByLabel("Script", { exact: true }), names.script);
    await page.getByLabel("Caller ID", { exact: true }).fill("+12025550100");
    await selectByText(page.getByLabel("Caller ID pool", { exact: true }), names.pool);
    await page.getByLabel("Max attempts per contact", { exact: true }).fill("1");
    await page.getByLabel("Ring timeout (seconds)", { exact: true }).fill("5");
    await page.getByLabel("Time zone", { exact: true }).fill("UTC");
    await page.getByRole("button", { name: "Create campaign" }).click();
    await page.waitForURL(/#\/campaigns\/\d+$/);
    campaignId = Number(page.url().match(/#\/campaigns\/(\d+)$/)[1]);
    await page.getByRole("heading", { name: names.campaign }).waitFor();
    check((await page.getByTestId("campaign-status").innerText()).trim() === "draft", "a new campaign is not a draft");
    check((await page.getByTestId("caller-id-pool").first().innerText()).trim() === names.pool, "the campaign does not show its caller-ID pool");
    check((await page.getByTestId("trunk-group").first().innerText()).trim() === names.group, "the campaign does not show its trunk group");
    check((await page.getByTestId("campaign-script").innerText()).trim() === names.script, "the campaign does not show its script");
    log(`  campaign ${campaignId}, playing the script “${names.script}”`);
  });

  await step(on, "a script and a pool a campaign uses are not deleted", async () => {
    await page.getByTestId("campaign-script").click();
    await page.getByRole("heading", { name: names.script }).waitFor();
    await page.getByRole("button", { name: "Delete script" }).click();
    const refused = page.locator(".form-alert", { hasText: "Not deleted" });
    await refused.waitFor();
    log(`  ${(await refused.innerText()).trim()}`);
    await screenshot(page, "the script's deletion refused");
    await page.goto(`${BASE}/#/campaigns/${campaignId}`);
    await page.getByRole("heading", { name: names.campaign }).waitFor();
    await page.getByTestId("caller-id-pool").first().click();
    await page.getByRole("heading", { name: names.pool, exact: true }).waitFor();
    await page.getByRole("button", { name: "Delete pool" }).click();
    const poolRefused = page.locator(".form-alert", { hasText: "Not deleted" });
    await poolRefused.waitFor();
    log(`  ${(await poolRefused.innerText()).trim()}`);
    await page.goto(`${BASE}/#/campaigns/${campaignId}`);
    await page.getByRole("heading", { name: names.campaign }).waitFor();
    check((await page.getByTestId("calling-hours").innerText()).trim() === "any time", "the campaign does not show its calling hours as any time");
  });

  await step(on, "upload contacts with column mapping", async () => {
    await page.getByLabel("Contacts file (CSV)", { exact: true }).setInputFiles(CONTACTS_CSV);
    await page.getByLabel("Phone number column", { exact: true }).selectOption("phone");
    if (zoneColumn) await page.getByLabel("Time zone column", { exact: true }).selectOption(zoneColumn);
    await page.getByRole("button", { name: "Upload contacts" }).click();
    await page.locator('[data-testid="import-state"][data-state="done"], [data-testid="import-state"][data-state="failed"]').waitFor({ timeout: 60_000 });
    const state = await page.getByTestId("import-state").getAttribute("data-state");
    const counts = await page.getByTestId("import-counts").innerText();
    log(`  ${counts}`);
    check(state === "done", `the import ended ${state}: ${await page.getByTestId("import-state").innerText()}`);
    const imported = numberIn(counts.match(/([\d,.\s]+) imported/)?.[1]);
    const rejected = numberIn(counts.match(/([\d,.\s]+) rejected/)?.[1]);
    check(imported === expectedContacts, `imported ${imported} contacts, expected ${expectedContacts}`);
    check(rejected === badLines.length, `rejected ${rejected} rows, expected ${badLines.length}`);
    await page.getByTestId("error-line").first().waitFor({ timeout: 10_000 });
    const lines = (await page.getByTestId("error-line").allInnerTexts()).map((text) => Number(text.trim()));
    check(
      badLines.every((line) => lines.includes(line)),
      `the rejected rows are reported on lines [${lines}], expected [${badLines}]`,
    );
    log(`  bad row reported on line ${lines.join(", ")}`);
    await until("the summary to count the contacts", async () => numberIn(await page.getByTestId("summary-contacts").innerText()) === expectedContacts, 10_000);
    log(`  preflight: ${(await page.getByTestId("blockers").innerText()).replace(/\s+/g, " ")}`);
    // The campaign has no caps of its own: its trunk's set its ceilings.
    const limits = await page.getByTestId("preflight-limits").innerText();
    check(/calls per second \(its trunks' caps\)/.test(limits) && /calls at once \(its trunks' caps\)/.test(limits), `the preflight's ceilings: ${limits}`);
    log(`  preflight ceilings: ${limits}`);
  });

  await step(on, "blacklist one contact", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Lists" }).click();
    await page.getByRole("heading", { name: "New list" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill(names.list);
    await page.getByLabel("Kind", { exact: true }).selectOption("black");
    await selectByText(page.getByLabel("Applies to", { exact: true }), names.campaign);
    await page.getByRole("button", { name: "Create list" }).click();
    await page.getByRole("heading", { name: names.list }).waitFor();
    await page.getByLabel("Number or prefix", { exact: true }).fill(blockedPhone);
    await page.getByLabel("Reason", { exact: true }).fill("asked not to be called");
    await page.getByRole("button", { name: "Add entry" }).click();
    await page.getByTestId("entries").getByRole("cell", { name: blockedPhone, exact: true }).waitFor();
    await page.getByLabel("Search", { exact: true }).fill(blockedPhone.slice(0, 8));
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByTestId("entries").getByRole("cell", { name: blockedPhone, exact: true }).waitFor();
    // Renamed: the server's error for an empty name by its field, then the new name everywhere.
    await page.getByLabel("List name", { exact: true }).fill("");
    await page.getByRole("button", { name: "Rename", exact: true }).click();
    const nameError = page.locator('[data-error-for="name"]');
    await nameError.waitFor({ state: "visible" });
    log(`  an empty list name shows next to its field: “${(await nameError.innerText()).trim()}”`);
    await page.getByLabel("List name", { exact: true }).fill(names.renamedList);
    await page.getByRole("button", { name: "Rename", exact: true }).click();
    await page.getByRole("heading", { name: names.renamedList, exact: true }).waitFor();
    await page.getByTestId("entries").getByRole("cell", { name: blockedPhone, exact: true }).waitFor();
    log(`  ${blockedPhone} is on the campaign's blacklist “${names.renamedList}” (was “${names.list}”)`);
    await page.goto(`${BASE}/#/campaigns/${campaignId}`);
    await page.getByRole("heading", { name: names.campaign }).waitFor();
  });

  await step(() => dashboard ?? page, "open the live dashboard", async () => {
    dashboard = await context.newPage();
    watch(dashboard, "dashboard");
    await dashboard.goto(`${BASE}/#/dashboard?campaign=${campaignId}`);
    await dashboard.getByRole("heading", { name: "Live dashboard" }).waitFor();
    await until("the event stream to connect", async () => (await dashboard.getByTestId("feed-state").getAttribute("class"))?.includes("live"), 15_000);
    log(`  ${await dashboard.getByTestId("feed-state").innerText()}`);
  });

  await step(on, "start the campaign", async () => {
    await page.bringToFront();
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await until("the campaign to run", async () => ["running", "completed"].includes((await page.getByTestId("campaign-status").innerText()).trim()), 10_000);
    await page.getByRole("button", { name: "Pause" }).or(page.getByRole("button", { name: "Archive" })).first().waitFor();
  });

  current = dashboard;
  await step(on, "watch the dashboard change live", async () => {
    await dashboard.bringToFront();
    const seen = { activeMax: 0, totals: new Set(), cpsMax: 0 };
    await until(
      `${MIN_LIVE_ATTEMPTS} attempts over SSE with calls and outcomes changing on screen`,
      async () => {
        const active = numberIn(await dashboard.getByTestId("active-calls").innerText());
        const total = numberIn(await dashboard.getByTestId("outcome-total").innerText());
        const cps = Number((await dashboard.getByTestId("cps-total").innerText()).replace(/[^\d.]/g, "")) || 0;
        seen.activeMax = Math.max(seen.activeMax, active);
        seen.cpsMax = Math.max(seen.cpsMax, cps);
        seen.totals.add(total);
        if (active > 0 && seen.activeMax === active) await screenshot(dashboard, "dashboard-peak", false);
        const received = await dashboard.evaluate(() => window.__heraldLatencies.length);
        return received >= Math.min(MIN_LIVE_ATTEMPTS, expectedContacts) && seen.activeMax > 0 && seen.totals.size >= 3;
      },
      CAMPAIGN_TIMEOUT_MS,
      200,
    );
    log(`  the busiest moment: ${path.join(ARTIFACTS_DIR, "dashboard-peak.png")}`);
    log(`  up to ${seen.activeMax} calls up at once, up to ${seen.cpsMax} CPS shown, finished-call counter took ${seen.totals.size} values`);
    const latest = await dashboard.getByTestId("latest-attempts").locator("tbody tr").count();
    check(latest > 0, "no attempt in the latest calls table");
    const note = await dashboard.locator(".stat", { has: dashboard.getByTestId("last-latency") }).locator(".stat-note").innerText();
    log(`  event latency card: ${note.replace(/\s+/g, " ")}`);
  });

  await step(on, "campaign completes", async () => {
    await until(
      "the campaign to complete",
      async () => (await page.getByTestId("campaign-status").innerText()).trim() === "completed",
      CAMPAIGN_TIMEOUT_MS,
      500,
    );
    // The last attempts' events arrive within a tick or two of their commit.
    await until("every attempt over SSE", async () => (await dashboard.evaluate(() => window.__heraldLatencies.length)) >= expectedAttempts, 5_000).catch(() => {});
    const latencies = await dashboard.evaluate(() => window.__heraldLatencies.slice());
    const sorted = latencies.slice().sort((a, b) => a - b);
    latencyReport = {
      browser_sse_latency_ms: {
        count: latencies.length,
        expected: expectedAttempts,
        p50: percentile(sorted, 0.5),
        p90: percentile(sorted, 0.9),
        p99: percentile(sorted, 0.99),
        max: sorted.length ? sorted[sorted.length - 1] : null,
        min: sorted.length ? sorted[0] : null,
      },
    };
    console.log(JSON.stringify(latencyReport));
    log(`  SSE delivered ${latencies.length} of ${expectedAttempts} attempts; latency p50 ${latencyReport.browser_sse_latency_ms.p50} ms, max ${latencyReport.browser_sse_latency_ms.max} ms`);
    check(latencies.length >= Math.min(MIN_LIVE_ATTEMPTS, expectedAttempts), `only ${latencies.length} attempts arrived over SSE`);
    check(latencyReport.browser_sse_latency_ms.max <= MAX_LATENCY_MS, `an attempt reached the browser ${latencyReport.browser_sse_latency_ms.max} ms after it was written (bound ${MAX_LATENCY_MS} ms)`);
    const progress = await dashboard.getByTestId("campaign-progress").first().innerText();
    log(`  dashboard progress: ${progress}`);
  });

  current = page;
  await step(on, "report and CSV export", async () => {
    await page.bringToFront();
    await page.getByRole("heading", { name: "Report" }).scrollIntoViewIfNeeded();
    await until("the report's outcome chart", async () => (await page.locator(".chart.bars").count()) > 0, 10_000);
    // The carrier answers but presses no keys: every menu times out, nobody opts out.
    await page.getByTestId("report-answers").waitFor();
    const answers = await page.getByTestId("answers").locator("tbody tr").allInnerTexts();
    const optedOut = (await page.getByTestId("opted-out").innerText()).trim();
    log(`  answers: ${answers.length ? answers.map((row) => row.replace(/\s+/g, " ")).join(" | ") : "none"}; ${optedOut}`);
    check(numberIn(optedOut) === 0, `the report counts opt-outs though no key was pressed: ${optedOut}`);
    // The attempts table: filter by outcome, page with the cursor.
    await page.getByLabel("Outcome", { exact: true }).selectOption("busy");
    await page.getByRole("button", { name: "Filter" }).click();
    await until("busy calls only", async () => {
      const badges = await page.getByTestId("attempts").locator("tbody .badge").allInnerTexts();
      return badges.length > 0 && badges.every((text) => text.trim() === "busy");
    }, 10_000);
    await page.getByLabel("Outcome", { exact: true }).selectOption("");
    await page.getByRole("button", { name: "Filter" }).click();
    if (expectedAttempts > 50) {
      await until("a full first page", async () => (await page.getByTestId("attempts").locator("tbody tr").count()) === 50, 10_000);
      await page.getByRole("button", { name: "Next page" }).click();
      await page.getByText("Page 2").waitFor();
      const second = await page.getByTestId("attempts").locator("tbody tr").count();
      check(second === Math.min(50, expectedAttempts - 50), `page 2 has ${second} rows`);
      await page.getByRole("button", { name: "Previous page" }).click();
      await page.getByText("Page 1").waitFor();
    }

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
    const file = path.join(ARTIFACTS_DIR, `campaign-${campaignId}-attempts.csv`);
    await download.saveAs(file);
    const rows = parseCsv(fs.readFileSync(file, "utf8"));
    const header = rows[0] ?? [];
    const phoneAt = header.indexOf("phone");
    const outcomeAt = header.indexOf("outcome");
    check(phoneAt >= 0 && outcomeAt >= 0, `the CSV header has no phone/outcome column: ${header.join(",")}`);
    const attempts = rows.slice(1);
    check(attempts.length === expectedAttempts, `the CSV has ${attempts.length} attempt rows, expected ${expectedAttempts} (one per contact but the blacklisted one)`);
    const phones = new Set(attempts.map((row) => row[phoneAt]));
    check(phones.size === expectedAttempts, `the CSV covers ${phones.size} distinct phones, expected ${expectedAttempts}`);
    check(!phones.has(blockedPhone), `the blacklisted ${blockedPhone} was called`);
    const unknown = [...phones].filter((phone) => !goodPhones.has(phone));
    check(!unknown.length, `the CSV has phones not in the contacts file: ${unknown.slice(0, 3)}`);
    const wrong = attempts.filter((row) => row[outcomeAt] !== expectedOutcome(row[phoneAt]));
    const byOutcome = {};
    for (const row of attempts) byOutcome[row[outcomeAt]] = (byOutcome[row[outcomeAt]] ?? 0) + 1;
    log(`  ${file}: header + ${attempts.length} rows, outcomes ${JSON.stringify(byOutcome)}`);
    check(!wrong.length, `${wrong.length} outcomes differ from the carrier script, e.g. ${wrong[0]?.[phoneAt]} → ${wrong[0]?.[outcomeAt]}`);
    const callerAt = header.indexOf("caller_id");
    check(callerAt >= 0, `the CSV header has no caller_id column: ${header.join(",")}`);
    const byCaller = {};
    for (const row of attempts) byCaller[row[callerAt]] = (byCaller[row[callerAt]] ?? 0) + 1;
    log(`  caller IDs presented: ${JSON.stringify(byCaller)}`);
    const foreign = Object.keys(byCaller).filter((number) => !poolNumbers.includes(number));
    check(!foreign.length, `calls presented caller IDs outside the pool: ${foreign.join(", ")}`);
    check(poolNumbers.every((number) => byCaller[number] > 0), `not every pool number was presented: ${JSON.stringify(byCaller)}`);
    // Answered calls hear the script: speech, the prompt and a menu that waits for keys — longer than the prompt alone.
    const talkAt = header.indexOf("talk_ms");
    check(talkAt >= 0, `the CSV header has no talk_ms column: ${header.join(",")}`);
    const talks = attempts.filter((row) => row[outcomeAt] === "answered").map((row) => Number(row[talkAt])).sort((a, b) => a - b);
    check(talks.length > 0, "no answered call in the CSV");
    log(`  answered calls talked ${(talks[0] / 1000).toFixed(1)}–${(talks[talks.length - 1] / 1000).toFixed(1)} s (median ${(percentile(talks, 0.5) / 1000).toFixed(1)} s; the prompt alone is 2.5 s, the menu waits ${GATHER_WAIT_SECS} s)`);
    check(talks[0] >= GATHER_WAIT_SECS * 1000 + 1000, `an answered call talked only ${talks[0]} ms: the script's menu alone waits ${GATHER_WAIT_SECS} s`);
  });

  await step(on, "webhook deliveries: the receiver comes back, a retry delivers", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).click();
    const row = page.getByTestId("webhooks").getByRole("row").filter({ has: page.getByRole("rowheader", { name: hookUrls.edited, exact: true }) });
    await row.waitFor();
    // Each finished attempt queued one delivery, in the statement that recorded it.
    const counts = async () => ({
      delivered: numberIn(await row.getByTestId("webhook-delivered").innerText()),
      pending: numberIn(await row.getByTestId("webhook-pending").innerText()),
      failed: numberIn(await row.getByTestId("webhook-failed").innerText()),
    });
    const queued = await counts();
    check(queued.delivered + queued.pending + queued.failed === expectedAttempts, `the webhook counts ${JSON.stringify(queued)}, expected ${expectedAttempts} deliveries (one per attempt)`);
    check(queued.delivered === 0, `${queued.delivered} deliveries made to a receiver answering 503`);
    await row.getByRole("button", { name: /^Deliveries/ }).click();
    const table = page.getByTestId("deliveries");
    await table.waitFor();
    const shown = await table.locator("tbody tr").count();
    check(shown === Math.min(50, expectedAttempts), `the deliveries table shows ${shown} rows`);
    // The deliverer takes due deliveries every 500 ms: each has been tried once the table says so.
    const retryNow = table.getByRole("button", { name: /^Retry now/ });
    await until("a delivery tried and waiting for its next try", async () => {
      if ((await retryNow.count()) > 0) return true;
      await page.getByRole("button", { name: "Refresh deliveries" }).click();
      await table.waitFor();
      return false;
    }, 15_000, 300);
    const target = table.locator("tbody tr").filter({ has: page.getByRole("button", { name: /^Retry now/ }) });
    const first = target.first();
    const deliveryId = await first.getAttribute("data-delivery");
    const before = (await first.innerText()).replace(/\s+/g, " ");
    check(before.includes("503"), `delivery #${deliveryId} does not show the receiver's 503: ${before}`);
    log(`  ${shown} deliveries shown (${JSON.stringify(queued)}); #${deliveryId} before the retry: ${before}`);
    receiver.up = true;
    await first.getByRole("button", { name: /^Retry now/ }).click();
    const retried = table.locator(`tr[data-delivery="${deliveryId}"]`);
    await until(`delivery #${deliveryId} to be delivered`, async () => {
      if ((await retried.getByTestId("delivery-state").innerText()).trim() === "delivered") return true;
      await page.getByRole("button", { name: "Refresh deliveries" }).click();
      return false;
    }, 10_000, 300);
    log(`  #${deliveryId} after the retry: ${(await retried.innerText()).replace(/\s+/g, " ")}`);
    log(`  the receiver got ${receiver.posts} POSTs (${receiver.signed} signed): ${JSON.stringify(receiver.answered)}`);
    check(receiver.signed === receiver.posts, `${receiver.posts - receiver.signed} deliveries came without an X-Herald-Signature`);
    await screenshot(page, "webhook deliveries");
    await row.getByRole("button", { name: /^Delete/ }).click();
    await row.waitFor({ state: "detached" });
    check(await page.getByTestId("deliveries-section").isHidden(), "the deleted webhook's deliveries are still shown");
  });

  await step(on, "a campaign called within each country's default hours", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Campaigns" }).click();
    await page.getByRole("link", { name: "New campaign" }).click();
    await page.getByRole("heading", { name: "New campaign" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill(names.hoursCampaign);
    check(await page.getByTestId("default-hours").isHidden(), "the country defaults are shown before they are chosen");
    await page.getByLabel("Each number's country default hours", { exact: true }).check();
    const defaults = await page.getByTestId("default-hours").locator("tbody tr").allInnerTexts();
    const lines = defaults.map((text) => text.replace(/\s+/g, " ").trim());
    log(`  defaults shown: ${lines.join(" | ")}`);
    check(lines.includes("+1 Mon–Sat 09:00–20:00"), "the defaults table has no “+1 Mon–Sat 09:00–20:00” row");
    check(lines.some((line) => line.startsWith("every other country")), "the defaults table has no row for every other country");
    await screenshot(page, "country default hours");
    // A date that cannot be read is its field's error.
    const blackout = page.getByLabel("No calls on these dates", { exact: true });
    await blackout.fill("2026-12-25, 25.12.2026");
    await page.getByRole("button", { name: "Create campaign" }).click();
    await page.locator('[data-error-for="window_blackout"]').waitFor({ state: "visible" });
    await blackout.fill("2026-12-25");
    await page.getByRole("button", { name: "Create campaign" }).click();
    await page.waitForURL(/#\/campaigns\/\d+$/);
    const hoursCampaignId = Number(page.url().match(/#\/campaigns\/(\d+)$/)[1]);
    await page.getByRole("heading", { name: names.hoursCampaign, exact: true }).waitFor();
    const hours = page.getByTestId("calling-hours");
    check((await hours.innerText()).trim() === "each number's country default hours; no calls on 2026-12-25", `the campaign's calling hours read “${await hours.innerText()}”`);
    await until("the defaults next to the mode", async () => (await page.getByTestId("calling-hours-defaults").innerText()).includes("+1: Mon–Sat 09:00–20:00"), 5_000, 100);
    log(`  campaign ${hoursCampaignId}: ${(await hours.innerText()).trim()}${await page.getByTestId("calling-hours-defaults").innerText()}`);

    // Edited: the mode and the date come back as saved; the same hours for every number instead.
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await page.getByRole("heading", { name: `Edit ${names.hoursCampaign}` }).waitFor();
    check(await page.getByLabel("Each number's country default hours", { exact: true }).isChecked(), "the edit form lost the country-defaults mode");
    check((await blackout.inputValue()) === "2026-12-25", `the edit form shows the blackout dates “${await blackout.inputValue()}”`);
    await page.getByLabel("The same hours for every number", { exact: true }).check();
    await page.getByLabel("Saturday", { exact: true }).fill("10:00-14:00");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(/#\/campaigns\/\d+$/);
    await page.getByRole("heading", { name: names.hoursCampaign, exact: true }).waitFor();
    const weekly = (await hours.innerText()).trim();
    check(weekly === "the same hours for every number: Mon–Fri 09:00–20:00 · Sat 10:00–14:00; no calls on 2026-12-25", `after the edit the calling hours read “${weekly}”`);
    log(`  edited: ${weekly}`);
  });

  await step(on, "a viewer reads but cannot change", async () => {
    const viewer = { email: `viewer-${STAMP}@browser-test.herald.test`, password: `viewer-${STAMP}-${Math.random().toString(36).slice(2)}` };
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
    await page.getByRole("heading", { name: "New user" }).waitFor();
    await page.getByLabel("Email", { exact: true }).fill(viewer.email);
    await page.getByLabel("Password", { exact: true }).fill(viewer.password);
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Create user" }).click();
    await page.getByTestId("users").getByRole("rowheader", { name: viewer.email }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Herald" }).waitFor();
    await page.getByLabel("Email", { exact: true }).fill(viewer.email);
    await page.getByLabel("Password", { exact: true }).fill(viewer.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Live dashboard" }).waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    check((await nav.getByRole("link", { name: "Users" }).count()) === 0, "a viewer is offered the Users page");
    await page.goto(`${BASE}/#/campaigns/${campaignId}`);
    await page.getByRole("heading", { name: names.campaign }).waitFor();
    await page.getByTestId("attempts").waitFor();
    check((await page.locator("[data-action]").count()) === 0, "a viewer is offered campaign actions");
    check((await page.getByLabel("Contacts file (CSV)", { exact: true }).count()) === 0, "a viewer is offered the contacts upload");
    await nav.getByRole("link", { name: "Trunks" }).click();
    await page.getByTestId("trunks").waitFor();
    check((await page.getByRole("heading", { name: "Add a trunk" }).count()) === 0, "a viewer is offered the trunk form");
    check((await page.getByRole("button", { name: /^Delete/ }).count()) === 0, "a viewer is offered trunk deletion");
    await nav.getByRole("link", { name: "Scripts" }).click();
    await page.getByTestId("scripts").getByRole("link", { name: names.script }).click();
    await page.getByRole("heading", { name: names.script }).waitFor();
    check((await page.getByRole("button", { name: /^(Save script|Delete script)$/ }).count()) === 0, "a viewer is offered to change a script");
    check(await page.locator('[data-path="body.steps[0]"]').getByLabel("Text", { exact: true }).isDisabled(), "a viewer may edit a script's text");
  });

  check(!pageErrors.length, `uncaught errors in the page: ${pageErrors.join(" | ")}`);
  closeReceiver();
  log("all steps passed");
  console.log("browser-test: 1 passed, 0 failed");
} catch (error) {
  console.error(`browser-test: FAILED: ${error.message}`);
  if (pageErrors.length) console.error(`browser-test: uncaught errors in the page: ${pageErrors.join(" | ")}`);
  if (latencyReport === null) console.log(JSON.stringify({ browser_sse_latency_ms: null }));
  console.log("browser-test: 0 passed, 1 failed");
  await browser.close();
  process.exit(1);
}
await browser.close();
