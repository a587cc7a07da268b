/**
 * Cloud-neutral helper providers: `random` (the cluster token, unique name suffixes) and `tls` (a throwaway
 * SSH key where Azure insists on one). A move to the CDK Terrain fork changes the package prefix here.
 */
export { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
export { Password } from '@cdktf/provider-random/lib/password/index.js';
export { Id as RandomId } from '@cdktf/provider-random/lib/id/index.js';
export { TlsProvider } from '@cdktf/provider-tls/lib/provider/index.js';
export { PrivateKey } from '@cdktf/provider-tls/lib/private-key/index.js';
