/**
 * The cloud-init user data that turns a stock Ubuntu VM into a Convoy head or worker: install Node and
 * Convoy, (on GPU workers) the NVIDIA driver, read the cluster token from the cloud's secret store with the
 * VM's identity, and run `convoy start` as a systemd unit that restarts on failure.
 *
 * The same text works on AWS, Azure and GCP; only the token source differs. The bootstrap script is
 * idempotent, so re-running it (or a reboot after the driver install) converges instead of duplicating.
 */
import { stringify } from 'yaml';
import { ENV_FILE, TOKEN_FILE, headStartArgs, workerStartArgs } from './commands.ts';
import type { NodeRole } from './commands.ts';
import { describeTokenSource, shellQuote, tokenFetchLines, tokenSourcePackages } from './token-source.ts';
import type { TokenSource } from './token-source.ts';

export const BOOTSTRAP_SCRIPT = '/usr/local/lib/convoy/bootstrap.sh';
export const SYSTEMD_UNIT = '/etc/systemd/system/convoy.service';
export const CONVOY_HOME = '/var/lib/convoy';

export interface CloudInitOptions {
  role: NodeRole;
  /** Head's private address; required for workers (a Terraform token is fine). */
  headAddress?: string;
  /** GPUs on this VM, passed to `--num-gpus` (workers only). */
  numGpus: number;
  /** `npm install -g` argument. */
  convoyPackage: string;
  /** Node.js major version from NodeSource. */
  nodeMajor: number;
  tokenSource: TokenSource;
  /** Written to the env file read by the unit; values must not hold secrets (a policy checks). */
  env: Record<string, string>;
  /** NVIDIA driver package, installed on GPU workers whose image has none. */
  gpuDriverPackage?: string;
  /** Added to the image's default user. */
  sshPublicKey?: string;
}

export class CloudInitError extends Error {
  override readonly name = 'CloudInitError';
}

