import { DirectoryError, type OrganId, parseOrganId } from "@edoc/directory";
import type { Element, Node } from "@xmldom/xmldom";
import type { EdxmlIssue } from "./errors.js";
import { dateProblem, timestampProblem } from "./values.js";

const ELEMENT_NODE = 1;

/** An element with its path from the root (root excluded), as issues name it. */
export interface At {
  el: Element;
  path: string;
}

export interface TextRule {
  required?: boolean;
  /** In characters (code points). */
  maxLength?: number;
}

export function isElement(n: Node): n is Element {
  return n.nodeType === ELEMENT_NODE;
}

/** Every real file spells it "Bussiness"; accept the dictionary spelling too. */
function sameName(actual: string, wanted: string): boolean {
  return actual === wanted || actual === wanted.replace("Bussiness", "Business");
}

export function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let n: Node | null = el.firstChild; n; n = n.nextSibling) if (isElement(n)) out.push(n);
  return out;
}

function join(parent: string, name: string): string {
  return parent === "" ? name : `${parent}/${name}`;
}

/**
 * Reads edXML leniently (by local name, any prefix or namespace, any child order) and collects
 * every problem instead of stopping at the first.
 */
export class Reader {
  readonly issues: EdxmlIssue[] = [];

  issue(path: string, rule: string, message: string): void {
    this.issues.push({ path, rule, message });
  }

  /** All children named `name`, each with an indexed path such as `To[2]`. */
  all(parent: At, name: string): At[] {
    const found = childElements(parent.el).filter((e) => sameName(e.localName ?? "", name));
    return found.map((el, i) => ({ el, path: join(parent.path, `${el.localName}[${i + 1}]`) }));
  }

  /** The single child `name`; a second one is an issue, since readers could disagree on which counts. */
  one(parent: At, name: string, required = false): At | undefined {
    const found = childElements(parent.el).filter((e) => sameName(e.localName ?? "", name));
    const first = found[0];
    if (!first) {
      if (required) this.issue(join(parent.path, name), "required", `${name} is required`);
      return undefined;
    }
    const path = join(parent.path, first.localName ?? name);
    if (found.length > 1) {
      this.issue(path, "duplicate", `${name} must appear once, found ${found.length}`);
    }
    return { el: first, path };
  }

  /** Trimmed text of a child; empty counts as absent. */
  text(parent: At, name: string, rule: TextRule = {}): string | undefined {
    const at = this.one(parent, name, rule.required);
    if (!at) return undefined;
    const value = textOf(at.el);
    if (value === undefined) {
      if (rule.required) this.issue(at.path, "required", `${name} must not be empty`);
      return undefined;
    }
    if (rule.maxLength !== undefined) {
      const length = [...value].length;
      if (length > rule.maxLength) {
        this.issue(
          at.path,
          "max-length",
          `${name} has ${length} characters, at most ${rule.maxLength} allowed`,
        );
      }
    }
    return value;
  }

  /** A `yyyy/MM/dd` date that exists in the calendar. */
  date(parent: At, name: string, required = false): string | undefined {
    const value = this.text(parent, name, { required });
    const problem = value === undefined ? undefined : dateProblem(value);
    if (problem) this.issue(join(parent.path, name), problem.rule, `${name} ${problem.message}`);
    return value;
  }

  /** A `yyyy/MM/dd HH:mm:ss` timestamp. */
  timestamp(parent: At, name: string, required = false): string | undefined {
    const value = this.text(parent, name, { required });
    const problem = value === undefined ? undefined : timestampProblem(value);
    if (problem) this.issue(join(parent.path, name), problem.rule, `${name} ${problem.message}`);
    return value;
  }

  /** A mã định danh checked by the directory's rules. */
  organId(parent: At, name = "OrganId", required = true): OrganId | undefined {
    const value = this.text(parent, name, { required });
    return value === undefined ? undefined : this.organIdValue(value, join(parent.path, name));
  }

  organIdValue(value: string, path: string): OrganId | undefined {
    try {
      return parseOrganId(value, "OrganId");
    } catch (err) {
      if (err instanceof DirectoryError && err.code === "ORGAN_ID_MALFORMED") {
        this.issue(path, "organ-id", err.message);
        return undefined;
      }
      throw err;
    }
  }
}

export function textOf(el: Element): string | undefined {
  const value = (el.textContent ?? "").trim();
  return value === "" ? undefined : value;
}
