module kiln.local/bench/otelcol

go 1.25.0

require (
	github.com/open-telemetry/opentelemetry-collector-contrib/exporter/elasticsearchexporter v0.156.0
	github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage v0.156.0
	github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver v0.156.0
	go.opentelemetry.io/collector/otelcol v0.156.0
)
