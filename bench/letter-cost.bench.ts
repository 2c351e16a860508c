import { createHash } from "node:crypto";
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import type { OrganId } from "@edoc/directory";
import { createDevPki, issueAgencyCertificate, issueCrl, issueHubCertificate } from "@edoc/pki";
import {
  type AcceptanceReceipt,
  acceptanceReceiptTemplate,
  acceptanceReceiptXml,
} from "@edoc/receipts";
import { createLogger, type Logger } from "@edoc/runtime";
import {
  signCanonicalRemote,
  signXmlRemote,
  type TrustPolicy,
  verifyPacket,
} from "@edoc/signature";
import { pinoHttp } from "pino-http";
import { expect, it } from "vitest";
import { verifyPacketWith } from "../packages/signature/src/packet.js";
import { logFields, requestLog } from "../services/gateway/src/request-log.js";
import { letterXml, sign } from "../tests/support/letters.js";
import { fmt, table } from "./measure.js";

// CPU per letter of the gateway's own work on a 10 KB letter (the hub benchmark's first case),
// in one process, old and new side by side in the same run:
//   old: xml-crypto's full checkSignature (it parses the text again, clones the document, finds
//        nodes by XPath), the packet parsed again from the signed bytes; the receipt built as
//        text, parsed and re-serialized by xml-crypto (signXmlRemote);
//   new: one parse, XML-DSig checked on that DOM with xml-crypto's canonicalizers, the packet read
//        from the same DOM; the receipt signed from its template (signCanonicalRemote).
//   logging: pino-http's child and two lines per submission, against one line (request-log.ts).
// Both keep every check: certificate path, CRL, binding, strict signature content. The RSA
// signature of the receipt is the signer service's (another process): a fixed value here.
//   pnpm exec vitest run --config bench/vitest.config.ts bench/letter-cost.bench.ts
// EDOC_LETTER_COST_N (default 400) letters per round, 5 rounds, old and new alternating.
const perRound = Number(process.env.EDOC_LETTER_COST_N ?? 400);
const rounds = 5;
const FROM = "000.00.00.G22";
const TO = "000.00.31.H53";

type Path = "old" | "new";

type Middleware = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

/** A request as the gateway's middleware sees it (headers of an agency's POST). */
function request(): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  req.method = "POST";
  req.url = "/api/v1/documents";
  Object.assign(req, { originalUrl: req.url });
  req.headers = {
    host: "hub.example:8443",
    "content-type": "application/xml",
    "content-length": "13977",
    "user-agent": "edoc-client/1.0",
    accept: "application/json",
    connection: "keep-alive",
  };
  const res = new ServerResponse(req);
  res.statusCode = 202;
  Object.assign(res, { locals: {} }); // as express gives every response
  return { req, res };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

