import { readFileSync, writeFileSync } from "node:fs";
import { parseOrganId } from "@edoc/directory";
import { buildStatus, type StatusCode } from "@edoc/edxml";
import { signEdxml } from "@edoc/signature";
import {
  call,
  IDENTITY_HELP,
  type Identity,
  identityOptions,
  json,
  resolveIdentity,
} from "../client/http.js";
import { CliError, type Command, parseCommandArgs, required } from "../command.js";

// Commands that talk to a running hub as one agency system (mutual TLS). Output is JSON, so
// scripts can pipe it; refusals print the hub's error code and exit 1.

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export const sendCommand: Command = {
  name: "send",
  usage: "send FILE --as ORGANID | --cert C --key K  [--gateway URL]   submit a signed letter",
  help: IDENTITY_HELP,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      options: identityOptions,
      positionals: ["FILE"],
    });
    const id = resolveIdentity(values);
    print(json(await call(id, "POST", "/documents", readBytes(positionals[0]!))));
    return 0;
  },
};

export const inboxCommand: Command = {
  name: "inbox",
  usage: "inbox --as ORGANID [--state pending|fetched|all]                list deliveries",
  help: IDENTITY_HELP,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      options: { ...identityOptions, state: { type: "string" } },
    });
    const state = typeof values.state === "string" ? values.state : "pending";
    print(
      json(await call(resolveIdentity(values), "GET", `/inbox?state=${encodeURIComponent(state)}`)),
    );
    return 0;
  },
};

export const fetchCommand: Command = {
  name: "fetch",
  usage:
    "fetch DELIVERY_ID --as ORGANID [-o FILE]                       download the exact bytes sent",
  help: IDENTITY_HELP,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      options: { ...identityOptions, output: { type: "string", short: "o" } },
      positionals: ["DELIVERY_ID"],
    });
    const deliveryId = positionals[0]!;
    const res = await call(
      resolveIdentity(values),
      "GET",
      `/inbox/${encodeURIComponent(deliveryId)}/edxml`,
    );
    if (res.status >= 400) json(res);
    if (typeof values.output === "string") writeFileSync(values.output, res.body);
    else process.stdout.write(res.body);
    return 0;
  },
};

export const ackCommand: Command = {
  name: "ack",
  usage:
    "ack DELIVERY_ID --as ORGANID [--fail REASON]                    transport acknowledgement",
  help: IDENTITY_HELP,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      options: { ...identityOptions, fail: { type: "string" } },
      positionals: ["DELIVERY_ID"],
    });
    const deliveryId = positionals[0]!;
    const body =
      typeof values.fail === "string"
        ? { result: "fail", reason: values.fail }
        : { result: "done" };
    const res = await call(
      resolveIdentity(values),
      "POST",
      `/inbox/${encodeURIComponent(deliveryId)}/ack`,
      JSON.stringify(body),
      "application/json",
    );
    print(json(res));
    return 0;
  },
};

export const traceCommand: Command = {
  name: "trace",
  usage: "trace HUB_DOCUMENT_ID|DOCUMENT_ID --as ORGANID                 every step with receipts",
  help: IDENTITY_HELP,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      options: identityOptions,
      positionals: ["HUB_DOCUMENT_ID|DOCUMENT_ID"],
    });
    const docId = positionals[0]!;
    print(
      json(
        await call(resolveIdentity(values), "GET", `/documents/${encodeURIComponent(docId)}/trace`),
      ),
    );
    return 0;
  },
};

interface LetterRef {
  from: string;
  documentId: string;
}

/** Finds the letter a status answers: in my inbox (I received it) or among what I sent. */
async function findLetter(id: Identity, hubDocumentId: string): Promise<LetterRef> {
  const inbox = json(await call(id, "GET", "/inbox?state=all")) as {
    items: (LetterRef & { hubDocumentId: string; kind: string })[];
  };
  const got = inbox.items.find((i) => i.hubDocumentId === hubDocumentId && i.kind === "letter");
  if (got) return got;
  const sent = json(await call(id, "GET", "/documents?limit=500")) as {
    documents: { hubDocumentId: string; documentId: string }[];
  };
  const mine = sent.documents.find((d) => d.hubDocumentId === hubDocumentId);
  if (mine) return { from: "", documentId: mine.documentId };
  throw new CliError(`no letter ${hubDocumentId} in this agency's inbox or sent documents`, 1);
}

export const statusCommand: Command = {
  name: "status",
  usage:
    "status --as ORGANID --document HUB_DOCUMENT_ID --code NN [--description T]   report 01…16",
  help: IDENTITY_HELP,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      options: {
        ...identityOptions,
        document: { type: "string" },
        code: { type: "string" },
        description: { type: "string" },
      },
    });
    const as = required(values.as, "--as ORGANID (the reporting agency)");
    const document = required(values.document, "--document HUB_DOCUMENT_ID");
    const code = required(values.code, "--code NN");
    const id = resolveIdentity(values);
    const me = parseOrganId(as, "--as");
    const letter = await findLetter(id, document);
    const now = new Date();
    const xml = buildStatus({
      from: { organId: me },
      responseFor: {
        organId: parseOrganId(letter.from || as, "ResponseFor/OrganId"),
        documentId: letter.documentId,
      },
      statusCode: code.padStart(2, "0") as StatusCode,
      ...(typeof values.description === "string" ? { description: values.description } : {}),
      timestamp: edxmlTime(now),
      traces: [],
    });
    const signed = signEdxml(xml, { privateKeyPem: id.keyPem, certificatePem: id.certPem });
    print(json(await call(id, "POST", "/statuses", signed)));
    return 0;
  },
};

function edxmlTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
}
