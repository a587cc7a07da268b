// Original file: worker.proto

import type { LogFileInfo as _convoy_v1_LogFileInfo, LogFileInfo__Output as _convoy_v1_LogFileInfo__Output } from '../../convoy/v1/LogFileInfo.ts';

export interface ListLogsReply {
  'nodeId'?: (string);
  'files'?: (_convoy_v1_LogFileInfo)[];
}

export interface ListLogsReply__Output {
  'nodeId': (string);
  'files': (_convoy_v1_LogFileInfo__Output)[];
}
