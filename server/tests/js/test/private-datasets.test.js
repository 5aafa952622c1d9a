// A private dataset with the official, unchanged clients: `@sanity/client` creates the dataset
// and uploads into it, the server makes a signing key, and `@sanity/image-url/signed` (which
// signs with `@sanity/signed-urls`) builds the URLs. Unsigned → 403, signed → 200 with the
// uploaded bytes, and the same signed URL → 403 once its expiry has passed. The backends come
// from the environment (see lib/server.js).

import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, before, describe, it} from 'node:test'

import {createClient} from '@sanity/client'
import {createImageUrlBuilder} from '@sanity/image-url/signed'

import {backendFromEnv, repoRoot, startServer} from '../lib/server.js'

const backend = backendFromEnv()

async function get(url) {
  const res = await fetch(url, {signal: AbortSignal.timeout(60_000)})
  return {res, body: Buffer.from(await res.arrayBuffer())}
}

describe(`Private datasets with @sanity/client and signed image URLs (${backend.name})`, () => {
  let server
  let client
  let key
  let png
  let doc

  before(async () => {
    server = await startServer({backend})
    const admin = createClient({
      projectId: server.projectId,
      dataset: 'production',
      apiHost: server.url,
      useProjectHostname: false,
      useCdn: false,
      apiVersion: '2024-06-24',
      token: server.token,
    })
    await admin.datasets.create('vault', {aclMode: 'private'})
    client = admin.withConfig({dataset: 'vault'})
    const res = await fetch(`${server.url}/v2021-06-07/projects/${server.projectId}/signing-keys`, {
      method: 'POST',
      headers: {authorization: `Bearer ${server.token}`},
    })
    assert.equal(res.status, 201)
    key = await res.json()
    assert.deepEqual(Object.keys(key).sort(), ['createdAt', 'keyId', 'privateKey', 'publicKey'])
    png = await readFile(join(repoRoot, 'testdata', 'two-colour-48x32.png'))
    doc = await client.assets.upload('image', png, {filename: 'secret.png'})
  })

  after(async () => {
    if (server) await server.stop()
  })

  it('answers 403 unsigned, 200 signed, 403 after the expiry', async () => {
    assert.equal(doc.url.startsWith(`${server.url}/images/${server.projectId}/vault/`), true, doc.url)
    const unsigned = await get(doc.url)
    assert.equal(unsigned.res.status, 403)
    const body = JSON.parse(unsigned.body.toString('utf8'))
    assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'statusCode'])
    assert.equal(body.statusCode, 403)
    assert.equal(body.error, 'Forbidden')
    assert.match(body.message, /is private: it needs a viewer token of the project or a signed URL/)

    const builder = createImageUrlBuilder({
      projectId: server.projectId,
      dataset: 'vault',
      baseUrl: server.url,
    }).signingKey(key.keyId, key.privateKey)
    // Whole seconds: the client writes the expiry without milliseconds.
    const expiry = new Date((Math.floor(Date.now() / 1000) + 4) * 1000)
    const signed = builder.image(doc._id).expiry(expiry).signedUrl()
    assert.match(signed, /[?&]keyid=[^&]+&expiry=[^&]+&signature=[^&]+$/)
    const ok = await get(signed)
    assert.equal(ok.res.status, 200)
    assert.deepEqual(ok.body, png)
    assert.match(ok.res.headers.get('cache-control'), /^private, max-age=[0-4]$/)
    assert.equal(ok.res.headers.get('access-control-allow-origin'), null)

    // A transform signed the same way renders; changing it afterwards breaks the signature.
    const resized = builder.image(doc._id).width(12).format('png').expiry(expiry).signedUrl()
    const small = await get(resized)
    assert.equal(small.res.status, 200)
    assert.equal(small.body.readUInt32BE(16), 12)
    const tampered = await get(resized.replace('w=12', 'w=13'))
    assert.equal(tampered.res.status, 403)
    assert.match(JSON.parse(tampered.body.toString('utf8')).message, /bad signature/)

    await sleep(Math.max(0, expiry.getTime() - Date.now()) + 200)
    const late = await get(signed)
    assert.equal(late.res.status, 403)
    assert.match(JSON.parse(late.body.toString('utf8')).message, /^Signed URL expired at /)
  })
})
