import { createDevPki, issueAgencyCertificate } from "@edoc/pki";
import { signEdxml } from "@edoc/signature";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";
import {
  COMMUNE,
  call,
  DEPT,
  DISTRICT,
  eventually,
  expectLogged,
  expectNeverStored,
  expectRefusal,
  gatewayLog,
  HOSTED,
  normalLetterGoesThrough,
  OTHER,
  post,
  reasonCodes,
} from "./support.js";
import { xmlsecSign } from "./xmlsec.js";

// Signature attacks, built with signEdxml (or xmlsec1) and string surgery. Each must be refused
// with its code, the reason from @edoc/signature in details, and never stored.
const hub = new TestHub({
  agencies: [COMMUNE, DEPT, DISTRICT, HOSTED],
  actsFor: { [DISTRICT]: [HOSTED] },
  env: { EDOC_TRUST_RELOAD_MS: "250" },
});
const A = (id: string): Agent => hub.agent(id);
const MARKER = "ADV-SIG";
const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
let counter = 0;

/** A fresh unsigned letter (own DocumentId) from `from` to DEPT. */
function letter(from = COMMUNE): string {
  counter++;
  return letterXml(from, [DEPT], {
    documentId: `${from},2026/01/05,${counter}/${MARKER}-${counter}`,
  }).xml;
}

function signed(who: Pick<Agent, "certPem" | "keyPem"> = A(COMMUNE), from = COMMUNE): string {
  return sign(who, letter(from)).toString("utf8");
}

/** The one Signature element signEdxml wrote. */
function signatureOf(xml: string): string {
  return xml.slice(xml.indexOf("<Signature"), xml.indexOf("</Signature>") + "</Signature>".length);
}

const forgedHeader = `<edXML:MessageHeader xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:From><edXML:OrganId>${DEPT}</edXML:OrganId></edXML:From><edXML:To><edXML:OrganId>${OTHER}</edXML:OrganId></edXML:To><edXML:DocumentId>forged</edXML:DocumentId><edXML:Subject>forged</edXML:Subject></edXML:MessageHeader>`;

