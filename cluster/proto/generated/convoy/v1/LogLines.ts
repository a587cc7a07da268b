// Original file: worker.proto


export interface LogLines {
  'lines'?: (string)[];
  /**
   * the tail stopped at its scan limit with fewer lines than asked
   */
  'truncated'?: (boolean);
  /**
   * follow: the tail has been sent; lines after this are new
   */
  'caughtUp'?: (boolean);
}

export interface LogLines__Output {
  'lines': (string)[];
  /**
   * the tail stopped at its scan limit with fewer lines than asked
   */
  'truncated': (boolean);
  /**
   * follow: the tail has been sent; lines after this are new
   */
  'caughtUp': (boolean);
}
