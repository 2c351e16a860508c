import { writeFileSync } from "node:fs";
import { parsePacket } from "@edoc/edxml";
import {
  call,
  IDENTITY_HELP,
  identityOptions,
  json,
  print,
  resolveIdentity,
} from "../client/http.js";
import { type Command, parseCommandArgs } from "../command.js";
import { readBytes } from "../files.js";

// Commands that talk to a running hub as one agency system (mutual TLS). Output is JSON, so
// scripts can pipe it; refusals print the hub's error code and exit 1.

/**
 * Where a signed packet goes: a status packet (MessageHeader/StatusCode) to /statuses, anything
 * else to /documents, whose answer judges it (a file that does not parse is the hub's to refuse).
 */
function endpointOf(bytes: Buffer): "/statuses" | "/documents" {
  try {
    return parsePacket(bytes).kind === "status" ? "/statuses" : "/documents";
  } catch {
    return "/documents";
  }
}

export const sendCommand: Command = {
  name: "send",
  usage:
    "send FILE --as ORGANID | --cert C --key K  [--gateway URL]   submit a signed letter or status packet",
  help: `A status packet (it has MessageHeader/StatusCode) goes to /api/v1/statuses, anything else to
/api/v1/documents.
${IDENTITY_HELP}`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      options: identityOptions,
      positionals: ["FILE"],
    });
    const id = resolveIdentity(values);
    const bytes = readBytes(positionals[0]!);
    print(json(await call(id, "POST", endpointOf(bytes), bytes)));
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
