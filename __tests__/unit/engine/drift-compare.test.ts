import { describe, expect, it } from 'vitest'
import { secretDigest } from '../../../src/render/redact.ts'
import {
  compareObject,
  ignoredPaths,
  manifestObjects,
  type JsonObject
} from '../../../src/engine/drift-compare.ts'

const MANIFEST = `---
# Source: web/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  color: blue
  size: "3"
---
# Source: web/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: other
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: nginx:1
          ports:
            - containerPort: 80
---
`

describe('manifestObjects', () => {
  it('reads every object of helm get manifest, with its namespace when the manifest names one', () => {
    const objects = manifestObjects(MANIFEST)
    expect(objects.map((o) => [o.apiVersion, o.kind, o.name, o.namespace])).toEqual([
      ['v1', 'ConfigMap', 'web', undefined],
      ['apps/v1', 'Deployment', 'web', 'other']
    ])
  })

  it('unwraps a List and skips empty documents', () => {
    const objects = manifestObjects(
      '---\n\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n    metadata: { name: a }\n'
    )
    expect(objects.map((o) => `${o.kind}/${o.name}`)).toEqual(['Service/a'])
  })
})

describe('compareObject: only what the manifest sets counts', () => {
  const [cm, deploy] = manifestObjects(MANIFEST)
  const liveDeploy: JsonObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'other', uid: 'x', annotations: { a: 'b' } },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate' },
      template: {
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1',
              imagePullPolicy: 'IfNotPresent',
              ports: [{ containerPort: 80, protocol: 'TCP' }]
            }
          ]
        }
      }
    },
    status: { replicas: 0 }
  }

  it('fields the API server defaults (inside lists too) and the status are not drift', () => {
    expect(compareObject(deploy!, liveDeploy, [])).toEqual([])
  })

  it('a field edited by hand is drift, with the value each side holds', () => {
    const live = { ...liveDeploy, spec: { ...(liveDeploy.spec as JsonObject), replicas: 5 } }
    expect(compareObject(deploy!, live, [])).toEqual([
      { path: '/spec/replicas', want: '2', have: '5' }
    ])
  })

  it('an ignored pointer (and what is under it) is not drift', () => {
    const live = { ...liveDeploy, spec: { ...(liveDeploy.spec as JsonObject), replicas: 5 } }
    expect(compareObject(deploy!, live, ['/spec/replicas'])).toEqual([])
    expect(compareObject(deploy!, live, ['/spec'])).toEqual([])
  })

  it('a removed key and a list of another length are drift', () => {
    const live: JsonObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web' },
      data: { color: 'blue' }
    }
    expect(compareObject(cm!, live, [])).toEqual([
      { path: '/data/size', want: '3', have: undefined }
    ])
    const containers = {
      ...liveDeploy,
      spec: { template: { spec: { containers: [] } }, replicas: 2 }
    }
    expect(compareObject(deploy!, containers, [])).toEqual([
      {
        path: '/spec/template/spec/containers',
        want: '[{"name":"web","image":"nginx:1","ports":[{"containerPort":80}]}]',
        have: '[]'
      }
    ])
  })

  // [case, manifest spec, live spec, drifted paths]
  const zeroValues: [string, JsonObject, JsonObject, string[]][] = [
    ['minReadySeconds: 0, live absent', { minReadySeconds: 0 }, {}, []],
    ['publishNotReadyAddresses: false, live absent', { publishNotReadyAddresses: false }, {}, []],
    ['an empty string, live absent', { loadBalancerIP: '' }, {}, []],
    ['an empty list, live absent', { ports: [] }, {}, []],
    [
      'an object of zero values, live absent',
      { probe: { initialDelaySeconds: 0, failureThreshold: 0 } },
      {},
      []
    ],
    ['a zero value, live null', { minReadySeconds: 0 }, { minReadySeconds: null }, []],
    [
      'a zero value, live set otherwise (by hand)',
      { minReadySeconds: 0 },
      { minReadySeconds: 5 },
      ['/spec/minReadySeconds']
    ],
    ['false, live true', { paused: false }, { paused: true }, ['/spec/paused']],
    ['a non-zero value, live absent', { minReadySeconds: 3 }, {}, ['/spec/minReadySeconds']],
    [
      'an object with one non-zero value, live absent',
      { probe: { initialDelaySeconds: 0, periodSeconds: 10 } },
      {},
      ['/spec/probe']
    ],
    ['a list holding a zero, live absent', { args: [0] }, {}, ['/spec/args']]
  ]
  it.each(zeroValues)('zero values the API server does not store: %s', (_, want, have, paths) => {
    const desired = {
      apiVersion: 'v1',
      kind: 'Service',
      name: 's',
      namespace: undefined,
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: want }
    }
    const live: JsonObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: have
    }
    expect(compareObject(desired, live, []).map((f) => f.path)).toEqual(paths)
  })

  it("Secret values show as the preview's keyed digests only, stringData compared as the data it becomes", () => {
    const [secret] = manifestObjects(
      'apiVersion: v1\nkind: Secret\nmetadata: { name: s }\nstringData:\n  password: hunter2\n'
    )
    const live = (password: string): JsonObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { password: Buffer.from(password).toString('base64') }
    })
    expect(compareObject(secret!, live('hunter2'), [])).toEqual([])
    const fields = compareObject(secret!, live('changed'), [])
    expect(fields).toEqual([
      {
        path: '/data/password',
        want: secretDigest(Buffer.from('hunter2').toString('base64')),
        have: secretDigest(Buffer.from('changed').toString('base64'))
      }
    ])
    expect(JSON.stringify(fields)).not.toMatch(/hunter2|changed|aHVudGVyMg|sha256:/)
    expect(fields[0]!.want).toMatch(/^<secret hmac:[0-9a-f]{12}>$/)
  })

  // [case, wanted, live, what the test calls a secret, shown as digests]
  const secretFields: [string, string, string, (t: string) => boolean, boolean][] = [
    ['neither side holds a secret', 'blue', 'red', () => false, false],
    ['the wanted value holds one', 'pw=s3cret', 'red', (t) => t.includes('s3cret'), true],
    [
      'the live value holds one (set by hand)',
      'blue',
      'x s3cret y',
      (t) => t.includes('s3cret'),
      true
    ],
    ['a value equal to a short secret', 'abc', 'red', (t) => t === 'abc', true]
  ]
  it.each(secretFields)('a field where %s', (_, want, have, holdsSecret, digests) => {
    const [cm] = manifestObjects(
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata:\n  v: ${JSON.stringify(want)}\n`
    )
    const live: JsonObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { v: have }
    }
    expect(compareObject(cm!, live, [], holdsSecret)).toEqual([
      digests
        ? { path: '/data/v', want: secretDigest(want), have: secretDigest(have) }
        : { path: '/data/v', want, have }
    ])
  })

  it('a whole subtree holding a secret is one digest, never its JSON', () => {
    const [cm] = manifestObjects(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata:\n  v: s3cret\n'
    )
    const live: JsonObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }
    const fields = compareObject(cm!, live, [], (t) => t.includes('s3cret'))
    expect(fields).toEqual([
      { path: '/data', want: secretDigest('{"v":"s3cret"}'), have: undefined }
    ])
  })

  it('keys with / and ~ are escaped as JSON pointers', () => {
    const [obj] = manifestObjects(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    example.com/a~b: "1"\n'
    )
    const live: JsonObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', annotations: { 'example.com/a~b': '2' } }
    }
    expect(compareObject(obj!, live, [])).toEqual([
      { path: '/metadata/annotations/example.com~1a~0b', want: '1', have: '2' }
    ])
    expect(compareObject(obj!, live, ['/metadata/annotations/example.com~1a~0b'])).toEqual([])
  })
})

describe('ignoredPaths: rules for every object or one kind and/or name', () => {
  const rules = [
    { paths: ['/a'] },
    { paths: ['/b'], kind: 'Deployment' },
    { paths: ['/c'], kind: 'Deployment', name: 'api' }
  ]
  it.each([
    [{ kind: 'ConfigMap', name: 'api' }, ['/a']],
    [{ kind: 'Deployment', name: 'web' }, ['/a', '/b']],
    [{ kind: 'Deployment', name: 'api' }, ['/a', '/b', '/c']]
  ])('%j → %j', (object, paths) => {
    expect(ignoredPaths(rules, object)).toEqual(paths)
  })
})
