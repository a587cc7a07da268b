// Original file: worker.proto


export interface StreamHello {
  'clientId'?: (string);
}

export interface StreamHello__Output {
  'clientId': (string);
}
