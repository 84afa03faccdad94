import { describe, expect, it } from 'vitest'
import { checkKubeconfig } from '../../../src/cluster/kubeconfig.ts'
import { kubeconfigUrl } from '../../../src/cluster/kubeconfig-store.ts'

const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretsecret\n-----END RSA PRIVATE KEY-----\n'
const keyData = Buffer.from(pem).toString('base64')

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: https://127.0.0.1:6443, certificate-authority-data: Q0EK }
users:
- name: token-user
  user: { token: tok-abcdef123456 }
- name: cert-user
  user: { client-key-data: ${keyData}, client-certificate-data: Y2VydGNlcnRjZXJ0Cg== }
- name: basic
  user: { username: admin, password: s3cret-pass }
- name: oidc
  user:
    auth-provider:
      name: oidc
      config: { id-token: idtok-123456, refresh-token: refresh-7890, client-id: public-client }
- name: exec
  user:
    exec:
      command: aws
      env: [{ name: AWS_SECRET_ACCESS_KEY, value: exec-secret-value }]
contexts:
- name: a
  context: { cluster: a, user: token-user }
current-context: a
`

describe('kubeconfig check', () => {
  it('finds every credential, the decoded PEM key included', () => {
    const check = checkKubeconfig(kubeconfig)
    expect(check.ok).toBe(true)
    if (!check.ok) return
    expect(check.secrets).toEqual(
      expect.arrayContaining([
        'tok-abcdef123456',
        keyData,
        's3cret-pass',
        'idtok-123456',
        'refresh-7890',
        'exec-secret-value',
        pem
      ])
    )
    expect(check.secrets).not.toContain('admin')
    expect(check.secrets).not.toContain('public-client')
  })
  it.each([
    ['not YAML', 'clusters: [\n  token: "abc', /YAML error at line \d+/],
    ['a list', '- a\n- b\n', /not a YAML map/],
    ['no clusters', 'kind: Config\nusers: []\n', /no clusters/],
    ['another kind', 'kind: Pod\nclusters: [{name: a}]\n', /kind is "Pod"/]
  ])('refuses %s', (_name, text, reason) => {
    const check = checkKubeconfig(text)
    expect(check.ok).toBe(false)
    if (!check.ok) expect(check.reason).toMatch(reason)
  })
  it('never quotes the text in its error', () => {
    const check = checkKubeconfig('users:\n- user: {token: "leaky-token-999\n')
    expect(check.ok).toBe(false)
    if (!check.ok) expect(check.reason).not.toContain('leaky-token-999')
  })
})

describe('kubeconfig URL', () => {
  it.each([
    [
      'https://u:p@store.example/kube',
      'aws/foo',
      'kubeconfig.yaml',
      'https://u:p@store.example/kube/aws/foo/kubeconfig.yaml'
    ],
    [
      'https://store.example/kube/',
      'aws/foo',
      'kubeconfig.yaml',
      'https://store.example/kube/aws/foo/kubeconfig.yaml'
    ],
    ['file:///srv/store', 'on prem/a#1', 'kc', 'file:///srv/store/on%20prem/a%231/kc'],
    [
      'https://store.example/kube/?sig=abc&sv=1',
      'aws/foo',
      'kubeconfig.yaml',
      'https://store.example/kube/aws/foo/kubeconfig.yaml?sig=abc&sv=1'
    ]
  ])('%s + %s', (store, setup, file, expected) =>
    expect(kubeconfigUrl(store, setup, file)).toBe(expected)
  )
})
