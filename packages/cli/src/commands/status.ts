import { writeFileSync } from "node:fs";
import { parseOrganId } from "@edoc/directory";
import {
  buildStatus,
  EdxmlError,
  parsePacket,
  type ResponseFor,
  responseForLetter,
  type StaffInfo,
  type StatusCode,
} from "@edoc/edxml";
import type { SentDocument } from "@edoc/messages";
import { signEdxml } from "@edoc/signature";
import { edxmlTimestamp } from "@edoc/vntime";
import {
  call,
  IDENTITY_HELP,
  type Identity,
  identityOptions,
  json,
  print,
  resolveIdentity,
} from "../client/http.js";
import { CliError, type Command, parseCommandArgs, required, UsageError } from "../command.js";
import { readBytes } from "../files.js";

// `edoc status`: builds, signs and sends (or writes) a status packet (gói tin trạng thái) about
// a letter. ResponseFor carries the letter's Code and PromulgationDate, read from the letter
// itself: the bytes this agency received (fetched from its inbox), or a file (--letter).

/** The letter in `bytes` (a received or own .edxml), as ResponseFor. */
function answering(bytes: Uint8Array, what: string): ResponseFor {
  let packet: ReturnType<typeof parsePacket>;
  try {
    packet = parsePacket(bytes);
  } catch (err) {
    if (err instanceof EdxmlError)
      throw new CliError(`${what} is not a readable letter: ${err.message}`);
    throw err;
  }
  if (packet.kind !== "letter") throw new CliError(`${what} is a status packet, not a letter`);
  return responseForLetter(packet);
}

interface InboxRow {
  deliveryId: string;
  hubDocumentId: string;
  kind: string;
}

/**
 * The letter a status answers, by hub document id: one this agency received (its bytes come
 * from the inbox), else one it sent (its Code and PromulgationDate come from the sender's
 * listing, which keeps them for every letter accepted since the hub stored the date).
 */
async function lookUp(id: Identity, me: string, hubDocumentId: string): Promise<ResponseFor> {
  const inbox = json(await call(id, "GET", "/inbox?state=all")) as { items: InboxRow[] };
  const got = inbox.items.find((i) => i.hubDocumentId === hubDocumentId && i.kind === "letter");
  if (got) {
    const res = await call(id, "GET", `/inbox/${encodeURIComponent(got.deliveryId)}/edxml`);
    if (res.status >= 400) json(res);
    return answering(res.body, `delivery ${got.deliveryId}`);
  }
  const sent = json(await call(id, "GET", "/documents?limit=500")) as {
    documents: SentDocument[];
  };
  const mine = sent.documents.find((d) => d.hubDocumentId === hubDocumentId);
  if (!mine) {
    throw new CliError(`no letter ${hubDocumentId} in this agency's inbox or sent documents`, 1);
  }
  if (mine.code === undefined || mine.promulgationDate === undefined) {
    process.stderr.write(
      "edoc status: the hub's listing lacks this letter's Code or PromulgationDate (accepted before it kept them): give --letter FILE to include them\n",
    );
  }
  return {
    organId: parseOrganId(me, "--as"),
    ...(mine.code !== undefined ? { code: mine.code } : {}),
    ...(mine.promulgationDate !== undefined ? { promulgationDate: mine.promulgationDate } : {}),
    documentId: mine.documentId,
  };
}

/** The builder refuses what the hub would (a code outside 01–16, characters XML cannot carry). */
function built(build: () => string): string {
  try {
    return build();
  } catch (err) {
    if (err instanceof EdxmlError) throw new CliError(err.message);
    throw err;
  }
}

function staffOf(v: Record<string, unknown>): StaffInfo | undefined {
  const str = (k: string) =>
    typeof v[k] === "string" && v[k] !== "" ? (v[k] as string) : undefined;
  const staff: StaffInfo = {};
  const fields: [keyof StaffInfo, string][] = [
    ["department", "department"],
    ["staff", "staff"],
    ["mobile", "staff-mobile"],
    ["email", "staff-email"],
  ];
  for (const [field, option] of fields) {
    const value = str(option);
    if (value !== undefined) staff[field] = value;
  }
  return Object.keys(staff).length > 0 ? staff : undefined;
}

export const statusCommand: Command = {
  name: "status",
  usage:
    "status --as ORGANID (--document HUB_DOCUMENT_ID | --letter FILE) --code NN [--description T] [--staff NAME] [--department D] [--staff-email E] [--staff-mobile M] [-o FILE]   report 01…16",
  help: `ResponseFor (OrganId, Code, PromulgationDate, DocumentId) is read from the letter itself:
--document takes the bytes this agency received (from its inbox), --letter a file. For a letter
this agency sent (13), --document reads them from the hub's listing of sent documents. The staff
options fill StaffInfo. Timestamp is Vietnam time (UTC+07:00). -o FILE writes the signed packet
instead of sending it (submit it later with edoc send).
${IDENTITY_HELP}`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      options: {
        ...identityOptions,
        document: { type: "string" },
        letter: { type: "string" },
        code: { type: "string" },
        description: { type: "string" },
        staff: { type: "string" },
        department: { type: "string" },
        "staff-email": { type: "string" },
        "staff-mobile": { type: "string" },
        output: { type: "string", short: "o" },
      },
    });
    const as = required(values.as, "--as ORGANID (the reporting agency)");
    const code = required(values.code, "--code NN");
    if ((values.document === undefined) === (values.letter === undefined)) {
      throw new UsageError("give one of --document HUB_DOCUMENT_ID or --letter FILE");
    }
    const id = resolveIdentity(values);
    const me = parseOrganId(as, "--as");
    const responseFor =
      typeof values.letter === "string"
        ? answering(readBytes(values.letter), values.letter)
        : await lookUp(id, me, values.document ?? "");
    const staffInfo = staffOf(values);
    const xml = built(() =>
      buildStatus({
        from: { organId: me },
        responseFor,
        ...(staffInfo ? { staffInfo } : {}),
        statusCode: code.padStart(2, "0") as StatusCode,
        ...(typeof values.description === "string" ? { description: values.description } : {}),
        // No zone on the wire: Vietnam time, as every agency system reads it.
        timestamp: edxmlTimestamp(new Date()),
        traces: [],
      }),
    );
    const signed = signEdxml(xml, { privateKeyPem: id.keyPem, certificatePem: id.certPem });
    if (typeof values.output === "string") {
      writeFileSync(values.output, signed);
      return 0;
    }
    print(json(await call(id, "POST", "/statuses", signed)));
    return 0;
  },
};
