// A stand-in for go.opentelemetry.io/ebpf-profiler, which the Go module proxy does not serve.
// The elasticsearch exporter imports it only to serialize profiles; the benchmark ships logs, a
// path that never calls it. It carries the few names the exporter compiles against.
module go.opentelemetry.io/ebpf-profiler

go 1.24
