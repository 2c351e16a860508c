import * as asn1js from "asn1js";
import type * as pkijs from "pkijs";
import type { Holder } from "./report.js";

const QC_STATEMENTS = "1.3.6.1.5.5.7.1.3";
const QC_TYPE = "0.4.0.1862.1.6";
const QC_TYPE_ESIGN = "0.4.0.1862.1.6.1";
const QC_TYPE_ESEAL = "0.4.0.1862.1.6.2";
/** Subject attributes only a natural person's certificate carries. */
const PERSONAL = new Set([
  "2.5.4.42", // givenName
  "2.5.4.4", // surname
  "2.5.4.12", // title (chức danh)
  "2.5.4.65", // pseudonym
]);
const ORGANIZATION = "2.5.4.10";

/**
 * Seal (chữ ký số của cơ quan, tổ chức) or person, from the certificate alone:
 * 1. an ETSI EN 319 412-5 QcType statement decides where present (esign: person, eseal: seal);
 * 2. else a personal subject attribute (givenName, surname, title, pseudonym): person;
 * 3. else a subject with an organisation (O) and no personal attribute: seal;
 * 4. else unknown.
 */
export function holderOf(cert: pkijs.Certificate): Holder {
  const qc = qcType(cert);
  if (qc) return qc;
  const types = cert.subject.typesAndValues.map((t) => t.type);
  if (types.some((t) => PERSONAL.has(t))) return "person";
  return types.includes(ORGANIZATION) ? "seal" : "unknown";
}

function qcType(cert: pkijs.Certificate): Holder | undefined {
  const ext = cert.extensions?.find((e) => e.extnID === QC_STATEMENTS);
  if (!ext) return undefined;
  const asn = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  if (!(asn.result instanceof asn1js.Sequence)) return undefined;
  for (const statement of asn.result.valueBlock.value) {
    if (!(statement instanceof asn1js.Sequence)) continue;
    const [id, info] = statement.valueBlock.value;
    if (!(id instanceof asn1js.ObjectIdentifier) || id.getValue() !== QC_TYPE) continue;
    if (!(info instanceof asn1js.Sequence)) continue;
    const oids = info.valueBlock.value.map((v) =>
      v instanceof asn1js.ObjectIdentifier ? v.getValue() : "",
    );
    if (oids.includes(QC_TYPE_ESEAL)) return "seal";
    if (oids.includes(QC_TYPE_ESIGN)) return "person";
  }
  return undefined;
}
