import type { Request, Response } from "express";

/** `__Host-` cookies: Secure, Path=/, no Domain: no other site or subdomain can set them. */
export const SESSION_COOKIE = "__Host-edoc_console";
export const LOGIN_COOKIE = "__Host-edoc_login";
export const FLASH_COOKIE = "__Host-edoc_flash";

export function cookiesOf(req: Request): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.get("cookie") ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    const value = part.slice(i + 1).trim();
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

export function cookie(name: string, value: string, maxAgeSeconds?: number): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict${maxAgeSeconds !== undefined ? `; Max-Age=${maxAgeSeconds}` : ""}`;
}

/** The one-shot message the page after a form's redirect shows. */
export interface Flash {
  kind: "ok" | "error";
  text: string;
}

/**
 * The flash travels in a cookie, not in the session: the redirect's next request may reach
 * another console instance, and a cookie is there before the redirect is. The browser alone
 * can set it (HttpOnly, `__Host-`, SameSite=Strict), and pages escape its text like any other.
 */
export function setFlash(res: Response, flash: Flash): void {
  const value = Buffer.from(
    JSON.stringify({ kind: flash.kind, text: flash.text.slice(0, 1000) }),
  ).toString("base64url");
  res.append("Set-Cookie", cookie(FLASH_COOKIE, value, 120));
}

/** The flash the request carries, if any; cleared so it shows once. */
export function takeFlash(req: Request, res: Response): Flash | undefined {
  const raw = cookiesOf(req).get(FLASH_COOKIE);
  if (!raw) return undefined;
  res.append("Set-Cookie", cookie(FLASH_COOKIE, "", 0));
  try {
    const v = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Partial<Flash>;
    if ((v.kind === "ok" || v.kind === "error") && typeof v.text === "string")
      return { kind: v.kind, text: v.text.slice(0, 1000) };
  } catch {
    // a damaged cookie shows nothing
  }
  return undefined;
}
