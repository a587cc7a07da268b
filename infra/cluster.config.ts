/**
 * The cluster's settings: edit this file (or override single values with context, see README.md).
 * Every field not written here takes the default documented in lib/config/schema.ts; synthesis validates
 * the whole object and names every bad field.
 */
import { defineConfig } from './lib/config/schema.ts';

export default defineConfig({
  name: 'convoy',
  // Where `npm install -g` finds Convoy on the VMs: a git URL, an https tarball URL, or name@version.
  // There is no public release yet, so there is no default: set it here, in CONVOY_PACKAGE, or with
  // --context convoyPackage=git+https://host/org/convoy.git#ref.
  convoyPackage: process.env.CONVOY_PACKAGE,
  network: {
    cidr: '10.42.0.0/16',
    clusterSubnets: ['10.42.0.0/20', '10.42.16.0/20'],
    natSubnet: '10.42.255.0/24',
  },
  access: {
    // No SSH rule unless a CIDR is given here (for example your VPN's range).
    sshCidr: undefined,
    clientCidrs: [],
  },
  cpuWorkers: { min: 1, max: 4, desired: 2, spot: false },
  gpuWorkers: { min: 0, max: 2, desired: 0, spot: false, gpusPerNode: 1 },
  lake: { forceDestroy: false },
  aws: { region: 'us-east-1' },
  azure: { location: 'eastus' },
  gcp: { region: 'us-central1', zone: 'us-central1-a' },
});
