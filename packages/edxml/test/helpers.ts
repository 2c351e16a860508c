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
