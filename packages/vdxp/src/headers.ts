/**
 * The national axis protocol's parameters travel as `XroadVnpt-<name>` headers (VDXP,
 * "XroadVnpt" as the axis SDK names it). Names as the SDK writes them; HTTP reads them
 * case-insensitively.
 */
export const HEADER_PREFIX = "XroadVnpt-";

/** Parameter names (without prefix) the protocol uses. */
export const PARAM = {
  systemid: "systemid",
  timestamp: "timestamp",
  contentType: "Content-Type",
  servicetype: "servicetype",
  messagetype: "messagetype",
  docId: "docId",
  from: "from",
  hashFile: "hash-file",
  filePath: "filePath",
  status: "status",
  level: "level",
  agencyCode: "AgencyCode",
  version: "version",
  signHeaderKey: "sign-header-key",
  signHeader: "sign-header",
  hashHeader: "hash-header",
} as const;

/** The full header name of a parameter, e.g. `XroadVnpt-systemid`. */
export function headerName(param: string): string {
  return `${HEADER_PREFIX}${param}`;
}

/** The protocol version the SDK announces (`XroadVnpt-version`). */
export const PROTOCOL_VERSION = "3.0.201608";

/** Message types of `sendEdoc` and the inbox lists. */
export type MessageType = "edoc" | "status";

export function isMessageType(s: string | undefined): s is MessageType {
  return s === "edoc" || s === "status";
}

/** Every operation, with its HTTP method (`downloadEdoc` is the only GET). */
export const OPERATIONS = {
  sendEdoc: "POST",
  getReceivedEdocList: "POST",
  getEdoc: "POST",
  downloadEdoc: "GET",
  updateStatus: "POST",
  countReceiveEdoc: "POST",
  countReceiveStatus: "POST",
  getSentEdocList: "POST",
  getAgenciesList: "POST",
  getAgenciesListQD20: "POST",
  getSynchronizeUnit: "POST",
  registerAgency: "POST",
  deleteAgency: "POST",
} as const;
export type Operation = keyof typeof OPERATIONS;

export function isOperation(s: string): s is Operation {
  return Object.hasOwn(OPERATIONS, s);
}
