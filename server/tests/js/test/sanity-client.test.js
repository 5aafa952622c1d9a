// pixform-server driven by the official, unchanged Sanity clients: `@sanity/client` uploads,
// reads and deletes assets; `@sanity/image-url` builds the CDN URLs whose images are fetched
// and measured. The backends come from the environment (see lib/server.js): SQLite and a
// local folder by default, PostgreSQL and S3 when PIXFORM_TEST_DATABASE_URL and
// PIXFORM_TEST_STORE name them.

import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {createClient} from '@sanity/client'
import {createImageUrlBuilder} from '@sanity/image-url'

import {filesWithSha1, pgDataDump, s3FsFolder} from '../lib/evidence.js'
import {imageSize} from '../lib/image-size.js'
import {backendFromEnv, repoRoot, startServer} from '../lib/server.js'

const backend = backendFromEnv()
const fixture = (name) => readFile(join(repoRoot, 'testdata', 'fixtures', name))
const sha1 = (bytes) => createHash('sha1').update(bytes).digest('hex')
const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/

/** GET a URL; the body as a Buffer beside the response. */
async function get(url, headers = {}) {
  const res = await fetch(url, {headers, signal: AbortSignal.timeout(60_000)})
  return {res, body: Buffer.from(await res.arrayBuffer())}
}

/** The JSON error body every failure carries: {statusCode, error, message}. */
function assertErrorBody(body, status) {
  assert.equal(body.statusCode, status, JSON.stringify(body))
  assert.equal(typeof body.error, 'string', JSON.stringify(body))
  assert.ok(body.error.length > 0, JSON.stringify(body))
  assert.equal(typeof body.message, 'string', JSON.stringify(body))
  assert.ok(body.message.length > 0, JSON.stringify(body))
}

