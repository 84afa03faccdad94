// A chart of our own for health checks, as files of an ops repository.

/**
 * A Deployment named as the release, with `configMaps` ConfigMaps beside it; with
 * `stuck` its Pod asks for a node that does not exist (FailedScheduling, forever).
 */
export const APP_CHART: Readonly<Record<string, string>> = {
  'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
  'charts/app/values.yaml': 'stuck: false\nconfigMaps: 0\n',
  'charts/app/templates/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: {{ .Release.Name }} }',
    'spec:',
    '  replicas: 1',
    '  selector: { matchLabels: { app: {{ .Release.Name }} } }',
    '  template:',
    '    metadata: { labels: { app: {{ .Release.Name }} } }',
    '    spec:',
    '      {{- if .Values.stuck }}',
    '      nodeSelector: { gitops-action/nowhere: "true" }',
    '      {{- end }}',
    '      containers: [{ name: c, image: registry.k8s.io/pause:3.10 }]',
    ''
  ].join('\n'),
  'charts/app/templates/configmaps.yaml': [
    '{{- range until (int .Values.configMaps) }}',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: { name: {{ $.Release.Name }}-{{ . }} }',
    'data: { n: "{{ . }}" }',
    '{{- end }}',
    ''
  ].join('\n')
}
