// Runs the real pixform-server binary for a test file: a free loopback port, a temporary data
// folder, an administrator token and a project of the test's own, and — when the environment
// names them — PostgreSQL and an S3 bucket instead of SQLite and the local folder.

import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/** The repository root (this file is server/tests/js/lib/server.js). */
export const repoRoot = resolve(here, '../../../..')

/** The server binary: `PIXFORM_SERVER_BIN`, else the workspace's debug build. */
export function serverBinary() {
  if (process.env.PIXFORM_SERVER_BIN) return resolve(process.env.PIXFORM_SERVER_BIN)
  const target = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(repoRoot, 'target')
  return join(target, 'debug', 'pixform-server')
}

/**
 * The backends the environment asks for. `PIXFORM_TEST_DATABASE_URL` (postgres://…) and
 * `PIXFORM_TEST_STORE` (s3://bucket/prefix, with the AWS_* variables) switch from SQLite and the
 * local folder; `PIXFORM_TEST_REQUIRE_EXTERNAL=1` makes their absence an error, so that a run
 * meant for PostgreSQL + S3 cannot quietly test SQLite instead.
 */
export function backendFromEnv(env = process.env) {
  const database = env.PIXFORM_TEST_DATABASE_URL || undefined
  const store = env.PIXFORM_TEST_STORE || undefined
  if (env.PIXFORM_TEST_REQUIRE_EXTERNAL === '1' && !(database && store)) {
    throw new Error(
      'PIXFORM_TEST_REQUIRE_EXTERNAL=1 but PIXFORM_TEST_DATABASE_URL and PIXFORM_TEST_STORE are not both set ' +
        `(database: ${database ?? 'unset'}, store: ${store ?? 'unset'})`,
    )
  }
  if (database && !/^postgres(ql)?:\/\//.test(database)) {
    throw new Error(`PIXFORM_TEST_DATABASE_URL=${database}: expected a postgres:// URL`)
  }
  if (store && !store.startsWith('s3://')) {
    throw new Error(`PIXFORM_TEST_STORE=${store}: expected s3://bucket/prefix`)
  }
  const name = `${database ? 'postgres' : 'sqlite'}+${store ? 's3' : 'local'}`
  return {name, database, store}
}

async function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address()
      srv.close(() => res(port))
    })
  })
}

/**
 * Starts the server and waits for `GET /health` to answer 200.
 * @returns {Promise<{url: string, port: number, token: string, projectId: string,
 *   dataDir: string, storePrefix: string|undefined, backend: object, output: () => string,
 *   stop: () => Promise<void>}>}
 */
export async function startServer({backend = backendFromEnv(), extraArgs = []} = {}) {
  const bin = serverBinary()
  if (!existsSync(bin)) {
    throw new Error(`${bin} does not exist: build it (cargo build -p pixform-server) or set PIXFORM_SERVER_BIN`)
  }
  const run = randomBytes(4).toString('hex')
  // A project and a store prefix of this run's own: the PostgreSQL database and the bucket are
  // shared with other suites and earlier runs, and uploads of the same bytes deduplicate.
  const projectId = `js${run.slice(0, 6)}`
  const token = `pixform-test-admin-${randomBytes(16).toString('hex')}`
  const storePrefix = backend.store ? `${backend.store.replace(/\/+$/, '')}/js-${run}` : undefined
  const dataDir = await mkdtemp(join(tmpdir(), 'pixform-js-'))

  let lastError
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const args = ['--listen', `127.0.0.1:${port}`, '--data', dataDir, '--admin-token', token, '--init-project', projectId]
    if (backend.database) args.push('--database', backend.database)
    if (storePrefix) args.push('--store', storePrefix)
    args.push(...extraArgs)
    const child = spawn(bin, args, {stdio: ['ignore', 'pipe', 'pipe'], env: childEnv()})
    let output = ''
    const keep = (chunk) => {
      output += chunk
      if (output.length > 200_000) output = output.slice(-100_000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    let exited = null
    const exit = new Promise((res) => child.on('exit', (code, signal) => res((exited = {code, signal}))))
    const url = `http://127.0.0.1:${port}`
    const ready = await waitHealthy(url, () => exited, 60_000)
    if (ready === true) {
      return {
        url,
        port,
        token,
        projectId,
        dataDir,
        storePrefix,
        backend,
        output: () => output,
        async stop() {
          if (!exited) {
            child.kill('SIGTERM')
            const done = await Promise.race([exit, sleep(15_000, null, {ref: false})])
            if (!done) {
              child.kill('SIGKILL')
              await exit
            }
          }
          await rm(dataDir, {recursive: true, force: true})
        },
      }
    }
    if (!exited) {
      child.kill('SIGKILL')
      await exit
    }
    lastError = new Error(
      `pixform-server ${args.join(' ')} did not become healthy (${ready}); exit ${JSON.stringify(exited)}; output:\n${output}`,
    )
    // Only a lost race for the port is worth another try.
    if (!/address (already )?in use/i.test(output)) break
  }
  await rm(dataDir, {recursive: true, force: true})
  throw lastError
}

// The flags above decide; a PIXFORM_<FLAG> twin left in the caller's environment must not.
function childEnv() {
  const env = {...process.env}
  for (const key of ['PIXFORM_DATABASE', 'PIXFORM_STORE', 'PIXFORM_ADMIN_TOKEN', 'PIXFORM_INIT_PROJECT',
    'PIXFORM_LISTEN', 'PIXFORM_DATA', 'PIXFORM_PUBLIC_URL']) {
    delete env[key]
  }
  return env
}

async function waitHealthy(url, exited, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer'
  while (Date.now() < deadline) {
    if (exited()) return 'the process exited'
    try {
      const res = await fetch(`${url}/health`, {signal: AbortSignal.timeout(2_000)})
      await res.arrayBuffer()
      if (res.status === 200) return true
      last = `GET /health answered ${res.status}`
    } catch (err) {
      last = err.cause?.code ?? err.message
    }
    await sleep(100)
  }
  return `timed out after ${timeoutMs} ms: ${last}`
}
