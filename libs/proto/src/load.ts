// Loads the verimesh.v1 proto files once, with the options the generated types assume.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as GatewayProto } from './generated/gateway_service.js';
import type { ProtoGrpcType as VerifierProto } from './generated/verifier_service.js';

export const PROTO_ROOT = fileURLToPath(new URL('../../../proto', import.meta.url));
export const PROTO_FILES = ['verimesh/v1/sample.proto', 'verimesh/v1/gateway_service.proto', 'verimesh/v1/verifier_service.proto'];

let cached: (GatewayProto & VerifierProto) | undefined;
let definition: protoLoader.PackageDefinition | undefined;

/** The proto-loader package definition (for server reflection). */
export function loadDefinition(): protoLoader.PackageDefinition {
  definition ??= protoLoader.loadSync(PROTO_FILES, {
    includeDirs: [PROTO_ROOT],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return definition;
}

/** The loaded package (`.verimesh.v1.RewardGatewayService`, `.verimesh.v1.VerifierService`, ...). */
export function loadPackage(): GatewayProto & VerifierProto {
  cached ??= grpc.loadPackageDefinition(loadDefinition()) as unknown as GatewayProto & VerifierProto;
  return cached;
}
