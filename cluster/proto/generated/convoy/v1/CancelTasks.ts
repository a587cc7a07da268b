// Original file: worker.proto


export interface CancelTasks {
  'taskIds'?: (string)[];
  'force'?: (boolean);
}

export interface CancelTasks__Output {
  'taskIds': (string)[];
  'force': (boolean);
}
