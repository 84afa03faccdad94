import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

// Chart archives as helm writes them (gzipped ustar, a PAX header before a path
// longer than 100 characters), built in memory for tests of what reads them.

const BLOCK = 512

function header(path: string, size: number, type: string): Buffer {
  const block = Buffer.alloc(BLOCK)
  block.write(path.slice(0, 100), 0, 'utf8')
  block.write('0000644\0', 100, 'ascii')
  block.write('0000000\0', 108, 'ascii')
  block.write('0000000\0', 116, 'ascii')
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii')
  block.write('00000000000\0', 136, 'ascii')
  block.write('        ', 148, 'ascii')
  block.write(type, 156, 'ascii')
  block.write('ustar\0', 257, 'ascii')
  block.write('00', 263, 'ascii')
  const sum = block.reduce((n, byte) => n + byte, 0)
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii')
  return block
}

function entry(path: string, data: Buffer, type = '0'): Buffer[] {
  const padding = Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK)
  return [header(path, data.length, type), data, padding]
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  let length = body.length + 1
  while (`${length}${body}`.length !== length) length = `${length}${body}`.length
  return `${length}${body}`
}

/** A tar of `files` (path → content), in order. */
export function tarOf(files: Readonly<Record<string, string | Buffer>>): Buffer {
  const parts: Buffer[] = []
  for (const [path, content] of Object.entries(files)) {
    const data = typeof content === 'string' ? Buffer.from(content) : content
    if (path.length > 100)
      parts.push(...entry('PaxHeaders/long', Buffer.from(paxRecord('path', path)), 'x'))
    parts.push(...entry(path, data))
  }
  parts.push(Buffer.alloc(BLOCK * 2))
  return Buffer.concat(parts)
}

/** A gzipped chart archive: `<name>/Chart.yaml` first, then `files` under `<name>/`. */
export function chartArchive(
  name: string,
  version: string,
  files: Readonly<Record<string, string | Buffer>> = {}
): Buffer {
  const all: Record<string, string | Buffer> = {
    [`${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: ${version}\n`
  }
  for (const [path, content] of Object.entries(files)) all[`${name}/${path}`] = content
  return gzipSync(tarOf(all))
}

/**
 * helm's caches after it pulled `name` `version` (no CRDs): the environment that points
 * helm there, so a test of a remote chart sees what a run sees once helm pulled it.
 */
export function pulledChart(name: string, version: string): Record<string, string> {
  const cache = mkdtempSync(join(tmpdir(), 'helm-cache-'))
  writeFileSync(join(cache, `${name}-${version}.tgz`), chartArchive(name, version))
  return { HELM_REPOSITORY_CACHE: cache, HELM_CONTENT_CACHE: cache }
}
