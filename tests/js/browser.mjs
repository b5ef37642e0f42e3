// Headless Chromium (the Debian package, not Playwright's download) with the network cut off:
// an offline context, every request other than the page itself aborted and recorded.
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = process.env.KG_CHROMIUM || "/usr/bin/chromium";

export async function openOffline(htmlPath, { width = 1400, height = 900 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "kg-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    offline: true,
    viewport: { width, height },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND"],
  });
  const url = pathToFileURL(htmlPath).href;
  const log = { requests: [], errors: [], dialogs: [] };
  await browser.route("**/*", (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    log.requests.push(u);
    return route.abort();
  });
  const page = browser.pages()[0] || (await browser.newPage());
  page.on("request", (r) => { if (r.url() !== url && !log.requests.includes(r.url())) log.requests.push(r.url()); });
  page.on("console", (m) => { if (m.type() === "error") log.errors.push(m.text()); });
  page.on("pageerror", (e) => log.errors.push(String(e)));
  page.on("dialog", (d) => { log.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  const close = async () => { await browser.close(); rmSync(profile, { recursive: true, force: true }); };
  return { browser, page, url, log, close };
}

// Pixels the graph canvas has painted (vis-network clears to transparent).
export async function paintedPixels(page) {
  return page.evaluate(() => {
    const c = document.querySelector("#graph canvas, canvas");
    if (!c) return 0;
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
}
