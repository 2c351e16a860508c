import type { Bus } from "@edoc/bus";
import type { SystemAuth } from "@edoc/messages";
import { callArchive } from "../rpc.js";

/**
 * Systems as the archive stores them, cached per gateway for `ttlMs` (a few seconds): with N
 * gateways, a disable, a rotation or a mailbox move takes effect everywhere once the entry
 * expires, with no invalidation messages to lose. Unknown ids are cached the same way, so a
 * flood of made-up ids costs one archive call per id and period.
 */
export class SystemCache {
  private readonly entries = new Map<string, { at: number; value: Promise<SystemAuth | null> }>();

  constructor(
    private readonly bus: Bus,
    private readonly ttlMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(systemId: string): Promise<SystemAuth | null> {
    const hit = this.entries.get(systemId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    if (this.entries.size > 10_000) this.entries.clear();
    const value = callArchive(this.bus, "systems.get", { systemId }).then((r) => r.system);
    // A failed lookup (archive down) is not remembered.
    value.catch(() => this.entries.delete(systemId));
    this.entries.set(systemId, { at: this.now(), value });
    return value;
  }
}