it("gateway CPU per letter: parse once and template receipts vs the library's full path", async () => {
  const pki = await createDevPki();
  const agency = await issueAgencyCertificate(pki, {
    organId: FROM as OrganId,
    name: "Sở Tài chính",
  });
  const hub = await issueHubCertificate(agency.state, { name: "Trục" });
  const crl = await issueCrl(hub.state, {});
  const letter = sign(
    { certPem: agency.certificatePem, keyPem: agency.privateKeyPem },
    letterXml(FROM, [TO], { attachmentBytes: 7 * 1024 }).xml,
  );
  const policy: TrustPolicy = {
    trustAnchors: [pki.root.certificatePem],
    intermediates: [pki.issuing.certificatePem],
    crls: [crl],
    strictSignatureContent: true,
  };
  const fixedSignature = Buffer.alloc(256, 7);
  const remote = {
    certificatePem: hub.certificatePem,
    algorithm: "rsa-sha256" as const,
    sign: async () => fixedSignature,
  };

  const receiptOf = (documentId: string): AcceptanceReceipt => {
    const digest = createHash("sha256").update(letter).digest("hex");
    return {
      receiptId: `acc_${digest.slice(0, 32)}`,
      hubDocumentId: `doc_${digest.slice(0, 32)}`,
      documentId,
      from: FROM as OrganId,
      to: [TO as OrganId],
      digest,
      receivedAt: new Date().toISOString(),
    };
  };

  // One letter through the gateway's verify-and-receipt work, as submit.ts does it.
  const one = async (path: Path): Promise<string> => {
    const at = new Date();
    const { report, packet } =
      path === "new"
        ? await verifyPacket(letter, { ...policy, at })
        : await verifyPacketWith(letter, { ...policy, at }, undefined, "library");
    if (!report.valid || packet?.kind !== "letter") throw new Error("bench letter refused");
    const r = receiptOf(packet.header.documentId);
    return path === "new"
      ? signCanonicalRemote(acceptanceReceiptTemplate(r), remote)
      : signXmlRemote(acceptanceReceiptXml(r), remote);
  };

  // Same verdict, same signed bytes, same packet, same receipt.
  const a = await verifyPacket(letter, policy);
  const b = await verifyPacketWith(letter, policy, undefined, "library");
  expect(a.report.valid).toBe(true);
  expect(a.report.signedXml).toBe(b.report.signedXml);
  expect(a.packet).toEqual(b.packet);
  const fixed = receiptOf("x");
  expect(await signCanonicalRemote(acceptanceReceiptTemplate(fixed), remote)).toBe(
    await signXmlRemote(acceptanceReceiptXml(fixed), remote),
  );

  // Parts, to say where the difference is: verification alone, receipt alone.
  const verifyOnly = (path: Path) =>
    path === "new"
      ? verifyPacket(letter, policy)
      : verifyPacketWith(letter, policy, undefined, "library");
  const receiptOnly = (path: Path) =>
    path === "new"
      ? signCanonicalRemote(acceptanceReceiptTemplate(fixed), remote)
      : signXmlRemote(acceptanceReceiptXml(fixed), remote);

  // Per-request logging into a discarding stream: pino-http (a child logger binding the whole
  // request on every request, the handler's line, the completion line with request and
  // response) against one line per request (request-log.ts).
  const sink = createLogger("gateway", "info", { write: () => {} });
  // The gateway's former request logging (the agencies' API and the VDXP listener used it).
  const oldLogging = pinoHttp({
    logger: sink,
    customProps: () => ({ organId: undefined }),
  }) as unknown as Middleware;
  const newLogging = requestLog(sink) as unknown as Middleware;
  const fields = { docId: "doc_0123456789abcdef", outcome: "accepted", size: 13977 };
  const logOnly = async (path: Path) => {
    const { req, res } = request();
    if (path === "old") {
      oldLogging(req, res);
      (req as unknown as { log: Logger }).log.info(
        { ...fields, streamed: false },
        "packet accepted",
      );
    } else {
      newLogging(req, res, () => {});
      logFields(res as never, { msg: "packet accepted", ...fields, streamed: false });
    }
    res.emit("finish");
  };

  const tasks: Record<string, (p: Path) => Promise<unknown>> = {
    "verify + packet + receipt (the gateway's per-letter work)": one,
    "verification and packet alone": verifyOnly,
    "acceptance receipt alone": receiptOnly,
    "per-request logging (one submission)": logOnly,
  };
  const spent: Record<string, Record<Path, number>> = {};
  for (const [name, task] of Object.entries(tasks)) {
    for (const p of ["old", "new"] as const) for (let i = 0; i < 100; i++) await task(p); // warm
    const total = { old: 0, new: 0 };
    for (let round = 0; round < rounds; round++) {
      for (const p of round % 2 === 0 ? (["old", "new"] as const) : (["new", "old"] as const)) {
        const before = cpuMs();
        for (let i = 0; i < perRound; i++) await task(p);
        total[p] += cpuMs() - before;
      }
    }
    spent[name] = {
      old: total.old / (perRound * rounds),
      new: total.new / (perRound * rounds),
    };
  }
  table(
    `Gateway CPU per 10 KB letter (${letter.length} B signed), ${perRound * rounds} letters per figure`,
    ["work", "old ms", "new ms", "old ÷ new"],
    Object.entries(spent).map(([name, s]) => [
      name,
      fmt(s.old, 3),
      fmt(s.new, 3),
      fmt(s.old / s.new, 2),
    ]),
  );
  const whole = spent["verify + packet + receipt (the gateway's per-letter work)"]!;
  expect(whole.new).toBeLessThan(whole.old);
});
