/** Parses decoded user data (see terraform-string.ts) as cloud-config and pulls out the parts tests read. */
import { parse } from 'yaml';
import { BOOTSTRAP_SCRIPT, SYSTEMD_UNIT } from '../../lib/bootstrap/cloud-init.ts';
import { ENV_FILE } from '../../lib/bootstrap/commands.ts';
import { decodeTerraformString } from './terraform-string.ts';

export interface NodeBootstrap {
  /** The `ExecStart=` command of convoy.service. */
  execStart: string;
  script: string;
  env: string;
  references: string[];
  base64: boolean;
}

export function readBootstrap(userDataExpression: string): NodeBootstrap {
  const decoded = decodeTerraformString(userDataExpression);
  if (!decoded.text.startsWith('#cloud-config\n')) throw new Error('user data is not a cloud-config document');
  const doc = parse(decoded.text) as { write_files: { path: string; content: string }[] };
  const file = (path: string): string => {
    const entry = doc.write_files.find((candidate) => candidate.path === path);
    if (!entry) throw new Error(`no ${path} in write_files`);
    return entry.content;
  };
  const execLine = file(SYSTEMD_UNIT).split('\n').find((line) => line.startsWith('ExecStart='));
  if (!execLine) throw new Error('convoy.service has no ExecStart');
  return {
    execStart: execLine.slice('ExecStart='.length),
    script: file(BOOTSTRAP_SCRIPT),
    env: file(ENV_FILE),
    references: decoded.references,
    base64: decoded.base64,
  };
}