beforeAll(async () => {
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

type Case = readonly [
  name: string,
  build: () => string | Buffer | Promise<string | Buffer>,
  status: number,
  code: string,
  reason: string,
];

const cases: Case[] = [
  [
    "stripped signature",
    () => {
      const s = signed();
      return s.replace(signatureOf(s), "");
    },
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_MISSING",
  ],
  [
    "the SDK's placeholder Signature (edXML namespace)",
    () => {
      const s = signed();
      return s.replace(
        signatureOf(s),
        "<edXML:Signature><edXML:SignatureValue>AAAA</edXML:SignatureValue></edXML:Signature>",
      );
    },
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_MALFORMED",
  ],
  [
    "a signature over the MessageHeader only (Reference URI=#mh, xmlsec1)",
    () =>
      xmlsecSign(
        letter().replace("<edXML:MessageHeader>", '<edXML:MessageHeader Id="mh">'),
        A(COMMUNE),
        {
          referenceUri: "#mh",
        },
      ),
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_REFERENCE_INVALID",
  ],
  [
    "wrapping: a second MessageHeader in an unsigned ds:Object",
    () => signed().replace("</Signature>", `<Object>${forgedHeader}</Object></Signature>`),
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_MALFORMED",
  ],
  [
    "wrapping: a forged From in KeyInfo, in the XML-DSig namespace",
    () =>
      signed().replace(
        "</KeyInfo>",
        `<From><OrganId>${DEPT}</OrganId></From><To><OrganId>${OTHER}</OrganId></To></KeyInfo>`,
      ),
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_MALFORMED",
  ],
  [
    "wrapping: the signed document moved under a new root whose header is forged",
    () => {
      const s = signed();
      const sig = signatureOf(s);
      const original = s.replace(sig, "").replace(/^<\?xml[^>]*>\n/, "");
      return `<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXML xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLEnvelope><edXML:edXMLHeader>${forgedHeader}${sig}</edXML:edXMLHeader></edXML:edXMLEnvelope><edXML:Original>${original}</edXML:Original></edXML:edXML>`;
    },
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_REFERENCE_INVALID",
  ],
  [
    "a forged From added to the MessageHeader after signing",
    () =>
      signed().replace(
        "<edXML:From>",
        `<edXML:From><edXML:OrganId>${DEPT}</edXML:OrganId></edXML:From><edXML:From>`,
      ),
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_REFERENCE_INVALID",
  ],
  [
    "a recipient changed after signing",
    () =>
      signed().replace(
        `<edXML:OrganId>${DEPT}</edXML:OrganId>`,
        `<edXML:OrganId>${OTHER}</edXML:OrganId>`,
      ),
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_REFERENCE_INVALID",
  ],
  [
    "the Signature moved into the body (its digest still matches)",
    () => {
      const s = signed();
      const sig = signatureOf(s);
      return s.replace(sig, "").replace("</edXML:edXMLBody>", `${sig}</edXML:edXMLBody>`);
    },
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_MALFORMED",
  ],
  [
    "two Signature elements",
    () => {
      const s = signed();
      const sig = signatureOf(s);
      return s.replace(sig, `${sig}${sig}`);
    },
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_MULTIPLE",
  ],
  [
    "an HMAC SignatureMethod",
    () =>
      signed().replace(
        /<SignatureMethod Algorithm="[^"]*"/,
        '<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"',
      ),
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_ALGORITHM_FORBIDDEN",
  ],
  [
    "an unknown SignatureMethod",
    () =>
      signed().replace(
        /<SignatureMethod Algorithm="[^"]*"/,
        '<SignatureMethod Algorithm="urn:example:no-signature"',
      ),
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_ALGORITHM_FORBIDDEN",
  ],
  [
    "rsa-sha1 with sha1 digests (xmlsec1), refused while EDOC_ALLOW_SHA1 is off",
    () => xmlsecSign(letter(), A(COMMUNE), { signatureMethod: "rsa-sha1", digestMethod: "sha1" }),
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_ALGORITHM_FORBIDDEN",
  ],
  [
    "a garbled SignatureValue",
    () => signed().replace(/<SignatureValue>[^<]{8}/, "<SignatureValue>AAAAAAAA"),
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_VALUE_INVALID",
  ],
  [
    "signed with the department's key, KeyInfo swapped for the commune's certificate",
    () => {
      const s = signed(A(DEPT));
      const communeCert = A(COMMUNE)
        .certPem.replace(/-----[A-Z ]+-----/g, "")
        .replace(/\s+/g, "");
      return s.replace(/<X509Certificate>[^<]*</, `<X509Certificate>${communeCert}<`);
    },
    422,
    "SIGNATURE_INVALID",
    "SIGNATURE_VALUE_INVALID",
  ],
  [
    "KeyInfo without a certificate (a bare key is never trusted)",
    () =>
      signed().replace(
        /<KeyInfo>[\s\S]*<\/KeyInfo>/,
        "<KeyInfo><KeyName>commune</KeyName></KeyInfo>",
      ),
    422,
    "SIGNATURE_UNTRUSTED",
    "CERT_MISSING",
  ],
  [
    "a certificate from a self-made CA, same OrganId",
    async () => {
      const rogue = await issueAgencyCertificate(await createDevPki(), {
        organId: COMMUNE,
        name: "Phường 1 (giả mạo)",
      });
      return signed({ certPem: rogue.certificatePem, keyPem: rogue.privateKeyPem });
    },
    422,
    "SIGNATURE_UNTRUSTED",
    "CERT_UNTRUSTED",
  ],
  [
    "an expired certificate",
    async () => {
      const old = await hub.issue(COMMUNE, {
        notBefore: new Date(Date.now() - 30 * DAY),
        notAfter: new Date(Date.now() - DAY),
      });
      return signed(old);
    },
    422,
    "SIGNATURE_UNTRUSTED",
    "CERT_EXPIRED",
  ],
  [
    "an expired certificate with a XAdES SigningTime backdated into its validity",
    async () => {
      // Everything (CAs included) was valid at the claimed signing time, two minutes ago.
      const old = await hub.issue(COMMUNE, {
        notBefore: new Date(Date.now() - 4 * MINUTE),
        notAfter: new Date(Date.now() - MINUTE),
      });
      return signEdxml(letter(), {
        privateKeyPem: old.keyPem,
        certificatePem: old.certPem,
        xades: { signingTime: new Date(Date.now() - 2 * MINUTE) },
      });
    },
    422,
    "SIGNATURE_UNTRUSTED",
    "CERT_EXPIRED",
  ],
  [
    "a certificate not valid yet",
    async () => {
      const early = await hub.issue(COMMUNE, {
        notBefore: new Date(Date.now() + DAY),
        notAfter: new Date(Date.now() + 30 * DAY),
      });
      return signed(early);
    },
    422,
    "SIGNATURE_UNTRUSTED",
    "CERT_NOT_YET_VALID",
  ],
  [
    "a valid certificate of another agency (the department signs the commune's letter)",
    () => signed(A(DEPT)),
    403,
    "SIGNER_NOT_BOUND",
    "SIGNER_NOT_BOUND",
  ],
];

