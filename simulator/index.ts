// The traffic simulator: realistic synthetic Measurement Protocol traffic from a seed,
// into the store (history, through the import core), to a collector (live, over HTTP)
// or to an NDJSON file. Benchmarks use generateTraffic directly.
export { generateTraffic, validateTrafficOptions, type SimulatedHit, type TrafficOptions } from './generate.ts';
export { hitToJson, PropertyMissingError, resolveProperty, simulateHistory, trafficOptionsFor, type SimulateHistoryOptions } from './history.ts';
export { encodeHit, sendLive, type LiveOptions } from './live.ts';
export { writeNdjson } from './file.ts';
export { addressIn, DEFAULT_GEOIP_JSON, GeoNetworksError, loadGeoNetworks, networkPicker, parseNetwork, type GeoNetwork } from './networks.ts';
export { createRandom, type Random } from './random.ts';
export { createTally, describeSummary, type LiveStats, type SimulationSummary } from './summary.ts';
