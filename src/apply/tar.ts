// Pure: the regular files of a tar archive (ustar, with PAX and GNU long names), as
// helm writes chart archives. Enough to tell what a chart holds without unpacking it.

export interface TarFile {
  readonly path: string
  readonly data: Buffer
}

const BLOCK = 512

/**
 * The regular files in order. A cut archive (the first bytes of a bigger one) ends at
 * its last whole file, so a caller can read the head of an archive only.
 */
export function* tarFiles(tar: Buffer): Generator<TarFile> {
  let offset = 0
  let longPath: string | undefined
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK)
    if (header.every((byte) => byte === 0)) return
    const size = sizeOf(header)
    const start = offset + BLOCK
    const end = start + size
    if (end > tar.length) return
    const data = tar.subarray(start, end)
    const type = String.fromCharCode(header[156] ?? 0)
    offset = start + Math.ceil(size / BLOCK) * BLOCK
    if (type === 'x') {
      longPath = paxPath(data) ?? longPath
      continue
    }
    if (type === 'L') {
      longPath = text(data, 0, data.length)
      continue
    }
    const path = longPath ?? headerPath(header)
    longPath = undefined
    if (type === '0' || type === '\0') yield { path, data }
  }
}

function text(buffer: Buffer, from: number, to: number): string {
  const slice = buffer.subarray(from, to)
  const nul = slice.indexOf(0)
  return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8')
}

/** ustar keeps a long path as a prefix and a name. */
function headerPath(header: Buffer): string {
  const name = text(header, 0, 100)
  const ustar = text(header, 257, 262) === 'ustar'
  const prefix = ustar ? text(header, 345, 500) : ''
  return prefix ? `${prefix}/${name}` : name
}

/** Octal, or base-256 when the first byte's high bit is set (files of 8 GiB and more). */
function sizeOf(header: Buffer): number {
  const field = header.subarray(124, 136)
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let size = 0
    for (const byte of field.subarray(1)) size = size * 256 + byte
    return size
  }
  return parseInt(text(field, 0, field.length).trim() || '0', 8)
}

/** A PAX header's `path` record: `<length> path=<value>\n`. */
function paxPath(data: Buffer): string | undefined {
  let offset = 0
  let path: string | undefined
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset)
    if (space === -1) break
    const length = parseInt(data.subarray(offset, space).toString('ascii'), 10)
    if (!Number.isFinite(length) || length <= 0) break
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8')
    if (record.startsWith('path=')) path = record.slice('path='.length)
    offset += length
  }
  return path
}
