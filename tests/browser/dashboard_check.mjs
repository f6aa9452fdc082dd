// Opens freshet's dashboard in Debian's headless chromium, waits for its plots,
// runs a search through the page's form, takes a screenshot, and prints what
// it saw as one JSON line. Usage: node dashboard_check.mjs URL SCREENSHOT QUERY
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, screenshot, query] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "freshet-chromium-"));
// A fresh profile (--user-data-dir) per run, given as the persistent context's folder.
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
});
const out = { requests: [], console_errors: [] };
try {
  const page = await browser.newPage();
  page.on("request", (r) => out.requests.push(r.url()));
  page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
  page.on("pageerror", (e) => out.console_errors.push(String(e)));
  await page.goto(url, { waitUntil: "load", timeout: 20000 });
  await page.waitForSelector("body[data-refreshed]", { timeout: 20000 });
  // Plots: each SVG's drawn series (paths or bars) and the points it plotted.
  out.plots = await page.$$eval("svg.plot", (svgs) => svgs.map((s) => ({
    id: s.id,
    points: Number(s.getAttribute("data-points") || 0),
    marks: s.querySelectorAll(".datum").length,
  })));
  out.generation_version = await page.getAttribute("#generation", "data-version");
  await page.fill("#q", query);
  await page.selectOption("#sort", "id");
  await page.click("#search-button");
  await page.waitForSelector("#result-count, #results .error", { timeout: 10000 });
  out.result_count = await page.textContent("#results p");
  out.hit_ids = await page.$$eval("#results tr.hit td:first-child", (tds) => tds.map((t) => t.textContent));
  await page.screenshot({ path: screenshot, fullPage: true });
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
