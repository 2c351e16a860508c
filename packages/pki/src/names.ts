import { PkiError } from "./errors.js";

/**
 * @peculiar/x509 reads backslashes, double quotes and a leading '#' in name values as escapes
 * (a quoted value silently loses text), so those characters are refused rather than mangled.
 */
export function nameValue(raw: string, field: string): string {
  const value = raw.trim();
  if (value === "") throw new PkiError("NAME_INVALID", `${field} is empty`);
  if (/["\\]|^#|\p{Cc}/u.test(value)) {
    throw new PkiError(
      "NAME_INVALID",
      `${field} ${JSON.stringify(value)} contains a quote, backslash, control character or leading '#'`,
    );
  }
  return value;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS_NAME =
  /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Classifies a --host value for the SubjectAltName: an IP address or a DNS name. */
export function hostName(raw: string): { type: "ip" | "dns"; value: string } {
  const value = raw.trim();
  if (IPV4.test(value)) return { type: "ip", value };
  // IPv6 literals are hex groups and colons (optionally bracketed as in URLs).
  const v6 = value.replace(/^\[(.*)\]$/, "$1");
  if (v6.includes(":") && /^[0-9a-f:.]+$/i.test(v6)) return { type: "ip", value: v6 };
  if (DNS_NAME.test(value) && value.length <= 253)
    return { type: "dns", value: value.toLowerCase() };
  throw new PkiError(
    "NAME_INVALID",
    `host ${JSON.stringify(raw)} is neither an IP address nor a DNS name`,
  );
}
