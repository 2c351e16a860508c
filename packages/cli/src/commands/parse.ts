import { readFileSync } from "node:fs";
import {
  EdxmlError,
  type Letter,
  type Organization,
  type Packet,
  parsePacket,
  type StatusPacket,
} from "@edoc/edxml";
import { parseEdxmlTime } from "@edoc/vntime";
import { CliError, type Command, parseCommandArgs } from "../command.js";

/**
 * `edoc parse FILE [--json]`: reads an .edxml packet and prints what the hub understands of it,
 * or every reason it refuses it. Exit 0 when it parses, 2 when unreadable, not edXML or invalid.
 * JSON output leaves out attachment data (`encoded`); sizes and names are kept.
 */
export const parseCommand: Command = {
  name: "parse",
  usage: "parse FILE [--json]   what the hub reads in an .edxml packet, or why it refuses it",
  help: "Exit 2 also when the packet is unreadable, not edXML or invalid (every issue printed).",
  async run(argv) {
    const { file, json } = readArgs(argv);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      const message = `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`;
      if (!json) throw new CliError(message, 2);
      print(JSON.stringify({ code: "FILE_UNREADABLE", message, issues: [] }, null, 2));
      return 2;
    }
    let packet: Packet;
    try {
      packet = parsePacket(bytes);
    } catch (err) {
      if (!(err instanceof EdxmlError)) throw err;
      print(
        json
          ? JSON.stringify({ code: err.code, message: err.message, issues: err.issues }, null, 2)
          : refusal(err),
      );
      return 2;
    }
    print(json ? JSON.stringify(packet, withoutAttachmentData, 2) : summary(packet));
    return 0;
  },
};

function readArgs(argv: string[]): { file: string; json: boolean } {
  const { values, positionals } = parseCommandArgs(argv, {
    options: { json: { type: "boolean" } },
    positionals: ["FILE"],
  });
  return { file: positionals[0]!, json: values.json === true };
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function withoutAttachmentData(key: string, value: unknown): unknown {
  return key === "encoded" ? undefined : value;
}

/** First line `CODE: message`; for invalid packets, then one issue per line: path, rule, message. */
function refusal(err: EdxmlError): string {
  if (err.issues.length === 0) return `${err.code}: ${err.message}`;
  const n = err.issues.length;
  const lines = err.issues.map((i) => `${i.path}\t${i.rule}\t${i.message}`);
  return [`${err.code}: ${n} issue${n === 1 ? "" : "s"}`, ...lines].join("\n");
}

function organization(o: Organization): string {
  return o.organName ? `${o.organId} ${o.organName}` : o.organId;
}

function summary(p: Packet): string {
  return (p.kind === "letter" ? letterSummary(p) : statusSummary(p))
    .map(([label, value]) => `${label.padEnd(12)}${value}`)
    .join("\n");
}

function letterSummary(l: Letter): [string, string][] {
  const h = l.header;
  const rows: [string, string][] = [
    [
      "packet",
      `letter (${l.business.docType})${l.hasSignature ? ", Signature present (not verified)" : ", unsigned"}`,
    ],
    ["document", h.documentId],
    [
      "code",
      `${h.code.number}/${h.code.notation}, ${h.promulgation.date}${h.promulgation.place ? ` ${h.promulgation.place}` : ""}`,
    ],
    ["from", organization(h.from)],
    ...h.to.map((o, i): [string, string] => [i === 0 ? "to" : "", organization(o)]),
    ["subject", h.subject],
  ];
  if (h.otherInfo?.priority !== undefined) rows.push(["priority", String(h.otherInfo.priority)]);
  if (h.dueDate) rows.push(["due", h.dueDate]);
  for (const [i, r] of h.responseFor.entries())
    rows.push([i === 0 ? "answers" : "", `${r.documentId} (${r.organId})`]);
  if (l.business.documentId) rows.push(["concerns", l.business.documentId]);
  for (const [i, t] of l.traces.entries())
    rows.push([i === 0 ? "trace" : "", `${t.organId} ${vietnamTime(t.timestamp)}`]);
  rows.push(["attachments", String(l.attachments.length)]);
  for (const a of l.attachments) {
    const label = [a.name, a.contentType].filter(Boolean).join(", ");
    rows.push(["", `${a.contentId}: ${a.size} bytes${label ? ` (${label})` : ""}`]);
  }
  return rows;
}

const STATUS_MEANING: Partial<Record<StatusPacket["statusCode"], string>> = {
  "01": "arrived",
  "02": "rejected",
  "03": "accepted and registered",
  "04": "assigned",
  "05": "processing",
  "06": "finished",
  "13": "sender asks to take it back",
  "14": "as written; most senders use 15",
  "15": "agrees to the update or take-back",
  "16": "refuses the update or take-back",
};

function statusSummary(s: StatusPacket): [string, string][] {
  const meaning = STATUS_MEANING[s.statusCode];
  const rows: [string, string][] = [
    [
      "packet",
      `status ${s.statusCode}${meaning ? ` (${meaning})` : ""}${s.hasSignature ? ", Signature present (not verified)" : ""}`,
    ],
    ["from", organization(s.from)],
    ["document", `${s.responseFor.documentId} (${s.responseFor.organId})`],
    ["at", vietnamTime(s.timestamp)],
  ];
  const r = s.responseFor;
  if (r.code || r.promulgationDate) {
    rows.push(["answers", [r.code, r.promulgationDate].filter(Boolean).join(", ")]);
  }
  const staff = s.staffInfo;
  if (staff) {
    const who = [staff.staff, staff.department, staff.email, staff.mobile].filter(Boolean);
    rows.push(["staff", who.join(", ")]);
  }
  if (s.description) rows.push(["description", s.description]);
  for (const [i, t] of s.traces.entries())
    rows.push([i === 0 ? "trace" : "", `${t.organId} ${vietnamTime(t.timestamp)}`]);
  return rows;
}

/** An edXML time has no zone: it is Vietnam time, shown with the instant it names. */
function vietnamTime(text: string): string {
  const at = parseEdxmlTime(text);
  return at ? `${text} (UTC+07:00, ${at.toISOString()})` : text;
}
