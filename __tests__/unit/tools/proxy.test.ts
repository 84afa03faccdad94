import { describe, expect, it } from 'vitest'
import { printableProxy, proxyFor } from '../../../src/tools/proxy.ts'

describe('proxyFor: HTTPS_PROXY, HTTP_PROXY and NO_PROXY as curl reads them', () => {
  const proxy = 'http://user:pw@proxy.corp:3128'
  it.each([
    ['https://store.example/kc', { HTTPS_PROXY: proxy }, proxy],
    ['https://store.example/kc', { https_proxy: proxy, HTTPS_PROXY: 'http://other:1' }, proxy],
    // an https request falls back to HTTP_PROXY, an http one never uses HTTPS_PROXY
    ['https://store.example/kc', { HTTP_PROXY: proxy }, proxy],
    ['http://store.example/kc', { HTTPS_PROXY: proxy }, undefined],
    ['http://store.example/kc', { HTTP_PROXY: proxy }, proxy],
    ['https://store.example/kc', {}, undefined],
    ['file:///kube/store', { HTTPS_PROXY: proxy }, undefined],
    ['https://store.example/kc', { HTTPS_PROXY: proxy, NO_PROXY: '*' }, undefined],
    ['https://store.example/kc', { HTTPS_PROXY: proxy, NO_PROXY: 'ample' }, proxy],
    ['https://store.example/kc', { HTTPS_PROXY: proxy, NO_PROXY: 'example' }, undefined],
    ['https://store.example/kc', { HTTPS_PROXY: proxy, NO_PROXY: 'a.b, store.example' }, undefined],
    ['https://a.store.example/kc', { HTTPS_PROXY: proxy, NO_PROXY: '.store.example' }, undefined],
    ['https://a.store.example/kc', { HTTPS_PROXY: proxy, no_proxy: '*.store.example' }, undefined],
    ['https://xstore.example/kc', { HTTPS_PROXY: proxy, NO_PROXY: 'store.example' }, proxy],
    ['https://127.0.0.1:8443/kc', { HTTPS_PROXY: proxy, NO_PROXY: '127.0.0.1:8443' }, undefined],
    ['https://127.0.0.1:9443/kc', { HTTPS_PROXY: proxy, NO_PROXY: '127.0.0.1:8443' }, proxy],
    ['https://store.example/kc', { HTTPS_PROXY: proxy, NO_PROXY: 'store.example:443' }, undefined],
    ['https://[::1]:8443/kc', { HTTPS_PROXY: proxy, NO_PROXY: '::1' }, undefined],
    ['https://[::1]:8443/kc', { HTTPS_PROXY: proxy, NO_PROXY: '[::1]:8443' }, undefined],
    ['https://[::1]:8443/kc', { HTTPS_PROXY: proxy, NO_PROXY: '[::1]:9' }, proxy]
  ])('%s with %j', (url, env, expected) => expect(proxyFor(url, env)).toBe(expected))

  it('prints a proxy without its user info', () => {
    expect(printableProxy(proxy)).toBe('http://proxy.corp:3128')
    expect(printableProxy('not a url')).toBe('the proxy in HTTPS_PROXY')
  })
})