describe("signature attacks", () => {
  it.each(cases)("%s", async (_name, build, status, code, reason) => {
    const reply = await post(hub, A(COMMUNE), await build());
    const refusal = expectRefusal(reply, status, code);
    expect(reasonCodes(refusal)).toContain(reason);
  });

  it("the gateway still serves, and no attack was stored", async () => {
    await normalLetterGoesThrough(hub, A(COMMUNE), A(DEPT));
    await expectNeverStored(hub, [A(COMMUNE), A(DEPT), A(DISTRICT)], (id) => id.includes(MARKER));
    for (const code of ["SIGNATURE_INVALID", "SIGNATURE_UNTRUSTED", "SIGNER_NOT_BOUND"]) {
      await expectLogged(hub, code);
    }
  });
});

describe("revocation, picked up without a restart", () => {
  it("a revoked agency certificate: 401 at TLS, and SIGNATURE_UNTRUSTED (CERT_REVOKED) when another system relays its letter", async () => {
    const hosted = A(HOSTED);
    const before = await post(hub, hosted, sign(hosted, letter(HOSTED)));
    expect(before.status, before.text).toBe(202);

    await hub.revoke(hosted); // rewrites crl.pem; the gateway notices the new mtime
    const refused = await eventually(
      () => call(hub, { agent: hosted, path: "/inbox" }),
      (r) => r.status === 401,
      "the revoked certificate refused at TLS",
      10_000,
    );
    expect(expectRefusal(refused, 401, "CLIENT_CERT_UNTRUSTED").message).toMatch(/revoked/i);
    expect(gatewayLog(hub)).toContain("trust store reloaded");

    // The district's system, which hosts the commune's mailbox, relays letters it signed.
    const relayed = await post(hub, A(DISTRICT), sign(hosted, letter(HOSTED)));
    expect(reasonCodes(expectRefusal(relayed, 422, "SIGNATURE_UNTRUSTED"))).toContain(
      "CERT_REVOKED",
    );
    // A XAdES SigningTime from before the revocation does not bring it back.
    const backdated = signEdxml(letter(HOSTED), {
      privateKeyPem: hosted.keyPem,
      certificatePem: hosted.certPem,
      xades: { signingTime: new Date(Date.now() - MINUTE) },
    });
    const late = await post(hub, A(DISTRICT), backdated);
    expect(reasonCodes(expectRefusal(late, 422, "SIGNATURE_UNTRUSTED"))).toContain("CERT_REVOKED");

    await normalLetterGoesThrough(hub, A(DISTRICT), A(DEPT));
    await expectLogged(hub, "CLIENT_CERT_UNTRUSTED");
  });
});