describe(`pixform-server with @sanity/client and @sanity/image-url (${backend.name})`, () => {
  let server
  let client
  let builder
  let png, pngSha1, pngDoc
  let jpeg, jpegSha1, jpegDoc
  let webp, webpDoc
  let text, textSha1, textDoc
  let pngAsFileDoc

  before(async () => {
    server = await startServer({backend})
    client = createClient({
      projectId: server.projectId,
      dataset: 'production',
      apiHost: server.url,
      useProjectHostname: false,
      useCdn: false,
      apiVersion: '2024-06-24',
      token: server.token,
    })
    builder = createImageUrlBuilder({projectId: server.projectId, dataset: 'production', baseUrl: server.url})
    png = await fixture('fig-240x160-rgb.png')
    pngSha1 = sha1(png)
    jpeg = await fixture('fig-96x64-orient6.jpg')
    jpegSha1 = sha1(jpeg)
    webp = await fixture('friends-160x240.webp')
    text = Buffer.from('pixform-server test file\n'.repeat(40))
    textSha1 = sha1(text)
  })

  after(async () => {
    if (server) await server.stop()
  })

  it('uploads an image and answers the document the Assets API lists', async () => {
    pngDoc = await client.assets.upload('image', png, {
      filename: 'fig.png',
      title: 'A figure',
      description: 'Four quadrants',
      label: 'fixtures',
      creditLine: 'pixform tests',
      source: {name: 'fixtures', id: 'fig-240x160', url: 'https://example.com/fig-240x160'},
    })
    const d = pngDoc
    const name = `${pngSha1}-240x160`
    assert.equal(d._id, `image-${name}-png`)
    assert.equal(d._type, 'sanity.imageAsset')
    assert.equal(typeof d._rev, 'string')
    assert.ok(d._rev.length > 0)
    assert.match(d._createdAt, isoTime)
    assert.match(d._updatedAt, isoTime)
    assert.ok(Math.abs(Date.parse(d._createdAt) - Date.now()) < 5 * 60_000, d._createdAt)
    assert.equal(d.assetId, pngSha1)
    assert.equal(d.sha1hash, pngSha1)
    assert.equal(d.extension, 'png')
    assert.equal(d.mimeType, 'image/png')
    assert.equal(d.size, png.length)
    assert.equal(d.originalFilename, 'fig.png')
    assert.equal(d.path, `images/${server.projectId}/production/${name}.png`)
    assert.equal(d.url, `${server.url}/images/${server.projectId}/production/${name}.png`)
    assert.equal(d.title, 'A figure')
    assert.equal(d.description, 'Four quadrants')
    assert.equal(d.label, 'fixtures')
    assert.equal(d.creditLine, 'pixform tests')
    assert.deepEqual(d.source, {name: 'fixtures', id: 'fig-240x160', url: 'https://example.com/fig-240x160'})
    assert.equal(d.metadata._type, 'sanity.imageMetadata')
    assert.deepEqual(d.metadata.dimensions, {_type: 'sanity.imageDimensions', width: 240, height: 160, aspectRatio: 1.5})
    assert.equal(d.metadata.hasAlpha, false)
    assert.equal(d.metadata.isOpaque, true)
    // Default extraction: palette, lqip and blurhash.
    assert.match(d.metadata.lqip, /^data:image\/jpeg;base64,[A-Za-z0-9+/]+=*$/)
    assert.equal(typeof d.metadata.blurHash, 'string')
    assert.ok(d.metadata.blurHash.length >= 6)
    assert.equal(d.metadata.palette._type, 'sanity.imagePalette')
  })

  it('names a JPEG by its EXIF-oriented size', async () => {
    jpegDoc = await client.assets.upload('image', jpeg, {filename: 'orient6.jpg'})
    // Stored 64x96 with orientation 6 (rotate 90° clockwise): 96x64 upright.
    assert.deepEqual(imageSize(jpeg), {format: 'jpeg', width: 64, height: 96})
    assert.equal(jpegDoc._id, `image-${jpegSha1}-96x64-jpg`)
    assert.equal(jpegDoc.mimeType, 'image/jpeg')
    assert.equal(jpegDoc.extension, 'jpg')
    assert.equal(jpegDoc.size, jpeg.length)
    assert.deepEqual(jpegDoc.metadata.dimensions, {_type: 'sanity.imageDimensions', width: 96, height: 64, aspectRatio: 1.5})
    assert.equal(jpegDoc.url, `${server.url}/images/${server.projectId}/production/${jpegSha1}-96x64.jpg`)
  })

  it('extracts only the metadata the upload asks for', async () => {
    webpDoc = await client.assets.upload('image', webp, {filename: 'friends.webp', extract: ['lqip']})
    assert.equal(webpDoc._id, `image-${sha1(webp)}-160x240-webp`)
    assert.equal(webpDoc.mimeType, 'image/webp')
    assert.equal(webpDoc.extension, 'webp')
    assert.deepEqual(webpDoc.metadata.dimensions, {
      _type: 'sanity.imageDimensions',
      width: 160,
      height: 240,
      aspectRatio: 160 / 240,
    })
    assert.equal(typeof webpDoc.metadata.lqip, 'string')
    assert.equal(webpDoc.metadata.palette, undefined)
    assert.equal(webpDoc.metadata.blurHash, undefined)
  })

  it('answers the existing document for the same bytes uploaded again', async () => {
    const again = await client.assets.upload('image', png, {filename: 'other-name.png'})
    assert.deepEqual(again, pngDoc)
  })

  it('getDocument returns the uploaded document', async () => {
    assert.deepEqual(await client.getDocument(pngDoc._id), pngDoc)
    assert.deepEqual(await client.getDocument(jpegDoc._id), jpegDoc)
  })

  it('GET /ready: the configured database and store are reachable', async () => {
    const {res} = await get(`${server.url}/ready`)
    assert.equal(res.status, 200)
  })

  it('keeps rows and bytes in the configured backends', async () => {
    const dbFile = join(server.dataDir, 'pixform.db')
    if (backend.database) {
      assert.ok(!existsSync(dbFile), `${dbFile} exists although --database ${backend.database} was given`)
      const dump = pgDataDump(backend.database)
      assert.ok(dump.includes(pngDoc._id), `the PostgreSQL database holds no row naming ${pngDoc._id}`)
    } else {
      assert.ok(existsSync(dbFile), `${dbFile} missing: expected the embedded SQLite database there`)
    }
    if (backend.store) {
      const folder = s3FsFolder(server.storePrefix)
      if (folder) {
        const hits = await filesWithSha1(folder, pngSha1)
        assert.ok(hits.length > 0, `no object under ${server.storePrefix} (${folder}) holds the uploaded bytes`)
      } else {
        // moto keeps objects in memory: ask the bucket through the server instead.
        const {res} = await get(pngDoc.url)
        assert.equal(res.status, 200)
      }
    } else {
      const hits = await filesWithSha1(join(server.dataDir, 'blobs'), pngSha1)
      assert.ok(hits.length > 0, `no file under ${server.dataDir}/blobs holds the uploaded bytes`)
    }
  })

  it('serves the original bytes at the document URL with CDN headers', async () => {
    const {res, body} = await get(pngDoc.url)
    assert.equal(res.status, 200)
    assert.ok(body.equals(png), 'the original bytes')
    assert.equal(res.headers.get('content-type'), 'image/png')
    assert.equal(res.headers.get('content-length'), String(png.length))
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable')
    assert.equal(res.headers.get('access-control-allow-origin'), '*')
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    assert.ok(!/accept/i.test(res.headers.get('vary') ?? ''), `Vary: ${res.headers.get('vary')}`)
    const etag = res.headers.get('etag')
    assert.match(etag ?? '', /^"[^"]+"$/, 'a strong ETag')
    const cached = await get(pngDoc.url, {'If-None-Match': etag})
    assert.equal(cached.res.status, 304)
    assert.equal(cached.body.length, 0)
  })

  // [description, URL built by @sanity/image-url, Accept, expected format, width, height]
  const transforms = [
    ['width(200)', (b, d) => b.image(d).width(200), undefined, 'png', 200, 133],
    ['height(100).fit(crop)', (b, d) => b.image(d._id).height(100).fit('crop'), undefined, 'png', 150, 100],
    ['width(200).height(100).fit(crop)', (b, d) => b.image(d).width(200).height(100).fit('crop'), undefined, 'png', 200, 100],
    ['width(120).format(webp)', (b, d) => b.image(d).width(120).format('webp'), undefined, 'webp', 120, 80],
    ['auto(format), Accept WebP', (b, d) => b.image(d).auto('format'), 'image/webp,*/*', 'webp', 240, 160],
    ['auto(format), Accept AVIF', (b, d) => b.image(d).auto('format'), 'image/avif,image/webp,*/*', 'avif', 240, 160],
    ['auto(format), Accept */*', (b, d) => b.image(d).auto('format'), '*/*', 'png', 240, 160],
    ['width(200).auto(format), Accept WebP', (b, d) => b.image(d).width(200).auto('format'), 'image/webp', 'webp', 200, 133],
  ]
  for (const [label, build, accept, format, width, height] of transforms) {
    it(`@sanity/image-url ${label} → ${format} ${width}x${height}`, async () => {
      const url = build(builder, pngDoc).url()
      assert.ok(url.startsWith(`${pngDoc.url}?`), url)
      const {res, body} = await get(url, accept ? {Accept: accept} : {})
      assert.equal(res.status, 200, `${url}: ${body.toString('utf8', 0, 300)}`)
      assert.deepEqual(imageSize(body), {format, width, height})
      assert.equal(res.headers.get('content-type'), `image/${format}`)
      assert.equal(res.headers.get('content-length'), String(body.length))
      assert.match(res.headers.get('etag') ?? '', /^"[^"]+"$/)
      const varies = /(^|,)\s*accept\s*(,|$)/i.test(res.headers.get('vary') ?? '')
      assert.equal(varies, url.includes('auto=format'), `Vary: ${res.headers.get('vary')}`)
    })
  }

  it('@sanity/image-url width(48) on the rotated JPEG → jpeg 48x32, upright', async () => {
    const url = builder.image(jpegDoc).width(48).url()
    const {res, body} = await get(url)
    assert.equal(res.status, 200)
    assert.deepEqual(imageSize(body), {format: 'jpeg', width: 48, height: 32})
  })

  it('@sanity/image-url vanityName(…).width(100) → png 100x67', async () => {
    const url = builder.image(pngDoc).vanityName('a-figure.png').width(100).url()
    assert.equal(url, `${pngDoc.url}/a-figure.png?w=100`)
    const {res, body} = await get(url)
    assert.equal(res.status, 200, body.toString('utf8', 0, 300))
    assert.deepEqual(imageSize(body), {format: 'png', width: 100, height: 67})
  })

  it('@sanity/image-url forceDownload(…) → attachment with that file name', async () => {
    const ascii = await get(builder.image(pngDoc).width(100).forceDownload('my figure.png').url())
    assert.equal(ascii.res.status, 200)
    assert.deepEqual(imageSize(ascii.body), {format: 'png', width: 100, height: 67})
    // An ASCII name needs only the quoted form; RFC 6266's filename* carries any other.
    assert.match(ascii.res.headers.get('content-disposition'), /^attachment; filename="my figure\.png"(; filename\*=UTF-8''my%20figure\.png)?$/)
    const utf8 = await get(builder.image(pngDoc).forceDownload('café.png').url())
    assert.equal(utf8.res.status, 200)
    assert.deepEqual(imageSize(utf8.body), {format: 'png', width: 240, height: 160})
    assert.equal(utf8.res.headers.get('content-disposition'), `attachment; filename="caf_.png"; filename*=UTF-8''caf%C3%A9.png`)
  })

  it('@sanity/image-url on a source object with an asset reference', async () => {
    const url = builder.image({asset: {_ref: webpDoc._id}}).width(80).url()
    assert.equal(url, `${webpDoc.url}?w=80`)
    const {res, body} = await get(url)
    assert.equal(res.status, 200)
    assert.deepEqual(imageSize(body), {format: 'webp', width: 80, height: 120})
  })

  it('uploads a file with its declared Content-Type', async () => {
    textDoc = await client.assets.upload('file', text, {filename: 'notes.txt', contentType: 'text/plain', title: 'Notes'})
    const d = textDoc
    assert.equal(d._id, `file-${textSha1}-txt`)
    assert.equal(d._type, 'sanity.fileAsset')
    assert.equal(typeof d._rev, 'string')
    assert.match(d._createdAt, isoTime)
    assert.match(d._updatedAt, isoTime)
    assert.equal(d.assetId, textSha1)
    assert.equal(d.sha1hash, textSha1)
    assert.equal(d.extension, 'txt')
    assert.equal(d.mimeType, 'text/plain')
    assert.equal(d.size, text.length)
    assert.equal(d.originalFilename, 'notes.txt')
    assert.equal(d.title, 'Notes')
    assert.equal(d.path, `files/${server.projectId}/production/${textSha1}.txt`)
    assert.equal(d.url, `${server.url}/files/${server.projectId}/production/${textSha1}.txt`)
    assert.deepEqual(await client.getDocument(d._id), d)
  })

  it('sniffs a file upload without Content-Type from its bytes', async () => {
    pngAsFileDoc = await client.assets.upload('file', png, {filename: 'raw.png'})
    assert.equal(pngAsFileDoc._id, `file-${pngSha1}-png`)
    assert.equal(pngAsFileDoc._type, 'sanity.fileAsset')
    assert.equal(pngAsFileDoc.mimeType, 'image/png')
    assert.equal(pngAsFileDoc.extension, 'png')
    assert.equal(pngAsFileDoc.size, png.length)
  })

  it('serves a file whole and by a single Range', async () => {
    const whole = await get(textDoc.url)
    assert.equal(whole.res.status, 200)
    assert.ok(whole.body.equals(text))
    assert.equal(whole.res.headers.get('content-length'), String(text.length))
    const part = await get(textDoc.url, {Range: 'bytes=5-14'})
    assert.equal(part.res.status, 206)
    assert.equal(part.res.headers.get('content-range'), `bytes 5-14/${text.length}`)
    assert.ok(part.body.equals(text.subarray(5, 15)))
    const past = await get(textDoc.url, {Range: `bytes=${text.length + 10}-`})
    assert.equal(past.res.status, 416)
  })

  it('refuses an upload without a token: 401 with the error body', async () => {
    const anonymous = client.withConfig({token: undefined})
    await assert.rejects(anonymous.assets.upload('image', png, {filename: 'x.png'}), (err) => {
      assert.equal(err.statusCode, 401)
      assertErrorBody(err.response.body, 401)
      return true
    })
  })

  it('refuses an image upload that is not an image', async () => {
    await assert.rejects(client.assets.upload('image', text, {filename: 'notes.png'}), (err) => {
      assert.ok([400, 415].includes(err.statusCode), `status ${err.statusCode}`)
      assertErrorBody(err.response.body, err.statusCode)
      return true
    })
  })

  it('answers 404 with the error body for an image that was never uploaded', async () => {
    const {res, body} = await get(`${server.url}/images/${server.projectId}/production/${'0'.repeat(40)}-240x160.png`)
    assert.equal(res.status, 404)
    assertErrorBody(JSON.parse(body.toString('utf8')), 404)
  })

  it('delete answers, and the asset is gone from the API and the CDN', async () => {
    const transformed = builder.image(pngDoc).width(200).url()
    assert.equal((await get(transformed)).res.status, 200)
    const res = await client.delete(pngDoc._id)
    assert.equal(typeof res.transactionId, 'string')
    assert.ok(res.transactionId.length > 0)
    assert.deepEqual(res.documentIds, [pngDoc._id])
    assert.equal(res.results.length, 1)
    assert.equal(res.results[0].id, pngDoc._id)
    assert.equal(res.results[0].operation, 'delete')
    assert.equal(await client.getDocument(pngDoc._id), undefined)
    assert.equal((await get(pngDoc.url)).res.status, 404)
    assert.equal((await get(transformed)).res.status, 404)
    // Other assets stay, even one made from the same bytes.
    assert.deepEqual(await client.getDocument(pngAsFileDoc._id), pngAsFileDoc)
    const file = await get(pngAsFileDoc.url)
    assert.equal(file.res.status, 200)
    assert.ok(file.body.equals(png))
  })

  it('delete of a file asset: its URL answers 404', async () => {
    await client.delete(textDoc._id)
    assert.equal(await client.getDocument(textDoc._id), undefined)
    assert.equal((await get(textDoc.url)).res.status, 404)
  })
})
