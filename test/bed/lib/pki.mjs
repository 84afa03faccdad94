// Certificates and keys of the test bed, made with the openssl CLI (EC P-256: fast).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'

const MINIMAL_CONFIG = '[req]\ndistinguished_name = dn\n[dn]\n'

function openssl(args, dir) {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString().trim() || err.message}`, {
      cause: err
    })
  }
}

function configFile(dir) {
  const file = join(dir, 'openssl.cnf')
  if (!existsSync(file)) writeFileSync(file, MINIMAL_CONFIG)
  return file
}

function newKey(file, dir) {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file], dir)
  chmodSync(join(dir, file), 0o600)
}

/** A CA in `dir` (ca.crt, ca.key); kept if it exists. Returns the paths. */
export function ensureCa(dir, commonName) {
  mkdirSync(dir, { recursive: true })
  const crt = join(dir, 'ca.crt')
  const key = join(dir, 'ca.key')
  if (!existsSync(crt) || !existsSync(key)) {
    newKey('ca.key', dir)
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-config',
        configFile(dir),
        '-key',
        'ca.key',
        '-subj',
        `/CN=${commonName}`,
        '-days',
        '3650',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
        '-out',
        'ca.crt'
      ],
      dir
    )
  }
  return { crt, key, dir }
}

/**
 * A leaf certificate `<name>.crt` / `<name>.key` signed by `ca`, kept if it exists.
 * `usage`: 'server' (with `sans`, e.g. ['IP:127.0.0.1', 'DNS:localhost']) or 'client'
 * (`subject` carries CN = user and O = groups).
 */
export function ensureLeaf(ca, name, { subject, usage, sans = [] }) {
  const crt = join(ca.dir, `${name}.crt`)
  const key = join(ca.dir, `${name}.key`)
  if (existsSync(crt) && existsSync(key)) return { crt, key }
  newKey(`${name}.key`, ca.dir)
  const ext = [
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext',
    `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`
  ]
  if (sans.length > 0) ext.push('-addext', `subjectAltName=${sans.join(',')}`)
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-config',
      configFile(ca.dir),
      '-key',
      `${name}.key`,
      '-subj',
      subject,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-days',
      '825',
      ...ext,
      '-out',
      `${name}.crt`
    ],
    ca.dir
  )
  return { crt, key }
}

/** A bare key pair (e.g. the service-account signing key): `<name>.key` + `<name>.pub`. */
export function ensureKeyPair(dir, name) {
  mkdirSync(dir, { recursive: true })
  const key = join(dir, `${name}.key`)
  const pub = join(dir, `${name}.pub`)
  if (!existsSync(key) || !existsSync(pub)) {
    newKey(`${name}.key`, dir)
    openssl(['ec', '-in', `${name}.key`, '-pubout', '-out', `${name}.pub`], dir)
  }
  return { key, pub }
}
