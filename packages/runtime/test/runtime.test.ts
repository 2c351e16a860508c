import { describe, expect, it } from "vitest";
import { ConfigError, createLogger, envInt, loadHubConfig } from "../src/index.js";

describe("runtime config", () => {
  it("defaults to the local demo servers and reads overrides", () => {
    expect(loadHubConfig({}).busPrefix).toBe("edoc");
    const c = loadHubConfig({ EDOC_DB_NAME: "x", EDOC_DIRECTORY_FILE: "" });
    expect(c.dbName).toBe("x");
    expect(c.directoryFile).toBeUndefined();
  });
  it("refuses a non-integer number with the variable's name", () => {
    expect(envInt("N", 3, {})).toBe(3);
    expect(() => envInt("EDOC_PORT", 3, { EDOC_PORT: "80a" })).toThrow(ConfigError);
    expect(() => envInt("EDOC_PORT", 3, { EDOC_PORT: "80a" })).toThrow(/EDOC_PORT/);
  });
});

describe("createLogger", () => {
  it("censors credential headers of logged requests and responses, and nothing else", () => {
    const lines: string[] = [];
    const log = createLogger("gateway", "info", { write: (s: string) => lines.push(s) });
    log.info(
      {
        req: {
          method: "POST",
          headers: {
            authorization: "Bearer s3cr3t-token",
            cookie: "__Host-edoc_session=abc123",
            "proxy-authorization": "Basic dXNlcjpwYXNz",
            "xroadvnpt-hash-header": "9f86d081884c7d65",
            "xroadvnpt-systemid": "vxp.saas.03",
            accept: "application/json",
          },
        },
        res: { statusCode: 303, headers: { "set-cookie": "__Host-edoc_session=def456" } },
      },
      "request completed",
    );
    const line = lines.join("");
    for (const secret of ["s3cr3t-token", "abc123", "dXNlcjpwYXNz", "9f86d081884c7d65", "def456"]) {
      expect(line).not.toContain(secret);
    }
    const { req, res } = JSON.parse(line) as {
      req: { headers: Record<string, string> };
      res: { headers: Record<string, string> };
    };
    expect(req.headers.authorization).toBe("[redacted]");
    expect(req.headers.cookie).toBe("[redacted]");
    expect(req.headers["xroadvnpt-hash-header"]).toBe("[redacted]");
    expect(res.headers["set-cookie"]).toBe("[redacted]");
    // What an operator needs to read a request stays.
    expect(req.headers["xroadvnpt-systemid"]).toBe("vxp.saas.03");
    expect(req.headers.accept).toBe("application/json");
  });
});