/** systemd EnvironmentFile line; newlines cannot be expressed there, so they are refused. */
function envLine(key: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new CloudInitError(`env ${key}: values cannot contain line breaks`);
  return `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function startArgs(options: CloudInitOptions): string[] {
  if (options.role === 'head') return headStartArgs();
  if (!options.headAddress) throw new CloudInitError(`a ${options.role} needs headAddress to join the cluster`);
  return workerStartArgs(options.headAddress, options.numGpus);
}

function systemdUnit(options: CloudInitOptions): string {
  return [
    '[Unit]',
    `Description=Convoy ${options.role}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'User=convoy',
    'Group=convoy',
    `WorkingDirectory=${CONVOY_HOME}`,
    `Environment=HOME=${CONVOY_HOME}`,
    // The head: one control store across restarts (each start makes a new session folder), so a head that
    // systemd restarts resumes its cluster; the env file, read after, may name another (CONVOY_STORE=redis://…).
    // Stopping or restarting it leaves its jobs' supervisors running for the next head to reattach to.
    ...(options.role === 'head' ? [`Environment=CONVOY_STORE=sqlite:${CONVOY_HOME}/control.db`] : []),
    `EnvironmentFile=-${ENV_FILE}`,
    `ExecStart=/usr/bin/env convoy ${startArgs(options).join(' ')}`,
    ...(options.role === 'head' ? ['KillMode=process'] : []),
    'Restart=always',
    'RestartSec=5',
    'LimitNOFILE=1048576',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

function gpuDriverLines(options: CloudInitOptions): string[] {
  if (options.role !== 'gpu-worker') return [];
  const driver = options.gpuDriverPackage ?? 'nvidia-driver-550-server';
  return [
    '# Training runs WebGPU over Vulkan, so the full driver (with its Vulkan ICD) is needed, not the headless one.',
    '# Headers for the running kernel let DKMS build the module when no prebuilt one matches.',
    'if ! nvidia-smi >/dev/null 2>&1; then',
    `  log "installing ${driver}"`,
    `  retry 5 $APT install -y "linux-headers-$(uname -r)" ${shellQuote(driver)} libvulkan1`,
    '  nvidia-smi >/dev/null 2>&1 || need_reboot=1',
    'fi',
    'usermod -aG video,render convoy || true',
  ];
}

/** The bootstrap script itself (bash). Never echoes the token: it goes straight from the store to the file. */
export function renderBootstrapScript(options: CloudInitOptions): string {
  const store = describeTokenSource(options.tokenSource);
  return [
    '#!/bin/bash',
    '# Written by the Convoy infra stack. Installs Node and Convoy, fetches the cluster token, starts convoy.service.',
    'set -euo pipefail',
    'export DEBIAN_FRONTEND=noninteractive',
    '# cloud-init and unattended-upgrades may hold the dpkg lock at first boot: wait for it instead of failing.',
    'APT="apt-get -o DPkg::Lock::Timeout=600"',
    'log() { echo "convoy-bootstrap: $*"; }',
    'retry() { local attempts=$1 n=1; shift; until "$@"; do [ "$n" -ge "$attempts" ] && return 1; n=$((n + 1)); sleep 10; done; }',
    'fetch_token() {',
    ...tokenFetchLines(options.tokenSource).map((line) => `  ${line}`),
    '}',
    '# Command substitution drops the trailing newline; a failed or empty read leaves no file behind.',
    `save_token() { local token; token=$(fetch_token) && [ -n "$token" ] && printf '%s' "$token" > ${TOKEN_FILE}.new; }`,
    'need_reboot=0',
    '',
    `has_node() { node --version 2>/dev/null | grep -q '^v${options.nodeMajor}\\.'; }`,
    'if ! has_node; then',
    `  log "installing Node.js ${options.nodeMajor} from NodeSource"`,
    // Download first: piping curl into bash would run an empty script when the download fails.
    `  retry 5 curl -fsSL -o /tmp/nodesource_setup.sh https://deb.nodesource.com/setup_${options.nodeMajor}.x`,
    '  bash /tmp/nodesource_setup.sh',
    '  retry 5 $APT install -y nodejs',
    `  has_node || { log "Node.js ${options.nodeMajor} did not install"; exit 1; }`,
    'fi',
    '',
    'log "installing Convoy"',
    `retry 5 npm install -g --no-fund --no-audit ${shellQuote(options.convoyPackage)}`,
    ...gpuDriverLines(options),
    '',
    `install -d -m 0750 -o convoy -g convoy ${shellQuote(TOKEN_FILE.replace(/\/[^/]+$/, ''))}`,
    `install -d -m 0750 -o convoy -g convoy ${CONVOY_HOME}`,
    `log "reading the cluster token from ${store}"`,
    'umask 077',
    `if ! retry 30 save_token; then`,
    `  rm -f ${TOKEN_FILE}.new`,
    `  log "could not read the cluster token from ${store}: check that this VM's identity may read the secret"`,
    '  exit 1',
    'fi',
    `chown convoy:convoy ${TOKEN_FILE}.new`,
    `mv ${TOKEN_FILE}.new ${TOKEN_FILE}`,
    '',
    'systemctl daemon-reload',
    'systemctl enable convoy.service',
    'if [ "$need_reboot" = 1 ]; then',
    '  log "rebooting to load the NVIDIA driver; convoy.service starts after the reboot"',
    '  systemctl reboot',
    'else',
    '  systemctl restart convoy.service',
    'fi',
    'log "done"',
    '',
  ].join('\n');
}

/** The complete `#cloud-config` document. */
export function renderCloudInit(options: CloudInitOptions): string {
  const envFile = Object.entries(options.env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => envLine(key, value))
    .join('\n');
  const document = {
    package_update: true,
    packages: ['ca-certificates', 'curl', 'git', ...tokenSourcePackages(options.tokenSource)].filter(
      (name, index, all) => all.indexOf(name) === index,
    ),
    users: [
      'default',
      { name: 'convoy', system: true, shell: '/usr/sbin/nologin', homedir: CONVOY_HOME, no_create_home: true },
    ],
    ...(options.sshPublicKey ? { ssh_authorized_keys: [options.sshPublicKey] } : {}),
    write_files: [
      { path: ENV_FILE, permissions: '0600', owner: 'root:root', content: envFile ? `${envFile}\n` : '' },
      { path: SYSTEMD_UNIT, permissions: '0644', owner: 'root:root', content: systemdUnit(options) },
      { path: BOOTSTRAP_SCRIPT, permissions: '0755', owner: 'root:root', content: renderBootstrapScript(options) },
    ],
    runcmd: [[BOOTSTRAP_SCRIPT]],
  };
  return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}
