import { writeFileSync } from "node:fs";
import { EdxmlError } from "@edoc/edxml";
import { importPkcs12, PkiError } from "@edoc/pki";
import { SignatureError, type SigningAlgorithm, signEdxml } from "@edoc/signature";
import { CliError, type Command, parseCommandArgs, UsageError } from "../command.js";
import { readBytes } from "../files.js";

const ALGORITHMS: readonly SigningAlgorithm[] = ["rsa-sha256", "rsa-pss-sha256", "ecdsa-sha256"];

/**
 * `edoc sign`: signs an edXML packet (enveloped XML-DSig in edXMLHeader) and writes it to OUT or
 * stdout. Exit 0 signed, 1 refused (it already carries a Signature: --replace re-signs),
 * 2 unreadable input, keys or options.
 */
export const signCommand: Command = {
  name: "sign",
  usage:
    "sign FILE --key K --cert C [--chain CHAIN.pem] | --p12 F [--password P]  [-o OUT] [--algorithm A] [--replace]",
  help: `Signs an edXML packet (enveloped XML-DSig in edXMLHeader) to OUT or stdout.
--algorithm: rsa-sha256 (default for RSA keys), rsa-pss-sha256, ecdsa-sha256 (default for EC). --password defaults
to changeit. Exit 1 when it already carries a Signature (--replace re-signs).`,
  async run(argv) {
    const args = readArgs(argv);
    const xml = readBytes(args.file, "document");
    const material = keyMaterial(args);
    let signed: string;
    try {
      signed = signEdxml(xml.toString("utf8"), {
        ...material,
        ...(args.algorithm !== undefined ? { algorithm: args.algorithm } : {}),
        replaceExisting: args.replace,
      });
    } catch (err) {
      if (err instanceof EdxmlError) throw new CliError(`${args.file}: ${err.message}`, 2);
      if (err instanceof SignatureError) {
        if (err.code === "SIGNATURE_EXISTS") {
          throw new CliError(
            `${args.file} already carries a Signature; pass --replace to re-sign it [${err.code}]`,
            1,
          );
        }
        throw new CliError(`${err.message} [${err.code}]`, 2);
      }
      throw err;
    }
    if (args.out === undefined) {
      process.stdout.write(signed);
    } else {
      writeFileSync(args.out, signed);
      process.stderr.write(`signed ${args.file} -> ${args.out}\n`);
    }
    return 0;
  },
};

interface Args {
  file: string;
  key?: string;
  cert?: string;
  chain?: string;
  p12?: string;
  password: string;
  out?: string;
  algorithm?: SigningAlgorithm;
  replace: boolean;
}

function readArgs(argv: string[]): Args {
  const { values, positionals } = parseCommandArgs(argv, {
    options: {
      key: { type: "string" },
      cert: { type: "string" },
      chain: { type: "string" },
      p12: { type: "string" },
      password: { type: "string" },
      out: { type: "string", short: "o" },
      algorithm: { type: "string" },
      replace: { type: "boolean" },
    },
    positionals: ["FILE"],
  });
  const file = positionals[0]!;
  const pemPair = values.key !== undefined || values.cert !== undefined;
  if (pemPair === (values.p12 !== undefined) || (pemPair && (!values.key || !values.cert))) {
    throw new UsageError("give either --key and --cert, or --p12");
  }
  const algorithm = values.algorithm;
  if (algorithm !== undefined && !(ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new CliError(`--algorithm must be one of ${ALGORITHMS.join(", ")}`, 2);
  }
  return {
    file,
    password: values.password ?? "changeit",
    replace: values.replace === true,
    ...(values.key !== undefined ? { key: values.key } : {}),
    ...(values.cert !== undefined ? { cert: values.cert } : {}),
    ...(values.chain !== undefined ? { chain: values.chain } : {}),
    ...(values.p12 !== undefined ? { p12: values.p12 } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(algorithm !== undefined ? { algorithm: algorithm as SigningAlgorithm } : {}),
  };
}

function keyMaterial(a: Args): {
  privateKeyPem: string;
  certificatePem: string;
  chainPems: string[];
} {
  if (a.p12 !== undefined) {
    try {
      const p12 = importPkcs12(readBytes(a.p12, "PKCS#12"), a.password);
      return {
        privateKeyPem: p12.privateKeyPem,
        certificatePem: p12.certificatePem,
        chainPems: [...p12.chainPems],
      };
    } catch (err) {
      if (err instanceof PkiError) throw new CliError(`${a.p12}: ${err.message} [${err.code}]`, 2);
      throw err;
    }
  }
  return {
    privateKeyPem: readBytes(a.key ?? "", "private key").toString("utf8"),
    certificatePem: readBytes(a.cert ?? "", "certificate").toString("utf8"),
    chainPems: a.chain === undefined ? [] : [readBytes(a.chain, "chain").toString("utf8")],
  };
}
