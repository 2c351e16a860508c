import type { SignedXml } from "xml-crypto";

type Algorithms = SignedXml["CanonicalizationAlgorithms"];

interface LooseAttr {
  name: string;
  prefix: string | null;
  localName: string | null;
  namespaceURI: string | null | undefined;
}

interface LooseNode {
  nodeType: number;
  attributes?: ArrayLike<LooseAttr>;
  firstChild: LooseNode | null;
  nextSibling: LooseNode | null;
}

const ELEMENT_NODE = 1;

/**
 * Field packets carry `xlink:href` without declaring xlink (see @edoc/edxml's parseXml, which
 * admits exactly that prefix). xml-crypto parses the text again on its own, leaves such an
 * attribute with a prefix and no namespace, and its canonicalizers then invent a declaration
 * (`xmlns:xlink="undefined"`) that the signer never had. Each canonicalizer here first makes
 * every unbound prefixed attribute the plain attribute a namespace-unaware signer saw (named
 * `xlink:href`, sorted by that name), so the digest is the one over the bytes as written.
 */
export function tolerantOfStrayPrefixes(algorithms: Algorithms, text: string): Algorithms {
  // parseXml admits no other unbound prefix, and it already read this text.
  if (!text.includes("xlink:")) return algorithms;
  const out: Partial<Algorithms> = {};
  for (const [uri, Base] of Object.entries(algorithms) as [
    keyof Algorithms,
    Algorithms[keyof Algorithms],
  ][]) {
    out[uri] = class extends Base {
      override process(...args: Parameters<InstanceType<typeof Base>["process"]>) {
        unbindStrayPrefixes(args[0] as unknown as LooseNode);
        return super.process(...args);
      }
    };
  }
  return out as Algorithms;
}

/** Iterative walk (depth is bounded by parseXml, which already read the same text). */
function unbindStrayPrefixes(root: LooseNode): void {
  const stack: LooseNode[] = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.nodeType === ELEMENT_NODE && node.attributes) {
      for (let i = 0; i < node.attributes.length; i++) {
        const a = node.attributes[i]!;
        if (a.prefix && a.prefix !== "xmlns" && a.prefix !== "xml" && !a.namespaceURI) {
          a.prefix = null;
          a.localName = a.name;
        }
      }
    }
    for (let c = node.firstChild; c; c = c.nextSibling) stack.push(c);
  }
}
