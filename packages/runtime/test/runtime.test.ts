import { describe, expect, it } from "vitest";
import { ConfigError, envInt, loadHubConfig } from "../src/index.js";

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
