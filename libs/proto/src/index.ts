// The verimesh.v1 wire contract: proto loading, generated types, the SPEC JSON shapes and the verifier catalogue.
export { loadPackage, loadDefinition, PROTO_ROOT, PROTO_FILES } from './load.js';
export type { ProtoGrpcType as GatewayProto } from './generated/gateway_service.js';
export type { ProtoGrpcType as VerifierProto } from './generated/verifier_service.js';
export type { Media, Media__Output } from './generated/verimesh/v1/Media.js';
export type { Sample, Sample__Output } from './generated/verimesh/v1/Sample.js';
export type { RewardSpec, RewardSpec__Output } from './generated/verimesh/v1/RewardSpec.js';
export type { Component, Component__Output } from './generated/verimesh/v1/Component.js';
export type { ComponentResult, ComponentResult__Output } from './generated/verimesh/v1/ComponentResult.js';
export type { Result, Result__Output } from './generated/verimesh/v1/Result.js';
export type { GroupStats, GroupStats__Output } from './generated/verimesh/v1/GroupStats.js';
export type { VerifierInfo, VerifierInfo__Output } from './generated/verimesh/v1/VerifierInfo.js';
export type { VerifyItem, VerifyItem__Output } from './generated/verimesh/v1/VerifyItem.js';
export type { VerifyResult, VerifyResult__Output } from './generated/verimesh/v1/VerifyResult.js';
export type { VerifyBatchRequest, VerifyBatchRequest__Output } from './generated/verimesh/v1/VerifyBatchRequest.js';
export type { VerifyBatchResponse, VerifyBatchResponse__Output } from './generated/verimesh/v1/VerifyBatchResponse.js';
export type { DescribeRequest, DescribeRequest__Output } from './generated/verimesh/v1/DescribeRequest.js';
export type { DescribeResponse, DescribeResponse__Output } from './generated/verimesh/v1/DescribeResponse.js';
export type { ScoreRequest, ScoreRequest__Output } from './generated/verimesh/v1/ScoreRequest.js';
export type { ScoreResponse, ScoreResponse__Output } from './generated/verimesh/v1/ScoreResponse.js';
export type { ScoreStreamRequest, ScoreStreamRequest__Output } from './generated/verimesh/v1/ScoreStreamRequest.js';
export type { ScoreStreamResponse, ScoreStreamResponse__Output } from './generated/verimesh/v1/ScoreStreamResponse.js';
export type { ListVerifiersRequest, ListVerifiersRequest__Output } from './generated/verimesh/v1/ListVerifiersRequest.js';
export type { ListVerifiersResponse, ListVerifiersResponse__Output } from './generated/verimesh/v1/ListVerifiersResponse.js';
export type { VerifierServiceClient, VerifierServiceHandlers } from './generated/verimesh/v1/VerifierService.js';
export type { RewardGatewayServiceClient, RewardGatewayServiceHandlers } from './generated/verimesh/v1/RewardGatewayService.js';
export type {
  ComponentStatus,
  ResultStatus,
  MediaJson,
  MediaReading,
  SampleJson,
  RewardSpecJson,
  ComponentJson,
  ResultJson,
  ComponentResultJson,
  GroupStatsJson,
  SentinelFlag,
} from './json.js';
export {
  COMPONENT_STATUSES,
  SENTINEL_FLAGS,
  readMedia,
  componentStatusToProto,
  componentStatusFromProto,
  resultStatusToProto,
  resultStatusFromProto,
} from './json.js';
export { CATALOGUE, SERVICE_NAMES, serviceOf } from './catalogue.js';
export type { ServiceName } from './catalogue.js';
