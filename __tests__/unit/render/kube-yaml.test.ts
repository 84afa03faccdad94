import { load } from 'js-yaml'
import { describe, expect, it } from 'vitest'
import { KUBE_YAML_SCHEMA } from '../../../src/render/kube-yaml.ts'

// Plain scalars as Go's yaml.v2 reads them (what helm hands the API server), next to
// what YAML 1.2 would make of them.
describe('KUBE_YAML_SCHEMA', () => {
  it.each<[string, unknown]>([
    ['0755', 493],
    ['-0755', -493],
    ['0o755', 493],
    ['0x1F', 31],
    ['0b101', 5],
    ['1_000', 1000],
    ['0', 0],
    ['42', 42],
    ['+12', 12],
    ['08', 8],
    ['1e3', 1000],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['yes', true],
    ['Yes', true],
    ['on', true],
    ['y', true],
    ['No', false],
    ['off', false],
    ['n', false],
    ['true', true],
    ['~', null],
    ['Null', null],
    ['12:30', '12:30'],
    ['2001-12-14', '2001-12-14'],
    ['1.2.3', '1.2.3'],
    ['0x', '0x'],
    ['nginx:1', 'nginx:1']
  ])('%s', (text, value) => {
    expect(load(`v: ${text}\n`, { schema: KUBE_YAML_SCHEMA })).toEqual({ v: value })
  })

  it('quoted text stays text, and a key reads as a value does', () => {
    expect(load(`a: "0755"\nb: 'yes'\n`, { schema: KUBE_YAML_SCHEMA })).toEqual({
      a: '0755',
      b: 'yes'
    })
    expect(load('on: 1\n', { schema: KUBE_YAML_SCHEMA })).toEqual({ true: 1 })
  })
})
