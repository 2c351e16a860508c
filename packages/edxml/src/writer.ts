import { findNonXmlChar } from "./chars.js";
import { EdxmlError, type EdxmlIssue } from "./errors.js";

/** A node of the document being built; `undefined` children are skipped. */
export interface XmlNode {
  name: string;
  /** 1-based position among repeated siblings, used only in issue paths (`To[2]`). */
  index?: number;
  attrs?: [string, string][];
  text?: string;
  children?: (XmlNode | undefined)[];
}

/** A leaf; empty or absent values produce no element (the parser reads empty as absent). */
export function leaf(
  name: string,
  value: string | number | undefined,
  verbatim = false,
): XmlNode | undefined {
  if (value === undefined) return undefined;
  const text = verbatim ? String(value) : String(value).trim();
  return text === "" ? undefined : { name, text };
}

export function el(name: string, ...children: (XmlNode | undefined)[]): XmlNode {
  return { name, children };
}

export function indexed(node: XmlNode, index: number): XmlNode {
  return { ...node, index };
}

const INDENT = "  ";

/**
 * Serialises with one prefix bound once on the root, two-space indentation and LF line ends, so
 * the same value always yields the same bytes.
 */
export function serialize(root: XmlNode, prefix: string, namespace: string): string {
  const issues: EdxmlIssue[] = [];
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const write = (node: XmlNode, depth: number, path: string, isRoot: boolean): void => {
    const tag = `${prefix}:${node.name}`;
    const attrs: [string, string][] = isRoot
      ? [[`xmlns:${prefix}`, namespace], ...(node.attrs ?? [])]
      : (node.attrs ?? []);
    const open = `${INDENT.repeat(depth)}<${tag}${attrs.map(([k, v]) => ` ${k}="${escapeXml(v, true)}"`).join("")}`;
    if (node.text !== undefined) {
      const bad = findNonXmlChar(node.text);
      if (bad)
        issues.push({
          path,
          rule: "xml-char",
          message: `character ${bad.char} cannot be carried in XML`,
        });
      out.push(`${open}>${escapeXml(node.text, false)}</${tag}>`);
      return;
    }
    const children = (node.children ?? []).filter((c): c is XmlNode => c !== undefined);
    if (children.length === 0) {
      out.push(`${open}/>`);
      return;
    }
    out.push(`${open}>`);
    for (const child of children) {
      const name = child.index === undefined ? child.name : `${child.name}[${child.index}]`;
      write(child, depth + 1, path === "" ? name : `${path}/${name}`, false);
    }
    out.push(`${INDENT.repeat(depth)}</${tag}>`);
  };
  write(root, 0, "", true);
  if (issues.length > 0) throw EdxmlError.invalid(issues);
  return `${out.join("\n")}\n`;
}

function escapeXml(text: string, attribute: boolean): string {
  let s = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  // A raw CR would be folded into LF by the reader; keep it as a reference so it survives.
  s = s.replace(/\r/g, "&#13;");
  if (attribute) s = s.replace(/"/g, "&quot;").replace(/\t/g, "&#9;").replace(/\n/g, "&#10;");
  return s;
}
