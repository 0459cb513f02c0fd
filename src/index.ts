/** flowhound as a library: everything except src/cli/ (which prints and exits). */
export * from './errors.js';
export * from './types.js';
export * from './io/byte-source.js';
export * from './ingest/detect.js';
export * from './ingest/read-input.js';
export * from './io/lines.js';
export { readZeekTsv, type ZeekReadStats } from './ingest/zeek/read-zeek-tsv.js';
export { readZeekJson } from './ingest/zeek/read-zeek-json.js';
export { readZeekDirectory, sniffZeekFile, type ZeekFileInfo } from './ingest/zeek/read-zeek-directory.js';
export { readFlowCsv, type CsvReadStats } from './ingest/csv/read-flow-csv.js';
export { CSV_MAP_FIELDS, parseCsvMap, type CsvMap, type CsvMapField } from './ingest/csv/csv-map.js';
export { readCapturePackets, type CaptureStats, type ReadCaptureOptions } from './ingest/pcap/read-capture.js';
export type { DecodedPacket, PacketHandler } from './ingest/pcap/decoded-packet.js';
export { parseDnsMessage, parseDnsOverTcp, type DnsMessage, type DnsQuestion, type DnsAnswer } from './ingest/pcap/dns-message.js';
export { nameDnsQueryType, nameDnsRcode, numberDnsQueryType, numberDnsRcode } from './ingest/dns-constants.js';
export * from './window/feature-schema.js';
export * from './window/windower.js';
export { isArrowFile, readFeatureArrow, type FeatureArrowFile } from './window/read-feature-arrow.js';
export { readFeatureWindows, type FeatureWindowsResult } from './window/read-feature-windows.js';
export { buildFeatureTable, createArrowFeatureSink, createFeatureArrowSchema, type ArrowFeatureSink } from './sink/arrow.js';
export { selectBackend, getSelectedBackend, isBackendName, BACKEND_NAMES, type BackendName } from './model/backend.js';
export { loadModel, type FlowhoundModel, type LoadModelOptions } from './model/flowhound-model.js';
export { trainModel, DEFAULT_TRAIN_OPTIONS, type TrainOptions, type TrainKind } from './model/train-model.js';
export { createModelDetector, DEFAULT_MODEL_DETECTOR_SETTINGS, type ModelDetector, type ModelDetectorSettings } from './model/model-detector.js';
export { readModelMeta, type ModelMeta, type ModelKind, type LearnedRate } from './model/model-meta.js';
export type { WindowScore, WindowScorer, KindScore } from './model/window-scorer.js';

export { learnedPeakPps } from './model/learned-rates.js';

// Detectors, settings, scoring and sinks.
export type { Detector } from './detect/detector.js';
export { createScanDetector, type ScanSettings } from './detect/scan-detector.js';
export { createDnsTunnelDetector, type DnsTunnelSettings } from './detect/dns-tunnel-detector.js';
export { createIcmpTunnelDetector, type IcmpTunnelSettings } from './detect/icmp-tunnel-detector.js';
export { createRateSpikeDetector, type RateSpikeOptions, type RateSpikeSettings } from './detect/rate-spike-detector.js';
export { createPolicyDetector, type PolicySettings } from './detect/policy-detector.js';
export { combineRules, loadRulesFile, matchRule, parseRules, type PolicyMatch, type PolicyRule, type RuleSet } from './detect/policy-rules.js';
export { DEFAULT_POLICY_YAML, defaultPolicyRules } from './detect/default-policy.js';
export { isFailedAttempt } from './detect/failed-attempt.js';
export { createRuleDetectors, type RuleDetectorOptions } from './detect/create-rule-detectors.js';
export { DEFAULT_SETTINGS, SETTING_SPECS, resolveSettings, type SettingName, type Settings, type SettingSpec } from './config/settings.js';
export { loadConfigFile, parseConfigText } from './config/load-config.js';
export { computeFindingId, createFinding, findingTarget } from './score/finding-id.js';
export { createScorer, type Scorer, type ScorerOptions } from './score/scorer.js';
export { confidenceFromRatio, severityFromRatio } from './score/severity.js';
export type { OutputFormat, Sink, TextOutput } from './sink/sink.js';
export { createJsonlSink } from './sink/jsonl.js';
export { createEveSink, toEveAlert } from './sink/eve.js';
export { createTableSink } from './sink/table.js';
export { verifyIpv4HeaderChecksum, verifyTransportChecksum } from './ingest/pcap/verify-checksum.js';
export { readCaptureRecords, type CaptureIngestOptions } from './ingest/capture-ingest.js';
export {
  createFlowTracker,
  DEFAULT_MAX_FLOWS,
  type FlowTracker,
  type FlowTrackerOptions,
  type FlowTrackerStats,
  type TrackerOutput,
} from './ingest/flow-tracker/flow-tracker.js';
export { ZEEK_TCP_TIMERS, type TcpTimerSettings } from './ingest/flow-tracker/tcp-session.js';
export { ZEEK_DEFAULT_LIKELY_SERVER_PORTS, type LikelyServerPorts } from './ingest/flow-tracker/likely-server-ports.js';
export { createZeekConnLogWriter, createZeekDnsLogWriter, type ZeekLogFormat, type ZeekLogWriter } from './sink/zeek-log-writer.js';
export { runZeekConformance, type ConformanceReport, type TraceConformance } from './conformance/zeek-conformance.js';

