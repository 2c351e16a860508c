import type { Document, Element, Node } from "@xmldom/xmldom";

const ELEMENT_NODE = 1;

export function isElement(node: Node | null | undefined): node is Element {
  return node?.nodeType === ELEMENT_NODE;
}

export function childElements(parent: Node): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) if (isElement(n)) out.push(n);
  return out;
}

/** Every element in document order (iterative: depth is bounded by parseXml, not the stack). */
export function allElements(doc: Document): Element[] {
  const out: Element[] = [];
  const stack: Node[] = doc.documentElement ? [doc.documentElement] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!isElement(node)) continue;
    out.push(node);
    const kids = childElements(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

/** "edXML/edXMLEnvelope/edXMLBody/Signature", for messages. */
export function pathOf(el: Element): string {
  const parts: string[] = [];
  for (let n: Node | null = el; isElement(n); n = n.parentNode)
    parts.unshift(n.localName ?? n.nodeName);
  return parts.join("/");
}

/** The single child with this local name, undefined when absent or repeated. */
export function onlyChild(parent: Element, localName: string): Element | undefined {
  const found = childElements(parent).filter((e) => e.localName === localName);
  return found.length === 1 ? found[0] : undefined;
}

const COMMENT_NODE = 8;

/** The first comment anywhere in the document, prolog and epilogue included. */
export function firstComment(doc: Document): Node | undefined {
  const stack: Node[] = [doc];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.nodeType === COMMENT_NODE) return node;
    for (let n = node.lastChild; n; n = n.previousSibling) stack.push(n);
  }
  return undefined;
}
