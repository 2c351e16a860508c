import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DevPkiState, issueTsaCertificate } from "@edoc/pki";
import { TIMESTAMP_QUERY, timestampRequest, tokenFromResponse } from "@edoc/timestamp";

/**
 * A real RFC 3161 TSA for tests: `openssl ts -reply` behind a minimal HTTP front. Each POSTed
 * TimeStampReq goes to openssl as a file and openssl's DER TimeStampResp is the answer. Its
 * certificate is issued by the dev PKI given to init (EKU timeStamping).
 */
export class OpensslTsa {
  private server: Server | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), "edoc-tsa-"));
  port = 0;
  certificatePem = "";
  /** Requests answered so far. */
  answered = 0;

  /** Issues the TSA certificate from `pki`; returns the PKI's new state. */
  async init(pki: DevPkiState): Promise<DevPkiState> {
    const issued = await issueTsaCertificate(pki, { name: "TSA thử nghiệm" });
    this.certificatePem = issued.certificatePem;
    writeFileSync(join(this.dir, "key.pem"), issued.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(this.dir, "cert.pem"), issued.certificatePem);
    // The issuing CA travels in each token (-chain), as a public TSA's would.
    writeFileSync(join(this.dir, "chain.pem"), pki.issuing.certificatePem);
    writeFileSync(join(this.dir, "serial"), "01\n");
    writeFileSync(
      join(this.dir, "tsa.cnf"),
      [
        "[ tsa ]",
        "default_tsa = tsa_config",
        "[ tsa_config ]",
        `serial = ${join(this.dir, "serial")}`,
        "crypto_device = builtin",
        "signer_digest = sha256",
        "default_policy = 1.3.6.1.4.1.57264.2.1",
        "digests = sha256",
        "accuracy = secs:1",
        "ordering = yes",
        "tsa_name = yes",
        "ess_cert_id_chain = no",
        "ess_cert_id_alg = sha256",
        "",
      ].join("\n"),
    );
    return issued.state;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/tsa`;
  }

  /** Listens on `port` (0: any free one; a fixed one to come back up where the hub expects it). */
  start(port = 0): Promise<void> {
    let n = 0;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const id = ++n;
        const query = join(this.dir, `q${id}.tsq`);
        const reply = join(this.dir, `r${id}.tsr`);
        writeFileSync(query, Buffer.concat(chunks));
        const args = ["ts", "-reply", "-config", join(this.dir, "tsa.cnf"), "-queryfile", query];
        args.push("-inkey", join(this.dir, "key.pem"), "-signer", join(this.dir, "cert.pem"));
        args.push("-chain", join(this.dir, "chain.pem"));
        execFile("openssl", [...args, "-out", reply], (err, _out, stderr) => {
          if (err) {
            res.writeHead(500).end(stderr);
            return;
          }
          this.answered++;
          res.writeHead(200, { "content-type": "application/timestamp-reply" });
          res.end(readFileSync(reply));
        });
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** A TimeStampToken (DER) over `data` from this TSA, as the hub asks for one. */
  async stamp(data: Uint8Array): Promise<Uint8Array> {
    const req = timestampRequest(data);
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": TIMESTAMP_QUERY },
      body: req.der,
    });
    if (res.status !== 200) throw new Error(`TSA answered ${res.status}: ${await res.text()}`);
    return tokenFromResponse(new Uint8Array(await res.arrayBuffer()), req);
  }

  /** Stops answering (the TSA is down); start(this.port) brings it back. */
  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
