import { parseXml } from "@edoc/edxml";
import { ACCEPTANCE_RECEIPT_NS } from "@edoc/receipts";

/** The fields of a hub acceptance receipt, read from its signed bytes. */
export interface AcceptanceFields {
  receiptId: string;
  hubDocumentId: string;
  documentId: string;
  from: string;
  to: string[];
  /** SHA-256 hex of the letter bytes the hub received. */
  digest: string;
  receivedAt: string;
}

type XmlElement = NonNullable<ReturnType<typeof parseXml>["documentElement"]>;

function children(parent: XmlElement, localName: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const el = n as XmlElement;
    if (el.localName === localName && el.namespaceURI === ACCEPTANCE_RECEIPT_NS) out.push(el);
  }
  return out;
}

/** Reads AcceptanceReceipt (urn:edoc-hub:receipt:1); throws an Error naming what is missing. */
export function parseAcceptance(signedXml: string): AcceptanceFields {
  const root = parseXml(signedXml).documentElement;
  if (root?.localName !== "AcceptanceReceipt" || root.namespaceURI !== ACCEPTANCE_RECEIPT_NS) {
    throw new Error(`the signed document is not an AcceptanceReceipt in ${ACCEPTANCE_RECEIPT_NS}`);
  }
  const one = (parent: XmlElement, name: string): string => {
    const found = children(parent, name);
    const [el] = found;
    if (el === undefined || found.length > 1) {
      throw new Error(`AcceptanceReceipt must carry exactly one ${name}`);
    }
    return el.textContent ?? "";
  };
  const toList = children(root, "ToList");
  const [list] = toList;
  return {
    receiptId: one(root, "ReceiptId"),
    hubDocumentId: one(root, "HubDocumentId"),
    documentId: one(root, "DocumentId"),
    from: one(root, "From"),
    to: list && toList.length === 1 ? children(list, "To").map((t) => t.textContent ?? "") : [],
    digest: one(root, "Digest").trim(),
    receivedAt: one(root, "ReceivedAt").trim(),
  };
}