// Streaming (`watch`): following files, the event-time pipeline, state, webhook.
export { computeFingerprint, createFileFollower, type FileFollower, type FileIdentity, type FollowFileOptions, type FollowPosition } from './io/follow-file.js';
export { openWatchInput, ZEEK_DIR_LOGS, type TaggedBatch, type WatchInput, type WatchInputOptions } from './watch/watch-input.js';
export { createEmittedFindings, type EmittedEntry, type EmittedFindings } from './watch/emitted-findings.js';
export { emittedJournalPath, openEmittedJournal, type EmittedJournal } from './watch/emitted-journal.js';
export { createEmptyWatchState, readWatchState, writeWatchState, WATCH_STATE_VERSION, type WatchState } from './watch/watch-state.js';
export { createModelReloader, readModelIdentity, type ModelReloader } from './watch/model-reloader.js';
export { mergeAsync } from './watch/merge-async.js';
export { createWebhookSink, type WebhookSink, type WebhookSinkOptions, type WebhookStats } from './sink/webhook.js';

// The pipeline: one assembly of inputs, detectors, model, scorer and sinks, and one detector driver.
export { countBatch, countFindings, createRunCounters, type RunCounters } from './pipeline/run-counters.js';
export { createDetectorDriver, DRIVER_STATE_FORMAT, DRIVER_STATE_VERSION, type DetectorDriver, type DetectorDriverOptions, type DetectorDriverStats, type DriverSnapshot } from './pipeline/detector-driver.js';
export { assembleDetectors, collectLateRecords, createModelSlot, createRunScorer, type AssembledDetectors, type DetectorAssembly, type ModelSlot } from './pipeline/assemble-detectors.js';
export { chooseModel, DEFAULT_MODEL_DIR, loadModelLazily, modelRequestFromFlag, type ModelChoice, type ModelRequest } from './pipeline/model-choice.js';
export { createFormatSink, fanOutSinks, type PipelineSink } from './pipeline/sinks.js';
export { runAnalysis, type AnalysisOptions, type AnalysisResult, type ModelStats } from './pipeline/analysis.js';
export { runWatchPipeline, type WatchEvent, type WatchRunOptions, type WatchRunResult } from './pipeline/watch-run.js';

// Scale-out on NATS JetStream (docs/scale-out.md): partition keys and the de-duplicated findings stream.
export { destinationKey, fnv1a, ownedPartitions, partitionOf, sourceKey } from './scale/partition.js';
export { createJetStreamFindingsSink, findingMsgId, findingsSubject, readJetStreamFindings, type JetStreamFindingsOptions, type JetStreamFindingsSink } from './scale/jetstream-findings.js';
