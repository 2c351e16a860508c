import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Bus } from "@edoc/bus";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browsers, CHROMIUM, DESKTOP, logInAs, PHONE } from "../support/chromium.js";
import { amqpUrl, waitUntil } from "../support/env.js";
import {
  type Agent,
  api,
  type ConsoleUser,
  consoleUser,
  repoRoot,
  TestHub,
} from "../support/hub.js";
import { letterXml, sign, statusPacket } from "../support/letters.js";

// The operators' console end to end: a whole hub as real processes (console included), real
// RabbitMQ and FerretDB, and Debian's Chromium driven by playwright-core (no browser download).
// Chromium missing is a failure, not a skip: infra/chromium.sh (run by bootstrap) installs it.
const SHOTS = join(repoRoot, "test-output", "console");

const SENDER = "000.20.30.H45"; // UBND Phường 1, TP Tuy Hòa
const DISTRICT = "000.00.30.H45"; // UBND TP Tuy Hòa
const DEPT = "000.00.02.H45"; // Sở Nội vụ
const OPERATOR = consoleUser("vanhanh", "operator");
const AUDITOR = consoleUser("kiemtoan", "auditor");

const hub = new TestHub({
  agencies: [SENDER, DISTRICT, DEPT],
  console: { users: [OPERATOR, AUDITOR] },
  // Everything not fetched or acknowledged counts as stuck at once, so the list has content.
  env: { EDOC_STUCK_NOT_FETCHED_MINUTES: "0", EDOC_STUCK_NOT_ACKNOWLEDGED_MINUTES: "0" },
});
const A = (id: string): Agent => hub.agent(id);
let bus: Bus;
const browsers = new Browsers();

const letter = { documentId: "", hubDocumentId: "" };
const dead = { first: `console-e2e-${randomBytes(4).toString("hex")}-1`, second: "" };
dead.second = dead.first.replace(/-1$/, "-2");

/** The page's full width in CSS pixels (wider than the viewport = sideways scrolling). */
async function pageWidth(page: Page): Promise<number> {
  return Number(await page.evaluate("document.documentElement.scrollWidth"));
}

/** A locator's text (its DOM textContent). */
async function text(l: Locator): Promise<string> {
  return (await l.textContent()) ?? "";
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

async function logIn(page: Page, user: ConsoleUser): Promise<void> {
  await logInAs(page, hub.consoleUrl, user);
}

interface DeadItem {
  id: string;
  messageId: string;
  redrivenAt?: string;
  redriveReceiptId?: string;
}
async function deadLetters(state: "open" | "redriven" | "all"): Promise<DeadItem[]> {
  const r = (await bus.call("archive.rpc", "console.deadLetters", { state, limit: 1000 })) as {
    items: DeadItem[];
  };
  return r.items;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await hub.start();
  bus = await Bus.connect({ url: amqpUrl, prefix: hub.prefix });
}, 180_000);

afterAll(async () => {
  await browsers.closeAll();
  await bus?.close();
  await hub.stop();
});

