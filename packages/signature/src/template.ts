import { createHash } from "node:crypto";
import { DSIG_NS, ENVELOPED, EXC_C14N, SHA256, SIGNING_ALGORITHM_URIS } from "./algorithms.js";
import { SignatureError } from "./errors.js";
import { certificateBundle, keyInfoContent, type RemoteSignOptions } from "./sign.js";

/** A document the caller wrote itself, with its exclusive C14N form (the Signature not yet in it). */
export interface CanonicalDocument {
  /** The document as it will be sent; its document element's end tag closes the text. */
  readonly xml: string;
  /**
   * Exclusive C14N of `xml` (no declaration, comments dropped, C14N escapes): what the
   * `URI=""` Reference digests once the Signature is left out by enveloped-signature.
   */
  readonly canonical: string;
}

/**
 * signXmlRemote for a document whose canonical form is already known (a fixed template with
 * escaped values, such as the hub's acceptance receipt): no parse, no serialization. The digest
 * is taken over `doc.canonical`, SignedInfo is written directly in its canonical form (the
 * bytes `opts.sign` signs), and the Signature is appended as the last child of the document
 * element, exactly as signXmlRemote writes it: the same bytes for the same input (the tests
 * compare both, and verifyXml checks the result). A wrong `canonical` gives a signature that
 * does not verify, never a different document.
 */
export async function signCanonicalRemote(
  doc: CanonicalDocument,
  opts: RemoteSignOptions,
): Promise<string> {
  const end = /<\/([^<>\s]+)>$/.exec(doc.xml);
  if (!end || !doc.canonical.endsWith(end[0])) {
    throw new SignatureError(
      "NOT_EDXML",
      "the document must end with its document element's end tag, in both forms",
    );
  }
  const digest = createHash("sha256").update(doc.canonical, "utf8").digest("base64");
  const method = SIGNING_ALGORITHM_URIS[opts.algorithm];
  // The canonical form writes empty elements out; the serialized Signature self-closes them.
  const info = (canonical: boolean): string => {
    const empty = (name: string, algorithm: string) =>
      canonical
        ? `<${name} Algorithm="${algorithm}"></${name}>`
        : `<${name} Algorithm="${algorithm}"/>`;
    return (
      `<SignedInfo${canonical ? ` xmlns="${DSIG_NS}"` : ""}>` +
      empty("CanonicalizationMethod", EXC_C14N) +
      empty("SignatureMethod", method) +
      `<Reference URI=""><Transforms>${empty("Transform", ENVELOPED)}${empty("Transform", EXC_C14N)}</Transforms>` +
      `${empty("DigestMethod", SHA256)}<DigestValue>${digest}</DigestValue></Reference></SignedInfo>`
    );
  };
  const canonicalInfo = info(true);
  const writtenInfo = info(false);
  const value = (await opts.sign(Buffer.from(canonicalInfo, "utf8"))).toString("base64");
  const keyInfo = keyInfoContent(certificateBundle(opts), undefined);
  const signature =
    `<Signature xmlns="${DSIG_NS}">${writtenInfo}<SignatureValue>${value}</SignatureValue>` +
    `${keyInfo === null ? "" : `<KeyInfo>${keyInfo}</KeyInfo>`}</Signature>`;
  return `${doc.xml.slice(0, end.index)}${signature}${end[0]}`;
}
