// Open a kg graph.html offline, wait until it is drawn and still, then exercise it: tooltips, the
// type filter and the search box. Saves screenshots and prints what happened as JSON
// (tests/test_html.py asserts on it).
// usage: node check_html.mjs GRAPH.html SHOT.png '{"query": "...", "hoverNode": ID, "hoverEdge": [ID, ID], "hideType": TYPE}'
import { openOffline, paintedPixels } from "./browser.mjs";

const [html, shot, optionsJson] = process.argv.slice(2);
const opts = JSON.parse(optionsJson || "{}");
const { page, url, log, close } = await openOffline(html);
const out = { url };

// page coordinates of a point given in the network's canvas coordinates
const toPage = (page, pt) => page.evaluate((p) => {
  const d = window.kgView.network.canvasToDOM(p), box = document.getElementById("graph").getBoundingClientRect();
  return { x: box.left + d.x, y: box.top + d.y };
}, pt);
const nodeAt = (page, id) => page.evaluate((id) => {
  const net = window.kgView.network, i = window.kgView.indexOf(id);
  return net.getPositions([i])[i];
}, id);
async function tooltipAt(page, pt) {
  await page.mouse.move(pt.x, pt.y, { steps: 4 });
  await page.waitForSelector("div.vis-tooltip", { state: "visible", timeout: 5000 }).catch(() => {});
  const text = await page.evaluate(() => {
    const t = document.querySelector("div.vis-tooltip");
    return t && getComputedStyle(t).visibility === "visible" ? t.innerText : null;
  });
  await page.mouse.move(2, 2);
  await page.waitForTimeout(200);
  return text;
}

try {
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.kgState === "ready", null, { timeout: 60000 });
  out.readyMs = await page.evaluate(() => window.kgView.readyMs);
  out.painted = await paintedPixels(page);
  out.drawnNodes = await page.evaluate(() => {
    const net = window.kgView.network, box = document.getElementById("graph").getBoundingClientRect();
    return Object.values(net.getPositions()).filter((p) => {  // canvas coordinates -> inside the canvas box
      const d = net.canvasToDOM(p);
      return d.x >= 0 && d.y >= 0 && d.x <= box.width && d.y <= box.height;
    }).length;
  });
  out.physicsEnabled = await page.evaluate(() => window.kgView.network.physics.physicsEnabled);
  await page.screenshot({ path: shot });

  if (opts.hoverNode) out.nodeTooltip = await tooltipAt(page, await toPage(page, await nodeAt(page, opts.hoverNode)));
  if (opts.hoverEdge) {
    const [a, b] = [await nodeAt(page, opts.hoverEdge[0]), await nodeAt(page, opts.hoverEdge[1])];
    // a third of the way along, clear of the edge label in the middle
    out.edgeTooltip = await tooltipAt(page, await toPage(page, { x: a.x + (b.x - a.x) / 3, y: a.y + (b.y - a.y) / 3 }));
  }
  if (opts.hideType) {
    out.visibleBefore = await page.evaluate(() => window.kgView.visibleNodes());
    await page.click(`#types input[data-type="${opts.hideType}"]`);
    out.visibleAfterHide = await page.evaluate(() => window.kgView.visibleNodes());
    await page.click(`#types input[data-type="${opts.hideType}"]`);
  }
  if (opts.query) {
    await page.fill("#search", opts.query);
    out.results = await page.$$eval("#results li", (lis) => lis.map((li) => li.textContent));
    await page.press("#search", "Enter");
    await page.waitForTimeout(700);
    out.selected = await page.evaluate(() => window.kgView.selectedIds());
    out.details = await page.evaluate(() => document.getElementById("details").classList.contains("open")
      ? document.getElementById("details-body").innerText : null);
    await page.screenshot({ path: shot.replace(/\.png$/, "-search.png") });
  }
  out.imgElements = await page.evaluate(() => document.querySelectorAll("img").length);
  out.scriptElements = await page.evaluate(() => document.querySelectorAll("script").length);
} catch (e) {
  out.failure = String(e);
} finally {
  Object.assign(out, log);
  await close();
}
console.log(JSON.stringify(out));