describe("operators' console in Chromium", () => {
  it("has Debian's Chromium to drive (a missing browser fails here, it is never skipped)", () => {
    expect(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: run bash infra/chromium.sh (infra/bootstrap.sh does)`,
    ).toBe(true);
  });

  it("a letter goes through the gateway and two malformed messages are dead-lettered", async () => {
    const { xml, documentId } = letterXml(SENDER, [DISTRICT, DEPT], {
      subject: "V/v báo cáo tình hình tiếp nhận văn bản điện tử quý III",
    });
    const sent = await api(hub, A(SENDER), "POST", "/documents", sign(A(SENDER), xml));
    expect(sent.status).toBe(202);
    letter.documentId = documentId;
    letter.hubDocumentId = (sent.json() as { hubDocumentId: string }).hubDocumentId;
    // Sở Nội vụ fetches, acknowledges and reports 01 then 03; the district leaves it waiting.
    const item = await waitUntil("the department's delivery", async () => {
      const r = await api(hub, A(DEPT), "GET", "/inbox?state=all");
      const items = (r.json() as { items: { deliveryId: string; hubDocumentId: string }[] }).items;
      return items.find((x) => x.hubDocumentId === letter.hubDocumentId);
    });
    expect((await api(hub, A(DEPT), "GET", `/inbox/${item.deliveryId}/edxml`)).status).toBe(200);
    const ack = await api(
      hub,
      A(DEPT),
      "POST",
      `/inbox/${item.deliveryId}/ack`,
      '{"result":"done"}',
      "application/json",
    );
    expect(ack.status).toBe(200);
    for (const code of ["01", "03"]) {
      const r = await api(
        hub,
        A(DEPT),
        "POST",
        "/statuses",
        statusPacket(A(DEPT), SENDER, documentId, code),
      );
      expect(r.status).toBe(202);
    }
    // Malformed RouteRequests: the router refuses them for good and they go to the dead queue.
    for (const id of [dead.first, dead.second]) {
      const body = { hubDocumentId: `doc_${id}`, kind: "letter", note: "thiếu trường bắt buộc" };
      await bus.publish("router.inbound", Buffer.from(JSON.stringify(body)), { messageId: id });
    }
    await waitUntil("both dead letters in the archive", async () => {
      const ids = (await deadLetters("open")).map((d) => d.id);
      return ids.includes(dead.first) && ids.includes(dead.second) ? true : undefined;
    });
  });

  it("an operator logs in, finds the letter by DocumentId and reads its timeline", {
    timeout: 90_000,
  }, async () => {
    const page = await browsers.open(DESKTOP);
    await page.goto(`${hub.consoleUrl}/letters`);
    await shot(page, "desktop-login");
    await logIn(page, OPERATOR);
    await page.fill("#documentId", letter.documentId);
    await Promise.all([
      page.waitForURL(/documentId=/),
      page.click("form.search button[type=submit]"),
    ]);
    const link = page.locator("a.doc", { hasText: letter.documentId });
    await expect(link.count()).resolves.toBe(1);
    await expect(page.locator("table.results tbody tr").count()).resolves.toBe(1);
    const row = await text(page.locator("table.results tbody tr"));
    expect(row).toContain("Sở Nội vụ");
    expect(row).toContain("03 Đã tiếp nhận");
    expect(row).toContain("Chờ cơ quan nhận tải về"); // the district
    await shot(page, "desktop-search");

    await Promise.all([page.waitForURL(/\/letters\/doc_/), link.click()]);
    await expect(page.locator("#document-id").textContent()).resolves.toBe(letter.documentId);
    const sections = page.locator("section.recipient");
    await expect(sections.count()).resolves.toBe(2);
    const dept = await text(sections.filter({ hasText: DEPT }));
    for (const step of [
      "Trục tiếp nhận",
      "Đã định tuyến",
      "Sẵn sàng trong hộp thư",
      "Cơ quan nhận đã tải về",
      "Cơ quan nhận xác nhận",
      "Trạng thái xử lý: 01 Đã đến",
      "Trạng thái xử lý: 03 Đã tiếp nhận",
    ])
      expect(dept).toContain(step);
    const steps = await text(sections.filter({ hasText: DEPT }).locator("ol.timeline"));
    expect(steps.indexOf("01 Đã đến")).toBeLessThan(steps.indexOf("03 Đã tiếp nhận"));
    // Every step of the department's timeline names its receipt.
    const receipts = await sections
      .filter({ hasText: DEPT })
      .locator("li.done .rid code")
      .allTextContents();
    expect(receipts.length).toBe(7);
    for (const id of receipts) expect(id).toMatch(/^rcp_\d+_[0-9a-f]+$/);
    expect(new Set(receipts).size).toBe(7);
    const district = await text(sections.filter({ hasText: DISTRICT }));
    expect(district).toContain("Chờ cơ quan nhận tải về");
    expect(await sections.filter({ hasText: DISTRICT }).locator("li.todo").count()).toBe(2);
    await shot(page, "desktop-timeline", true);

    await page.goto(`${hub.consoleUrl}/stuck`);
    // The district's delivery of the letter (the sender has not fetched the statuses either).
    const stuck = page
      .locator("table.stuck tbody tr", { hasText: letter.documentId })
      .filter({ hasText: "Văn bản mới" })
      .filter({ hasText: DISTRICT });
    await expect(stuck.count()).resolves.toBe(1);
    expect(await text(stuck)).toContain("Chưa tải về");
    const statuses = page.locator("table.stuck tbody tr", { hasText: "Gói tin trạng thái" });
    await expect(statuses.count()).resolves.toBe(2);
    await shot(page, "desktop-stuck");
  });

  it("an operator re-drives a dead letter: marked, attested, and back in its origin queue", async () => {
    const page = await browsers.open(DESKTOP);
    await logIn(page, OPERATOR);
    await page.goto(`${hub.consoleUrl}/dead-letters`);
    const row = page.locator(`tr[data-dead-id="${dead.first}"]`);
    await expect(row.count()).resolves.toBe(1);
    expect(await text(row)).toContain("ROUTE_INVALID");
    await shot(page, "desktop-dead-letters");
    await Promise.all([
      page.waitForURL(/\/dead-letters\?state=open/),
      row.locator("button.redrive").click(),
    ]);
    const flash = await text(page.locator(".flash.ok"));
    expect(flash).toContain(`Đã gửi lại tin ${dead.first}`);
    await expect(page.locator(`tr[data-dead-id="${dead.first}"]`).count()).resolves.toBe(0);

    const marked = (await deadLetters("redriven")).find((d) => d.id === dead.first);
    expect(marked?.redrivenAt).toBeTruthy();
    expect(flash).toContain(marked?.redriveReceiptId ?? "?");
    // The router got it again, refused it again: a new dead letter for the same message.
    await waitUntil("the re-driven message dead-lettered again", async () =>
      (await deadLetters("open")).find((d) => d.id.startsWith(`${dead.first}@`)),
    );
    await page.goto(`${hub.consoleUrl}/dead-letters?state=redriven`);
    const done = await text(page.locator(`tr[data-dead-id="${dead.first}"]`));
    expect(done).toContain("Đã gửi lại");
    expect(done).toContain(OPERATOR.username);
    await shot(page, "desktop-redriven");
    // Re-driving twice changes nothing: the archive answers with the first receipt.
    const again = (await bus.call("archive.rpc", "console.redrive", {
      deadLetterId: dead.first,
      by: OPERATOR.username,
    })) as { outcome: string; receiptId: string };
    expect(again).toMatchObject({
      outcome: "already-redriven",
      receiptId: marked?.redriveReceiptId,
    });

    await page.goto(`${hub.consoleUrl}/system`);
    const queues = await text(page.locator("table.queues"));
    for (const q of ["router.inbound", "archive.plans", "archive.rpc", "dead"])
      expect(queues).toContain(q);
    for (const s of ["gateway", "archive", "router", "console"]) {
      const cell = page.locator(`tr[data-service="${s}"] .badge`);
      await expect(cell.textContent()).resolves.toBe("Hoạt động");
    }
    await shot(page, "desktop-system");
  });

  it("works at phone size: search, timeline and dead letters stack into cards", async () => {
    const page = await browsers.open(PHONE);
    await logIn(page, OPERATOR);
    await page.goto(
      `${hub.consoleUrl}/letters?documentId=${encodeURIComponent(letter.documentId)}`,
    );
    // No sideways scrolling on a 390 px screen.
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, "phone-search", true);
    await page.goto(`${hub.consoleUrl}/letters/${letter.hubDocumentId}`);
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, "phone-timeline", true);
    await page.goto(`${hub.consoleUrl}/dead-letters`);
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, "phone-dead-letters");
  });

  it("an auditor verifies the stored letter and downloads its evidence bundle from the timeline", async () => {
    const page = await browsers.open(DESKTOP);
    await logIn(page, AUDITOR);
    await page.goto(`${hub.consoleUrl}/letters/${letter.hubDocumentId}`);
    const verifyHref = await page.locator("#verify-link").getAttribute("href");
    const verification = await page.request.get(`${hub.consoleUrl}${verifyHref}`);
    expect(verification.status()).toBe(200);
    const report = (await verification.json()) as {
      valid: boolean;
      hubDocumentId: string;
      checks: { name: string; ok: boolean }[];
    };
    expect(report.hubDocumentId).toBe(letter.hubDocumentId);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(["letter-signature", "receipt-chain", "chain-head-signature"]),
    );
    const zipHref = await page.locator("#evidence-link").getAttribute("href");
    const zip = await page.request.get(`${hub.consoleUrl}${zipHref}`);
    expect(zip.status()).toBe(200);
    expect(zip.headers()["content-type"]).toBe("application/zip");
    expect((await zip.body()).subarray(0, 2).toString("latin1")).toBe("PK");
    // Without a session there is nothing to download.
    const anonymous = await (await browsers.open(DESKTOP)).request.get(
      `${hub.consoleUrl}${zipHref}`,
      {
        maxRedirects: 0,
      },
    );
    expect(anonymous.status()).toBe(303);
  });

  it("an auditor reads everything but cannot re-drive: no button, and a forged POST gets 403", async () => {
    const page = await browsers.open(DESKTOP);
    await logIn(page, AUDITOR);
    await page.goto(`${hub.consoleUrl}/dead-letters`);
    const row = page.locator(`tr[data-dead-id="${dead.second}"]`);
    await expect(row.count()).resolves.toBe(1);
    await expect(page.locator("button.redrive").count()).resolves.toBe(0);
    expect(await text(row)).toContain("Chỉ cán bộ vận hành được gửi lại");
    await shot(page, "auditor-dead-letters");
    // The auditor's own valid CSRF token (from the logout form) in a hand-made re-drive form,
    // written into the console's page, so the browser posts it same-origin with the session.
    const token = await page.locator('input[name="_csrf"]').first().inputValue();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.setContent(
      `<form method="post" action="/dead-letters/redrive"><input name="_csrf" value="${token}"><input name="id" value="${dead.second}"><button id="forged">Gửi lại</button></form>`,
    );
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/dead-letters/redrive")),
      page.click("#forged"),
    ]);
    expect(refused.status()).toBe(403);
    await page.waitForLoadState();
    await expect(page.locator("h1").textContent()).resolves.toBe("Không có quyền");
    await shot(page, "auditor-refused");
    expect((await deadLetters("open")).map((d) => d.id)).toContain(dead.second);
  });
});
