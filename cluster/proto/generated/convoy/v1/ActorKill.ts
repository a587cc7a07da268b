// Original file: worker.proto


export interface ActorKill {
  'actorId'?: (string);
}

export interface ActorKill__Output {
  'actorId': (string);
}
