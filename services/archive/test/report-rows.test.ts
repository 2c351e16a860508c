import { randomBytes } from "node:crypto";
import { monthBounds } from "@edoc/reports";
import { connectStore, type Store } from "@edoc/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Collections,
  collections,
  type DeliveryDoc,
  type PacketDoc,
} from "../src/collections.js";
import { readMonthRows } from "../src/report-rows.js";
import { mongoUrl } from "./harness.js";

// The monthly report's reads (src/report-rows.ts) on real FerretDB: Vietnam month boundaries,
// open and settled deliveries, letters and statuses, and the row limit.
let store: Store;
let c: Collections;

const COMMUNE = "000.20.30.H45";
const DISTRICT = "000.00.30.H45";
const { start, end } = monthBounds("2026-03"); // 2026-02-28T17:00Z … 2026-03-31T17:00Z
const before = (d: Date) => new Date(d.getTime() - 1);

function delivery(id: string, availableAt: Date, extra: Partial<DeliveryDoc> = {}): DeliveryDoc {
  return {
    _id: id,
    hubDocumentId: `doc_${id}`,
    recipient: DISTRICT,
    addressedTo: DISTRICT,
    via: [],
    kind: "letter",
    docType: "new",
    from: COMMUNE,
    documentId: `${COMMUNE},2026/03/01,1/TEST`,
    state: "available",
    availableAt: availableAt.toISOString(),
    ...extra,
  };
}

function packet(id: string, createdAt: Date, extra: Partial<PacketDoc> = {}): PacketDoc {
  return {
    _id: id,
    key: `key-${id}`,
    hubDocumentId: id,
    kind: "letter",
    docType: "new",
    from: COMMUNE,
    submittedBy: COMMUNE,
    documentId: `${COMMUNE},2026/03/01,${id}/TEST`,
    to: [DISTRICT],
    digest: "0".repeat(64),
    size: 1,
    receivedAt: createdAt.toISOString(),
    signer: {
      subject: "CN=test",
      serialNumber: "01",
      organIds: [COMMUNE],
      fingerprintSha256: "00",
    },
    routeState: "planned",
    createdAt,
    ...extra,
  };
}

beforeAll(async () => {
  store = await connectStore({
    url: mongoUrl,
    dbName: `t-report-${randomBytes(4).toString("hex")}`,
  });
  c = collections(store.db);
  await c.deliveries.open.insertMany([
    delivery("d-before", before(start)),
    delivery("d-first", start, { priority: 2 }),
    delivery("d-last", before(end)),
    delivery("d-after", end),
    delivery("d-status", start, { kind: "status", docType: "status", statusCode: "01" }),
    // Settled, but its open row was not deleted yet (an interrupted acknowledgement).
    delivery("d-both", start),
  ]);
  await c.deliveries.settled.insertMany([
    delivery("d-both", start, { state: "acknowledged", acknowledgedAt: end.toISOString() }),
    delivery("d-withdrawn", start, { state: "withdrawn", withdrawnAt: start.toISOString() }),
    // A peer hub refused it for good: its letter's return, not a receipt (not counted here).
    delivery("d-peer-returned", start, {
      state: "failed",
      hub: "upstream",
      ackResult: "fail",
      acknowledgedAt: start.toISOString(),
    }),
  ]);
  await store.db.collection<PacketDoc>("packets").insertMany([
    packet("p-before", before(start)),
    packet("p-letter", start, {
      returned: [
        { addressedTo: "000.00.99.H45", reason: "RECIPIENT_INACTIVE", message: "closed" },
        { addressedTo: "000.00.00.G22", reason: "RECIPIENT_UNKNOWN", message: "far", hub: "up" },
      ],
    }),
    packet("p-status", before(end), {
      kind: "status",
      docType: "status",
      from: DISTRICT,
      status: {
        code: "02",
        responseForOrganId: COMMUNE,
        responseForDocumentId: `${COMMUNE},2026/03/01,p-letter/TEST`,
      },
      originalSender: COMMUNE,
    }),
    packet("p-after", end),
  ]);
});

afterAll(async () => {
  await store?.db.dropDatabase();
  await store?.close();
});

describe("readMonthRows", () => {
  it("reads the Vietnam month's letters, statuses and letter deliveries, each delivery once", async () => {
    const { rows, truncated } = await readMonthRows(c, start, end);
    expect(truncated).toBe(false);
    // The router's return and a peer hub's.
    expect(rows.letters).toEqual([{ from: COMMUNE, returnedByHub: 2 }]);
    expect(rows.statuses).toEqual([{ from: DISTRICT, code: "02", originalSender: COMMUNE }]);
    const byTime = [...rows.deliveries].sort(
      (a, b) => a.availableAt.getTime() - b.availableAt.getTime() || a.priority - b.priority,
    );
    expect(byTime).toHaveLength(4); // first, both (once), withdrawn, last; not the peer's return
    expect(byTime.filter((d) => d.acknowledgedAt?.getTime() === end.getTime())).toHaveLength(1);
    expect(byTime.filter((d) => d.withdrawn)).toHaveLength(1);
    expect(byTime.filter((d) => d.priority === 2)).toHaveLength(1);
    expect(byTime.at(-1)?.availableAt).toEqual(before(end));
    expect(byTime[0]?.availableAt).toEqual(start);
  });

  it("says so when a collection holds more of the month than it reads", async () => {
    const { rows, truncated } = await readMonthRows(c, start, end, 2);
    expect(truncated).toBe(true);
    expect(rows.deliveries.length).toBeLessThanOrEqual(4); // at most 2 from each collection
  });
});
