module kiln.local/bench/otelcol

go 1.25.0

require (
	github.com/open-telemetry/opentelemetry-collector-contrib/exporter/elasticsearchexporter v0.156.0
	github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage v0.156.0
	github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver v0.156.0
	go.opentelemetry.io/collector/otelcol v0.156.0
)

// The proxy does not serve go.opentelemetry.io/ebpf-profiler; the exporter's logs path never
// calls it. The build copies this directory next to go.mod (bench/shipping/peers/otelcol.ts).
replace go.opentelemetry.io/ebpf-profiler => ./ebpf-profiler-standin
