import { writeFileSync } from "node:fs";
import { parseOrganId } from "@edoc/directory";
import { buildLetter } from "@edoc/edxml";
import { edxmlDate, edxmlTimestamp } from "@edoc/vntime";
import { type Command, parseCommandArgs, UsageError } from "../command.js";

/**
 * Writes an unsigned, valid edXML letter for demos and tests (new letter, one small text
 * attachment). Real letters come from the agencies' document systems.
 */
export const demoLetterCommand: Command = {
  name: "demo-letter",
  usage:
    "demo-letter --from ORGANID --to ORGANID [--to …] [--subject S] [--number N] [--priority P] [-o FILE]",
  help: `Writes an unsigned, valid edXML letter for demos and tests to FILE or stdout. Its
PromulgationDate, DocumentId date and TraceHeader time are Vietnam time (UTC+07:00), as agency
systems read zone-less edXML times.`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      options: {
        from: { type: "string" },
        to: { type: "string", multiple: true },
        subject: { type: "string" },
        number: { type: "string" },
        priority: { type: "string" },
        output: { type: "string", short: "o" },
      },
    });
    if (!values.from) throw new UsageError("missing --from ORGANID");
    if (!values.to?.length) throw new UsageError("missing --to ORGANID (at least one)");
    const from = parseOrganId(values.from, "--from");
    const now = new Date();
    // edXML dates carry no zone: Vietnam time, as every agency system reads them.
    const date = edxmlDate(now);
    const number = values.number ?? String(now.getTime() % 100000);
    const attachment = Buffer.from("Nội dung văn bản mẫu (demo).\n", "utf8");
    const xml = buildLetter({
      header: {
        from: { organId: from, organName: "Cơ quan gửi" },
        to: values.to.map((t, i) => ({ organId: parseOrganId(t, `--to[${i}]`) })),
        documentId: `${from},${date},${number}/DEMO`,
        code: { number, notation: "DEMO" },
        promulgation: { place: "Tuy Hòa", date },
        subject: values.subject ?? "V/v thử nghiệm liên thông văn bản điện tử",
        toPlaces: [],
        responseFor: [],
        ...(values.priority
          ? { otherInfo: { priority: Number(values.priority) as 0, appendixes: [] } }
          : {}),
      },
      traces: [{ organId: from, timestamp: edxmlTimestamp(now) }],
      business: { docType: "new", paper: false },
      manifest: [{ contentId: "1", contentType: "text/plain", attachmentName: "noi-dung.txt" }],
      attachments: [
        {
          contentId: "1",
          contentType: "text/plain",
          name: "noi-dung.txt",
          encoded: attachment.toString("base64"),
          size: attachment.length,
        },
      ],
    });
    if (values.output) writeFileSync(values.output, xml);
    else process.stdout.write(xml);
    return 0;
  },
};
