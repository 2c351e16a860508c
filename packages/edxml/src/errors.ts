/** Stable machine-readable failure classes of edXML input. */
export type EdxmlErrorCode =
  /** Not XML at all: syntax error, bad UTF-8, stray bytes before the prolog. */
  | "EDXML_NOT_WELL_FORMED"
  /** Well-formed or not, it uses markup the hub refuses: DOCTYPE, ENTITY, processing instructions. */
  | "EDXML_FORBIDDEN_CONSTRUCT"
  /** Exceeds a configured limit (bytes, depth, element count, attachment size). */
  | "EDXML_TOO_LARGE"
  /** An edXML packet that breaks field rules; `issues` lists every problem found. */
  | "EDXML_INVALID"
  /** XML, but not an edXML envelope (wrong root, no MessageHeader). */
  | "EDXML_NOT_EDXML"
  /**
   * An attachment declared `application/zip` is not a readable zip archive (the official edXML
   * library refuses the whole packet then); `issues` names each such attachment (rule `zip`).
   */
  | "ATTACHMENT_NOT_ZIP";

/** One problem found in a packet. */
export interface EdxmlIssue {
  /** Element path without the root, e.g. `edXMLEnvelope/edXMLHeader/MessageHeader/To[2]/OrganId`. */
  path: string;
  /** Stable rule id: `required`, `organ-id`, `date-format`, `priority-range`, `max-length`, ... */
  rule: string;
  message: string;
}

/** Where in the source text an error was found (1-based). */
export interface SourcePosition {
  line: number;
  column: number;
}

const MESSAGE_ISSUES = 10;

export class EdxmlError extends Error {
  override readonly name = "EdxmlError";

  constructor(
    readonly code: EdxmlErrorCode,
    message: string,
    readonly issues: EdxmlIssue[] = [],
    readonly position?: SourcePosition,
  ) {
    super(message);
  }

  /** One EDXML_INVALID error carrying every issue; the message names the first few. */
  static invalid(issues: EdxmlIssue[]): EdxmlError {
    const n = issues.length;
    const shown = issues.slice(0, MESSAGE_ISSUES).map((i) => `${i.path}: ${i.message} [${i.rule}]`);
    if (n > MESSAGE_ISSUES) shown.push(`and ${n - MESSAGE_ISSUES} more`);
    const list = shown.join("; ");
    return new EdxmlError(
      "EDXML_INVALID",
      `invalid edXML packet (${n} issue${n === 1 ? "" : "s"}): ${list}`,
      issues,
    );
  }
}
