/** TokenService as promises of its own message types. */
import * as pb from '../../proto/gen/slipstream/v1/tokens.js';
import { bound, unaryCaller, type Rpc, type UnaryCaller } from '../rpc.js';

/** API tokens: one's own, or (admins) anyone's in the tenant. */
export interface TokensClient {
  readonly raw: pb.TokenServiceClient;
  /** Creates a token; the response's `secret` is shown only here. */
  create: UnaryCaller<pb.CreateTokenRequest, pb.CreateTokenResponse>;
  /** Lists tokens (not paged): the caller's, a named user's, or `*` for all. */
  list: UnaryCaller<pb.ListTokensRequest, pb.ListTokensResponse>;
  revoke: UnaryCaller<pb.RevokeTokenRequest, pb.RevokeTokenResponse>;
}

/** Builds the tokens sub-client over a raw client sharing the channel. */
export function createTokensClient(rpc: Rpc, raw: pb.TokenServiceClient): TokensClient {
  return {
    raw,
    create: unaryCaller(rpc, bound(raw, 'createToken'), pb.CreateTokenRequest.create()),
    list: unaryCaller(rpc, bound(raw, 'listTokens'), pb.ListTokensRequest.create()),
    revoke: unaryCaller(rpc, bound(raw, 'revokeToken'), pb.RevokeTokenRequest.create()),
  };
}
