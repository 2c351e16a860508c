import { crc32 } from "node:zlib";
import { EdxmlError, type EdxmlErrorCode } from "@edoc/edxml";
import { expect } from "vitest";
import { readFixture } from "../../../tests/fixtures/paths.js";

/** Raw bytes of a real-world sample, e.g. `sample("vpcp-sdk/status.edxml")`. */
export function sample(name: string): Buffer {
  return readFixture(`samples/${name}`);
}

/** Runs `fn`, asserts it throws an EdxmlError with `code`, returns the error. */
export function edxmlError(fn: () => unknown, code: EdxmlErrorCode): EdxmlError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(EdxmlError);
  const err = caught as EdxmlError;
  expect(err.code, err.message).toBe(code);
  return err;
}

export const NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

/** A minimal valid letter with the given MessageHeader children replaced or added. */
export function letterXml(
  opts: { header?: string; trace?: string; body?: string; attachments?: string } = {},
): string {
  const header =
    opts.header ??
    `<From><OrganId>000.00.00.G22</OrganId></From>
     <To><OrganId>000.00.00.H41</OrganId></To>
     <DocumentId>000.00.00.G22,2024/01/02,12/VPCP-TTĐT</DocumentId>
     <Code><CodeNumber>12</CodeNumber><CodeNotation>VPCP-TTĐT</CodeNotation></Code>
     <PromulgationInfo><PromulgationDate>2024/01/02</PromulgationDate></PromulgationInfo>
     <Subject>Thử nghiệm</Subject>`;
  const trace = opts.trace ?? "<Bussiness><BussinessDocType>0</BussinessDocType></Bussiness>";
  return `<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="${NS}"><edXMLEnvelope><edXMLHeader><MessageHeader>${header}</MessageHeader>
<TraceHeaderList>${trace}</TraceHeaderList></edXMLHeader>
<edXMLBody><edXMLManifest>${opts.body ?? ""}</edXMLManifest></edXMLBody></edXMLEnvelope>
<AttachmentEncoded>${opts.attachments ?? ""}</AttachmentEncoded></edXML>`;
}

/** A real zip archive of stored (uncompressed) entries, with an optional archive comment. */
export function zipOf(entries: [name: string, content: Buffer][], comment = ""): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const n = Buffer.from(name, "utf8");
    const crc = crc32(content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(content.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(content.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, content);
    centrals.push(central, n);
    offset += 30 + n.length + content.length;
  }
  const cd = Buffer.concat(centrals);
  const c = Buffer.from(comment, "latin1");
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  eocd.writeUInt16LE(c.length, 20);
  return Buffer.concat([...locals, cd, eocd, c]);
}
