import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Agent } from "../support/hub.js";

/**
 * Signs an edXML letter with libxmlsec1 from a template, for what @edoc/signature deliberately
 * cannot produce: rsa-sha1 (the VPCP SDK's algorithm), a Reference to one element instead of
 * the whole document, or a document holding a processing instruction. `bash infra/xmlsec.sh`
 * installs xmlsec1; without it the calling test fails, it does not skip.
 */
export interface XmlsecOptions {
  signatureMethod?: "rsa-sha1" | "rsa-sha256";
  digestMethod?: "sha1" | "sha256";
  /** `#id` signs only the element with that Id (xmlsec1 is told MessageHeader carries Id). */
  referenceUri?: string;
}

const URIS = {
  "rsa-sha1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
  "rsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  sha1: "http://www.w3.org/2000/09/xmldsig#sha1",
  sha256: "http://www.w3.org/2001/04/xmlenc#sha256",
} as const;

export function xmlsecSign(
  xml: string,
  agent: Pick<Agent, "certPem" | "keyPem">,
  o: XmlsecOptions = {},
): Buffer {
  const uri = o.referenceUri ?? "";
  const transforms =
    uri === ""
      ? '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
      : '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>';
  const template = `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><SignatureMethod Algorithm="${URIS[o.signatureMethod ?? "rsa-sha256"]}"/><Reference URI="${uri}"><Transforms>${transforms}</Transforms><DigestMethod Algorithm="${URIS[o.digestMethod ?? "sha256"]}"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>`;
  const marker = "</edXML:edXMLHeader>";
  if (!xml.includes(marker)) throw new Error("xmlsecSign: no edXML:edXMLHeader to sign in");
  const dir = mkdtempSync(join(tmpdir(), "edoc-xmlsec-"));
  try {
    writeFileSync(join(dir, "key.pem"), agent.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, "cert.pem"), agent.certPem);
    writeFileSync(join(dir, "in.xml"), xml.replace(marker, `${template}${marker}`));
    const run = spawnSync(
      "xmlsec1",
      [
        "--sign",
        ...(uri === ""
          ? []
          : ["--id-attr:Id", "http://www.mic.gov.vn/TBT/QCVN_102_2016:MessageHeader"]),
        "--privkey-pem",
        `${join(dir, "key.pem")},${join(dir, "cert.pem")}`,
        "--output",
        join(dir, "out.xml"),
        join(dir, "in.xml"),
      ],
      { encoding: "utf8" },
    );
    if (run.error)
      throw new Error(`xmlsec1 is not installed (bash infra/xmlsec.sh): ${run.error.message}`);
    if (run.status !== 0) throw new Error(`xmlsec1 --sign failed: ${run.stderr}`);
    return readFileSync(join(dir, "out.xml"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
