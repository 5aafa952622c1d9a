// Proof that a server really keeps its rows and blobs where it was told to, read from the
// backends themselves rather than from the server's answers.

import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readdir, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'

/** Every regular file under `dir` (none when it does not exist). */
export async function filesUnder(dir) {
  if (!existsSync(dir)) return []
  const out = []
  for (const entry of await readdir(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) out.push(join(entry.parentPath ?? entry.path, entry.name))
  }
  return out
}

/** The files under `dir` whose bytes have this SHA-1. */
export async function filesWithSha1(dir, sha1) {
  const hits = []
  for (const file of await filesUnder(dir)) {
    const {size} = await stat(file)
    if (size > 256 * 1024 * 1024) continue
    if (createHash('sha1').update(await readFile(file)).digest('hex') === sha1) hits.push(file)
  }
  return hits
}

/**
 * The folder where an s3s-fs server keeps the objects under `s3://bucket/prefix`, when the
 * services script said where its root is (`PIXFORM_TEST_S3_FS_ROOT`); else undefined.
 */
export function s3FsFolder(storeUrl, env = process.env) {
  if (!env.PIXFORM_TEST_S3_FS_ROOT || !storeUrl) return undefined
  const rest = storeUrl.replace(/^s3:\/\//, '')
  return join(env.PIXFORM_TEST_S3_FS_ROOT, ...rest.split('/').filter(Boolean))
}

/** A `pg_dump` client: on PATH, in PIXFORM_PG_BIN, or Debian's PostgreSQL 15. */
export function pgDump(env = process.env) {
  const candidates = [env.PIXFORM_PG_BIN && join(env.PIXFORM_PG_BIN, 'pg_dump'), '/usr/lib/postgresql/15/bin/pg_dump']
  for (const c of candidates) if (c && existsSync(c)) return c
  try {
    return execFileSync('sh', ['-c', 'command -v pg_dump'], {encoding: 'utf8'}).trim() || undefined
  } catch {
    return undefined
  }
}

/** The data rows of a PostgreSQL database as SQL text (schema-agnostic: any table, any column). */
export function pgDataDump(databaseUrl, env = process.env) {
  const bin = pgDump(env)
  if (!bin) throw new Error('pg_dump not found: install postgresql-client-15 or set PIXFORM_PG_BIN')
  return execFileSync(bin, ['--data-only', '--no-owner', '--dbname', databaseUrl], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  })
}
