import { compact, readOrganization, readResponseFor, readStaffInfo, readTraces } from "./common.js";
import type { Envelope } from "./letter.js";
import type { Reader } from "./reader.js";
import type { StatusPacket } from "./types.js";
import { toStatusCode } from "./values.js";

/** Reads a status packet; returns undefined only when issues were recorded. */
export function readStatus(r: Reader, env: Envelope): StatusPacket | undefined {
  const mh = env.messageHeader;
  const fromAt = r.one(mh, "From", true);
  const from = fromAt && readOrganization(r, fromAt);
  const responseAt = r.one(mh, "ResponseFor", true);
  const responseFor = responseAt && readResponseFor(r, responseAt);
  const staffInfo = readStaffInfo(r, r.one(mh, "StaffInfo"));
  const codeText = r.text(mh, "StatusCode", { required: true });
  const statusCode = codeText === undefined ? undefined : toStatusCode(codeText);
  if (codeText !== undefined && statusCode === undefined) {
    r.issue(
      `${mh.path}/StatusCode`,
      "status-code",
      `StatusCode must be 01 to 16 ("1" is read as "01"), got ${JSON.stringify(codeText)}`,
    );
  }
  const description = r.text(mh, "Description");
  const timestamp = r.timestamp(mh, "Timestamp", true);
  const traces = readTraces(r, r.one(env.header, "TraceHeaderList"));
  if (!from || !responseFor || !statusCode || !timestamp) return undefined;
  return compact<StatusPacket>({
    kind: "status",
    from,
    responseFor,
    staffInfo,
    statusCode,
    description,
    timestamp,
    traces,
    hasSignature: env.hasSignature,
  });
}
