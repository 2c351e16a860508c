import type { Document } from "@xmldom/xmldom";
import { checkDeclaredZips } from "./attachment.js";
import { EdxmlError } from "./errors.js";
import { type Envelope, readLetter } from "./letter.js";
import { type Limits, resolveLimits } from "./limits.js";
import { type At, childElements, Reader } from "./reader.js";
import { readStatus } from "./status.js";
import type { Letter, Packet, StatusPacket } from "./types.js";
import { parseXml } from "./xml.js";

type Input = string | Uint8Array | Document;

/**
 * Texts cut out of the document: placeholder → the decoded base64 size (undefined if invalid)
 * and the text's bytes as received, read on demand (the zip check of `application/zip`).
 */
export type DetachedSizes = ReadonlyMap<
  string,
  { readonly decodedSize: number | undefined; readonly read: () => Iterable<Uint8Array> }
>;

export interface ParseOptions {
  /**
   * Placeholders standing for long base64 texts kept outside the document: allowed only as the
   * whole content of an attachment's ContentTransferEncoded, each exactly once.
   */
  readonly detached?: DetachedSizes;
}

/** Parses a letter or a status packet, told apart by MessageHeader/StatusCode. */
export function parsePacket(
  input: Input,
  limits?: Partial<Limits>,
  options?: ParseOptions,
): Packet {
  return parseAs(undefined, input, limits, options);
}

export function parseLetter(input: Input, limits?: Partial<Limits>): Letter {
  return parseAs("letter", input, limits);
}

export function parseStatus(input: Input, limits?: Partial<Limits>): StatusPacket {
  return parseAs("status", input, limits);
}

function parseAs(expected: "letter", input: Input, limits?: Partial<Limits>): Letter;
function parseAs(expected: "status", input: Input, limits?: Partial<Limits>): StatusPacket;
function parseAs(
  expected: undefined,
  input: Input,
  limits?: Partial<Limits>,
  options?: ParseOptions,
): Packet;
function parseAs(
  expected: Packet["kind"] | undefined,
  input: Input,
  limits?: Partial<Limits>,
  options?: ParseOptions,
): Packet {
  const resolved = resolveLimits(limits);
  const doc =
    typeof input === "string" || input instanceof Uint8Array ? parseXml(input, resolved) : input;
  const r = new Reader();
  const env = locateEnvelope(r, doc);
  const kind = r.one(env.messageHeader, "StatusCode") ? "status" : "letter";
  if (expected && kind !== expected) {
    throw EdxmlError.invalid([
      {
        path: env.messageHeader.path,
        rule: "packet-kind",
        message: `this is a ${kind} packet, expected a ${expected}`,
      },
    ]);
  }
  const detached = options?.detached ?? new Map();
  const used = new Set<string>();
  const packet =
    kind === "status" ? readStatus(r, env) : readLetter(r, env, resolved, { detached, used });
  if (used.size !== detached.size) {
    r.issue(
      "",
      "detached-text",
      "a long base64 text stands outside an attachment's ContentTransferEncoded",
    );
  }
  if (r.issues.length > 0 || !packet) throw EdxmlError.invalid(r.issues);
  if (packet.kind === "letter") checkDeclaredZips(packet.attachments, packet.manifest, detached);
  return packet;
}

/** edXML/edXMLEnvelope/edXMLHeader/MessageHeader must exist, whatever prefix or namespace. */
function locateEnvelope(r: Reader, doc: Document): Envelope {
  const rootEl = doc.documentElement;
  if (rootEl?.localName !== "edXML") {
    throw new EdxmlError(
      "EDXML_NOT_EDXML",
      `root element is <${rootEl?.nodeName ?? "none"}>, expected edXML (QCVN 102:2016)`,
    );
  }
  const root: At = { el: rootEl, path: "" };
  const envelope = required(r, root, "edXMLEnvelope");
  const header = required(r, envelope, "edXMLHeader");
  const messageHeader = required(r, header, "MessageHeader");
  const hasSignature = childElements(header.el).some((e) => e.localName === "Signature");
  return { root, envelope, header, messageHeader, hasSignature };
}

function required(r: Reader, parent: At, name: string): At {
  const at = r.one(parent, name);
  if (!at) {
    const where = parent.path === "" ? "edXML" : `edXML/${parent.path}`;
    throw new EdxmlError("EDXML_NOT_EDXML", `${where} has no ${name}: not an edXML packet`);
  }
  return at;
}
