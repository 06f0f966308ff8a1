{{/* Names, labels, and the pieces every service's pod shares. */}}

{{- define "specdoc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "specdoc.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels that select one component's pods: call with (dict "root" $ "component" "worker"). */}}
{{- define "specdoc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "specdoc.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "specdoc.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "specdoc.selectorLabels" . }}
app.kubernetes.io/part-of: specdoc
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{- define "specdoc.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "specdoc.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "specdoc.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret the chart creates for URLs given as values. */}}
{{- define "specdoc.connectionsSecret" -}}
{{- printf "%s-urls" (include "specdoc.fullname" .) }}
{{- end }}

{{/* An env var's value, from a Secret: (dict "root" $ "of" .Values.redis "key" "redis-url"). */}}
{{- define "specdoc.urlFrom" -}}
{{- if .of.existingSecret }}
valueFrom: {secretKeyRef: {name: {{ .of.existingSecret | quote }}, key: {{ .of.existingSecretKey | quote }}}}
{{- else if .of.url }}
valueFrom: {secretKeyRef: {name: {{ include "specdoc.connectionsSecret" .root | quote }}, key: {{ .key | quote }}}}
{{- else }}
{{- fail (printf "set %s.url or %s.existingSecret" .what .what) }}
{{- end }}
{{- end }}

{{/*
A setting as an env var's string. Numbers from YAML arrive as float64, and printing 33554432 as
float would give "3.3554432e+07", which the services cannot parse.
*/}}
{{- define "specdoc.str" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) }}{{ int64 . }}{{ else }}{{ toString . }}{{ end }}
{{- end }}

{{/*
The container's env, as a sorted list with one entry per name. Precedence, lowest first: what the
chart sets (listen addresses, connections, migrations), the global `config`, the component's
`config`, the component's `env`. camelCase config keys become UPPER_SNAKE names.
Call with (dict "root" $ "component" "worker").
*/}}
{{- define "specdoc.env" -}}
{{- $v := .root.Values }}
{{- $c := index $v .component }}
{{- $env := dict
  "LISTEN" (printf "0.0.0.0:%v" $v.ports.grpc)
  "HTTP_LISTEN" (printf "0.0.0.0:%v" $v.ports.http)
  "REDIS_PREFIX" $v.redis.prefix
  "SKIP_MIGRATIONS" (ternary "true" "false" $v.migrations.enabled)
  "OTEL_SERVICE_NAME" (printf "specdoc-%s" .component)
  "REDIS_URL" (include "specdoc.urlFrom" (dict "root" .root "of" $v.redis "key" "redis-url" "what" "redis") | fromYaml)
  "DATABASE_URL" (include "specdoc.urlFrom" (dict "root" .root "of" $v.database "key" "database-url" "what" "database") | fromYaml)
}}
{{- $_ := set $env "AUTH_ADMIN_TOKEN" (include "specdoc.adminTokenFrom" .root | fromYaml) }}
{{- if $v.tls.enabled }}
{{- $dir := include "specdoc.tlsDir" .root }}
{{- $_ := set $env "TLS_CERT" (printf "%s/tls.crt" $dir) }}
{{- $_ := set $env "TLS_KEY" (printf "%s/tls.key" $dir) }}
{{- if $v.tls.mutual }}
{{- $_ := set $env "TLS_CLIENT_CA" (printf "%s/ca.crt" $dir) }}
{{- end }}
{{- end }}
{{- if eq .component "worker" }}
{{- $_ := set $env "WORKER_ID" (dict "valueFrom" (dict "fieldRef" (dict "fieldPath" "metadata.name"))) }}
{{- with $c.genaiApiKeySecret.name }}
{{- $_ := set $env "GENAI_API_KEY_FILE" (printf "%s/%s" (include "specdoc.genaiKeyDir" $) $c.genaiApiKeySecret.key) }}
{{- end }}
{{- end }}
{{- $config := deepCopy ($v.config | default dict) }}
{{- range $key, $value := $c.config }}
{{- $_ := set $config $key $value }}
{{- end }}
{{- range $key, $value := $config }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
{{- $_ := set $env ($key | snakecase | upper) (include "specdoc.str" $value) }}
{{- end }}
{{- end }}
{{- range $name, $value := $c.env }}
{{- $_ := set $env $name $value }}
{{- end }}
{{- range $name, $value := $env }}
{{- if kindIs "map" $value }}
- name: {{ $name }}
  {{- toYaml $value | nindent 2 }}
{{- else }}
- name: {{ $name }}
  value: {{ include "specdoc.str" $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Checksum of the chart-made Secret, so pods restart when a URL given as a value changes. */}}
{{- define "specdoc.connectionsChecksum" -}}
{{- printf "%s|%s" .Values.redis.url .Values.database.url | sha256sum }}
{{- end }}

{{/* Where the worker's LLM API key Secret is mounted. */}}
{{- define "specdoc.genaiKeyDir" -}}
/var/run/secrets/specdoc/genai
{{- end }}

{{/* Where the gRPC certificate Secret is mounted; fails when TLS is on without one. */}}
{{- define "specdoc.tlsDir" -}}
{{- if not .Values.tls.secretName }}
{{- fail "tls.enabled needs tls.secretName: a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt" }}
{{- end -}}
/etc/specdoc/tls
{{- end }}

{{/* The Secret holding the bootstrap admin token: the user's, or the one the chart makes. */}}
{{- define "specdoc.authSecret" -}}
{{- .Values.auth.existingSecret | default (printf "%s-auth" (include "specdoc.fullname" .)) }}
{{- end }}

{{/* An env var's value taken from the admin token Secret. */}}
{{- define "specdoc.adminTokenFrom" -}}
valueFrom: {secretKeyRef: {name: {{ include "specdoc.authSecret" . | quote }}, key: {{ .Values.auth.existingSecretKey | quote }}}}
{{- end }}
