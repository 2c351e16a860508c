import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "mongodb";
import { BACKUP_FORMAT, type BackupManifest, MANIFEST_NAME } from "./manifest.js";
import { takeSnapshot } from "./snapshot.js";
import { writeTar } from "./tar.js";

/**
 * Writes a backup of `db` to `file` (which must not exist): a tar holding `manifest.json`, then
 * one `collections/<name>.jsonl` per collection. The parts are written to a temporary
 * directory first (so each is counted and hashed before the tar is assembled), then removed.
 */
export async function backupDatabase(
  db: Db,
  file: string,
  opts: { tmpDir?: string } = {},
): Promise<BackupManifest> {
  // Claimed first (it must not exist), so a long copy does not end in EEXIST.
  await (await open(file, "wx", 0o600)).close();
  const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), "edoc-backup-"));
  let written = false;
  try {
    const snap = await takeSnapshot(db, dir);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      database: db.databaseName,
      ...(snap.cut ? { cut: snap.cut } : {}),
      parts: snap.parts.map((p) => p.part),
      notes: snap.notes,
    };
    const files = snap.parts.map((p) => ({ name: p.part.name, file: p.file }));
    await writeTar(file, [
      { name: MANIFEST_NAME, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
      ...files,
    ]);
    written = true;
    return manifest;
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (!written) await rm(file, { force: true });
  }
}
