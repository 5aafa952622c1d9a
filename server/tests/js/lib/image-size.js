// The format and pixel size of an encoded image, read from its header only, so a test can check
// what the server rendered without an image library. PNG, JPEG, WebP (VP8, VP8L, VP8X), GIF and
// AVIF (the `ispe` property); anything else throws.

/**
 * @param {Buffer} buf
 * @returns {{format: 'png'|'jpeg'|'webp'|'gif'|'avif', width: number, height: number}}
 */
export function imageSize(buf) {
  if (buf.length >= 24 && buf.readUInt32BE(0) === 0x89504e47 && buf.toString('latin1', 12, 16) === 'IHDR') {
    return {format: 'png', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20)}
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) return jpegSize(buf)
  if (buf.length >= 30 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') {
    return webpSize(buf)
  }
  if (buf.length >= 10 && buf.toString('latin1', 0, 4) === 'GIF8') {
    return {format: 'gif', width: buf.readUInt16LE(6), height: buf.readUInt16LE(8)}
  }
  if (buf.length >= 12 && buf.toString('latin1', 4, 8) === 'ftyp' && buf.toString('latin1', 8, 12).startsWith('avi')) {
    return avifSize(buf)
  }
  throw new Error(`not a PNG, JPEG, WebP, GIF or AVIF image (starts ${buf.subarray(0, 12).toString('hex')})`)
}

function jpegSize(buf) {
  let i = 2
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) throw new Error(`JPEG: expected a marker at byte ${i}`)
    const marker = buf[i + 1]
    if (marker === 0xff) {
      i += 1
      continue
    }
    const length = buf.readUInt16BE(i + 2)
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return {format: 'jpeg', height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7)}
    }
    i += 2 + length
  }
  throw new Error('JPEG: no SOF marker')
}

function webpSize(buf) {
  const chunk = buf.toString('latin1', 12, 16)
  if (chunk === 'VP8 ') {
    return {format: 'webp', width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff}
  }
  if (chunk === 'VP8L') {
    const bits = buf.readUInt32LE(21)
    return {format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1}
  }
  if (chunk === 'VP8X') {
    return {format: 'webp', width: buf.readUIntLE(24, 3) + 1, height: buf.readUIntLE(27, 3) + 1}
  }
  throw new Error(`WebP: unknown first chunk ${JSON.stringify(chunk)}`)
}

function avifSize(buf) {
  // `ispe` is a full box: size, type, version+flags, then width and height (32-bit each).
  const at = buf.indexOf('ispe', 0, 'latin1')
  if (at < 4 || at + 16 > buf.length) throw new Error('AVIF: no ispe property')
  return {format: 'avif', width: buf.readUInt32BE(at + 8), height: buf.readUInt32BE(at + 12)}
}
