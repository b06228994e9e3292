// Command kiln-bench-otelcol is the OpenTelemetry Collector the kiln shipping benchmark runs as a
// peer: the filelog receiver, the elasticsearch exporter and the file_storage extension (its
// checkpoints and persistent queue), and nothing else. It is built by bench/shipping/peers/otelcol.ts
// into kiln's cache, never into the repository. The wiring follows the builder's generated main
// (https://github.com/open-telemetry/opentelemetry-collector/tree/main/cmd/builder).
package main

import (
	"log"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/elasticsearchexporter"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
)

func components() (otelcol.Factories, error) {
	var err error
	factories := otelcol.Factories{}
	factories.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](filelogreceiver.NewFactory())
	if err != nil {
		return factories, err
	}
	factories.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](elasticsearchexporter.NewFactory())
	if err != nil {
		return factories, err
	}
	factories.Extensions, err = otelcol.MakeFactoryMap[extension.Factory](filestorage.NewFactory())
	if err != nil {
		return factories, err
	}
	// The collector's own logs (service::telemetry); it needs a factory since v0.131.
	factories.Telemetry = otelconftelemetry.NewFactory()
	return factories, nil
}

func main() {
	info := component.BuildInfo{Command: "kiln-bench-otelcol", Description: "OpenTelemetry Collector for the kiln benchmark", Version: "0.156.0"}
	// --config FILE is read by the file provider (the only one: no env, http or yaml sources).
	settings := otelcol.CollectorSettings{
		BuildInfo: info,
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory()},
				// The resolver insists on a default scheme among its providers; the config uses no ${...}.
				DefaultScheme: "file",
			},
		},
	}
	if err := otelcol.NewCommand(settings).Execute(); err != nil {
		log.Fatal(err)
	}
}
