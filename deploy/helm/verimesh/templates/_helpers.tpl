{{/* Names, labels and the per-service settings every template shares. */}}

{{- define "verimesh.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every resource name. Short enough that "<prefix>-video-temporal-headless" stays a 63-character DNS label. */}}
{{- define "verimesh.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 38 | trimSuffix "-" -}}
{{- end -}}

{{- define "verimesh.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Pod selector of one service: name and instance only (name is the service, instance the release). Call with (dict "root" $ "name" $name). */}}
{{- define "verimesh.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Standard labels of every object. Call with (dict "root" $ "name" $name "component" "gateway"). */}}
{{- define "verimesh.labels" -}}
{{ include "verimesh.selectorLabels" . }}
app.kubernetes.io/component: {{ .component | default .name }}
app.kubernetes.io/part-of: {{ include "verimesh.name" .root }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "verimesh.chart" .root }}
{{- end -}}

{{/*
Deep merge of two maps where every key of "over" wins, false/0/"" included (sprig's mergeOverwrite keeps the base
value when the override is a zero value, which would make `pdb: {enabled: false}` impossible). Returns YAML.
*/}}
{{- define "verimesh.deepMerge" -}}
{{- $out := deepCopy (.base | default dict) -}}
{{- range $k, $v := (.over | default dict) -}}
{{- $b := index $out $k -}}
{{- if and (kindIs "map" $v) (kindIs "map" $b) -}}
{{- $_ := set $out $k (include "verimesh.deepMerge" (dict "base" $b "over" $v) | fromYaml) -}}
{{- else -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* One service's effective settings: defaults with the service's own merged over them. Call with (dict "root" $ "name" $name). Returns YAML. */}}
{{- define "verimesh.settings" -}}
{{- include "verimesh.deepMerge" (dict "base" .root.Values.defaults "over" (index .root.Values.services .name | default dict)) -}}
{{- end -}}

{{/* Image reference of a service. Call with (dict "root" $ "name" $name "s" $settings). */}}
{{- define "verimesh.image" -}}
{{- $img := .root.Values.image -}}
{{- $repo := .s.image.repository -}}
{{- if not $repo -}}
{{- $repo = printf "%s%s" $img.repositoryPrefix .name -}}
{{- if $img.registry }}{{ $repo = printf "%s/%s" $img.registry $repo }}{{ end -}}
{{- end -}}
{{- printf "%s:%s" $repo (.s.image.tag | default $img.tag | default .root.Chart.AppVersion | toString) -}}
{{- end -}}

{{/* Namespace of a service's objects: its `namespace` setting, else the release's. Call with (dict "root" $ "s" $settings). */}}
{{- define "verimesh.namespace" -}}
{{- .s.namespace | default .root.Release.Namespace -}}
{{- end -}}

{{/* Host name of a service's headless Service, as the gateway's DNS resolver sees it. Call with (dict "root" $ "name" $name "ns" $namespace). */}}
{{- define "verimesh.headlessHost" -}}
{{- $host := printf "%s-%s-headless.%s.svc" (include "verimesh.fullname" .root) .name .ns -}}
{{- if .root.Values.clusterDomain }}{{ $host = printf "%s.%s" $host .root.Values.clusterDomain }}{{ end -}}
{{- $host -}}
{{- end -}}

{{/* Every enabled service with its effective settings and namespace: a YAML map name -> {s, ns}. Call with $. */}}
{{- define "verimesh.enabledServices" -}}
{{- $root := . -}}
{{- $out := dict -}}
{{- range $name, $_ := .Values.services -}}
{{- $s := include "verimesh.settings" (dict "root" $root "name" $name) | fromYaml -}}
{{- if $s.enabled -}}
{{- $_ := set $out $name (dict "s" $s "ns" (include "verimesh.namespace" (dict "root" $root "s" $s))) -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* VERIMESH_SERVICES of the gateway: every other enabled service over DNS round_robin, plus extraServiceTargets. */}}
{{- define "verimesh.serviceTargets" -}}
{{- $root := . -}}
{{- $targets := list -}}
{{- range $name, $e := include "verimesh.enabledServices" . | fromYaml -}}
{{- if ne $name "gateway" -}}
{{- $targets = append $targets (printf "%s=dns:///%s:%d" $name (include "verimesh.headlessHost" (dict "root" $root "name" $name "ns" $e.ns)) (int $e.s.grpcPort)) -}}
{{- end -}}
{{- end -}}
{{- range $name, $target := .Values.extraServiceTargets -}}
{{- $targets = append $targets (printf "%s=%s" $name $target) -}}
{{- end -}}
{{- join "," $targets -}}
{{- end -}}

{{/* The collector's OTLP endpoint for the services' OTEL_EXPORTER_OTLP_PROTOCOL. Call with $. */}}
{{- define "verimesh.collectorEndpoint" -}}
{{- $port := ternary 4317 4318 (eq .Values.otel.protocol "grpc") -}}
{{- printf "http://%s-otel-collector.%s.svc:%d" (include "verimesh.fullname" .) .Release.Namespace $port -}}
{{- end -}}

{{/* OTEL_EXPORTER_OTLP_ENDPOINT of every service: the chart's collector when enabled, else otel.endpoint (may be ""). */}}
{{- define "verimesh.otlpEndpoint" -}}
{{- if .Values.otel.collector.enabled }}{{ include "verimesh.collectorEndpoint" . }}{{ else }}{{ .Values.otel.endpoint }}{{ end -}}
{{- end -}}

{{/* A NetworkPolicy peer: the pods of one chart component in their namespace. Call with (dict "root" $ "name" $name "ns" $namespace). */}}
{{- define "verimesh.peer" -}}
podSelector:
  matchLabels:
    {{- include "verimesh.selectorLabels" . | nindent 4 }}
namespaceSelector:
  matchLabels:
    kubernetes.io/metadata.name: {{ .ns }}
{{- end -}}

{{/* A gRPC probe: the values' timings with grpc.health.v1 on the service port, unless the values name a handler. */}}
{{- define "verimesh.probe" -}}
{{- $p := deepCopy (.probe | default dict) -}}
{{- if not (or (hasKey $p "grpc") (hasKey $p "httpGet") (hasKey $p "tcpSocket") (hasKey $p "exec")) -}}
{{- $_ := set $p "grpc" (dict "port" (int .port)) -}}
{{- end -}}
{{- toYaml $p -}}
{{- end -}}
